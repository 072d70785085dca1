"""S3 verification: kept S2 rows -> Concepts with a verdict, the gates passed and reasons (SPEC §6 S3).

Gates run in order (instructions, structure, venue blocklist at L3, generic organisational tokens,
allowlist, non-field text); multi-token labels that pass them are judged by their head, single tokens
go to the verifier. Concept ids are a stable hash of level + normalized label.
"""

import collections
import time
from collections.abc import Callable, Iterable

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetIn,
    Output,
    asset,
)

from taxonomy_assets.code_versions import code_version
from taxonomy_assets.constants import CURATION_GROUP, PARQUET_IO_MANAGER
from taxonomy_assets.contracts import Concept, FrequencyRow, QuarantineEntry, Verdict
from taxonomy_assets.labelers import LabelingError, Verifier, map_in_order
from taxonomy_assets.levels import Level
from taxonomy_assets.partitions import LEVEL_RUN_PARTITIONS, level_and_run
from taxonomy_assets.policy.models import LevelThresholds
from taxonomy_assets.rules.verify import RuleVerifier
from taxonomy_resources.labeling import LabelingResource
from taxonomy_resources.parquet_io_manager import ParquetArtifact
from taxonomy_resources.policy_resource import PolicyResource
from taxonomy_resources.quarantine import QuarantineLog
from taxonomy_resources.row_stream import RowStream
from taxonomy_resources.run_folder import RunFolderResource

STAGE = "S3"
UNIQUE_IDS_CHECK = "concept_ids_unique"


def verify_concepts(
    rows: Iterable[FrequencyRow],
    level: Level,
    verifier: Verifier,
    thresholds: LevelThresholds,
    reject: Callable[[QuarantineEntry], None],
) -> list[Concept]:
    """One Concept per kept frequency row, in normalized-label order.

    A label the verifier gives up on (an LLM that never answered validly) stays visible as a rejected
    concept whose reason says so, and is reported to `reject` for the quarantine file.
    """

    def judge(row: FrequencyRow) -> Verdict:
        try:
            return verifier.verify(row.normalized, level)
        except LabelingError as exc:
            reject(
                QuarantineEntry(
                    stage=STAGE, level=level, reason=exc.reason, detail=exc.detail, payload=row.normalized
                )
            )
            return Verdict(passed=False, gates=[], reason=f"verification failed: {exc}", method="llm")

    concepts = []
    kept = (row for row in rows if row.kept)
    for row, verdict in map_in_order(kept, judge, getattr(verifier, "max_concurrency", 1)):
        support = (
            f"support: {row.inst_count} institution(s), {row.src_count} source(s) "
            f"(thresholds {thresholds.min_institutions}/{thresholds.min_src_count})"
        )
        concepts.append(
            Concept.judged(
                level,
                row,
                verdict,
                [support, verdict.reason],
                thresholds.min_institutions,
                thresholds.min_src_count,
            )
        )
    return sorted(concepts, key=lambda concept: concept.concept_key)


def duplicate_ids(concepts: list[Concept]) -> list[str]:
    counts = collections.Counter(concept.concept_id for concept in concepts)
    return sorted(concept_id for concept_id, count in counts.items() if count > 1)


@asset(
    partitions_def=LEVEL_RUN_PARTITIONS,
    io_manager_key=PARQUET_IO_MANAGER,
    ins={"frequency": AssetIn("s2_frequency_table")},
    group_name=CURATION_GROUP,
    kinds={"python", "parquet"},
    code_version=code_version(f"s3.2-{RuleVerifier.name}", "verification", "label", "llm"),
    check_specs=[
        AssetCheckSpec(
            UNIQUE_IDS_CHECK,
            asset="s3_verified_concepts",
            description="Every concept_id occurs once in its level.",
        )
    ],
    description="S3 verification: rule (or LLM) verdicts with gates and reasons; stable concept ids.",
)
def s3_verified_concepts(
    context: AssetExecutionContext,
    frequency: ParquetArtifact,
    policy: PolicyResource,
    labeling: LabelingResource,
    run_folder: RunFolderResource,
):
    level, run = level_and_run(context.partition_key)
    folder = run_folder.for_run(run)
    pinned = policy.pinned(context.run.run_id, run)
    verifier = labeling.verifier(pinned.policy)
    started = time.perf_counter()
    with QuarantineLog(folder.quarantine_path(STAGE, level)) as quarantine:
        concepts = verify_concepts(
            frequency.iter_rows(FrequencyRow), level, verifier, pinned.policy.levels[level], quarantine.add
        )
    methods = collections.Counter(concept.verification_method for concept in concepts)
    metadata = {
        **pinned.metadata(),
        **labeling.usage_metadata(verifier),
        "concepts_in": len(concepts),
        "passed": sum(concept.passed for concept in concepts),
        "rejected": sum(not concept.passed for concept in concepts),
        "by_method": dict(sorted(methods.items())),
        "quarantined": quarantine.count,
        "compute_seconds": round(time.perf_counter() - started, 4),
    }
    yield Output(RowStream(rows=concepts, model=Concept, metadata=metadata))
    duplicates = duplicate_ids(concepts)
    yield AssetCheckResult(
        check_name=UNIQUE_IDS_CHECK,
        passed=not duplicates,
        severity=AssetCheckSeverity.ERROR,
        metadata={"duplicates": len(duplicates), "examples": duplicates[:10]},
    )
