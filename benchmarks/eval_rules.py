"""Score the rule extractor (S1) and rule verifier (S3) on the labelled dev sets and time them.

Usage: python benchmarks/eval_rules.py [EVAL_DIR] [--repeat N]
EVAL_DIR defaults to ../shared/eval relative to the repository root. Prints micro P/R/F1 (S1),
accuracy (S3), per-level scores, every miss, and throughput in items per second.
"""

import argparse
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from taxonomy_assets.policy import load_policy  # noqa: E402
from taxonomy_assets.rules import RuleExtractor, RuleVerifier  # noqa: E402
from taxonomy_assets.rules.scoring import (  # noqa: E402
    S1_DEV_FILE,
    S3_DEV_FILE,
    ExtractionScore,
    VerificationScore,
    read_jsonl,
    score_extraction,
    score_verification,
)

DEFAULT_EVAL_DIR = REPO_ROOT.parent / "shared" / "eval"


def _report_extraction(score: ExtractionScore) -> None:
    total = score.total
    print(f"S1 extraction: rows={score.rows} P={total.precision:.3f} R={total.recall:.3f} F1={total.f1:.3f}")
    for level in sorted(score.per_level):
        counts = score.per_level[level]
        print(f"  {level}: P={counts.precision:.3f} R={counts.recall:.3f} F1={counts.f1:.3f}")
    for miss in score.misses:
        print(f"  MISS {miss.level} {miss.text!r}: predicted {miss.predicted} gold {miss.gold}")


def _report_verification(score: VerificationScore) -> None:
    print(f"S3 verification: rows={score.rows} accuracy={score.accuracy:.3f}")
    for level in sorted(score.per_level):
        print(f"  {level}: accuracy={score.level_accuracy(level):.3f}")
    for miss in score.misses:
        print(
            f"  MISS {miss.level} {miss.label!r}: expected passed={miss.expected}; rule said: {miss.reason}"
        )


def _throughput(label: str, items: int, repeat: int, run: object) -> None:
    start = time.perf_counter()
    for _ in range(repeat):
        run()  # type: ignore[operator]
    elapsed = time.perf_counter() - start
    total = items * repeat
    print(f"{label} throughput: {total / elapsed:,.0f} items/s ({total} items in {elapsed:.2f}s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("eval_dir", nargs="?", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--repeat", type=int, default=50, help="Passes over each set for the timing.")
    args = parser.parse_args(argv)
    s1_path, s3_path = args.eval_dir / S1_DEV_FILE, args.eval_dir / S3_DEV_FILE
    if not s1_path.is_file() or not s3_path.is_file():
        print(f"eval sets not found: expected {s1_path} and {s3_path}", file=sys.stderr)
        return 2

    policy = load_policy(REPO_ROOT / "policies")
    extractor, verifier = RuleExtractor.from_policy(policy), RuleVerifier.from_policy(policy)
    s1_rows, s3_rows = read_jsonl(s1_path), read_jsonl(s3_path)

    _report_extraction(score_extraction(extractor, s1_rows))
    _report_verification(score_verification(verifier, s3_rows))
    _throughput(
        "S1", len(s1_rows), args.repeat, lambda: [extractor.extract(r["text"], r["level"]) for r in s1_rows]
    )
    _throughput(
        "S3", len(s3_rows), args.repeat, lambda: [verifier.verify(r["label"], r["level"]) for r in s3_rows]
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
