"""Quality floors of the text rules on the labelled dev sets (S1 micro-F1, S3 accuracy)."""

import pytest

from taxonomy_assets.policy import load_policy
from taxonomy_assets.project_paths import POLICIES_DIR, PROJECT_ROOT
from taxonomy_assets.rules import RuleExtractor, RuleVerifier
from taxonomy_assets.rules.scoring import (
    S1_DEV_FILE,
    S3_DEV_FILE,
    read_jsonl,
    score_extraction,
    score_verification,
)

EVAL_DIR = PROJECT_ROOT.parent / "shared" / "eval"
S1_F1_FLOOR = 0.93
S3_ACCURACY_FLOOR = 0.92

pytestmark = pytest.mark.skipif(
    not (EVAL_DIR / S1_DEV_FILE).is_file() or not (EVAL_DIR / S3_DEV_FILE).is_file(),
    reason=f"labelled dev sets not found in {EVAL_DIR}; quality floors are measured only where they exist",
)


def test_s1_extraction_micro_f1_meets_the_floor() -> None:
    extractor = RuleExtractor.from_policy(load_policy(POLICIES_DIR))
    score = score_extraction(extractor, read_jsonl(EVAL_DIR / S1_DEV_FILE))
    total = score.total
    print(f"S1 P={total.precision:.3f} R={total.recall:.3f} F1={total.f1:.3f} over {score.rows} rows")
    for miss in score.misses:
        print(f"  miss {miss.level} {miss.text!r}: {miss.predicted} vs {miss.gold}")
    assert total.f1 >= S1_F1_FLOOR


def test_s3_verification_accuracy_meets_the_floor() -> None:
    verifier = RuleVerifier.from_policy(load_policy(POLICIES_DIR))
    score = score_verification(verifier, read_jsonl(EVAL_DIR / S3_DEV_FILE))
    print(f"S3 accuracy={score.accuracy:.3f} over {score.rows} rows")
    for miss in score.misses:
        print(f"  miss {miss.level} {miss.label!r}: expected {miss.expected}; {miss.reason}")
    assert score.accuracy >= S3_ACCURACY_FLOOR
