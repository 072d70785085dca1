"""The consolidation asset: S2 support + S3 verdicts -> one concept per field per level (SPEC §6).

The reference system de-duplicates and disambiguates in a post-processing phase iterated until nothing
changes; here that phase is a per-level asset between S3 and the hierarchy, so it shows in the UI,
resumes like the rest (`s2_frequency_table*` re-runs it) and its decisions are metadata: a `merges`
table (every spelling folded, concept merged or heading split, with the reason) that the manifest
carries too. The work is done by the pure `taxonomy_assets.consolidation` package.
"""

import collections
import time
from collections.abc import Callable

from dagster import AssetExecutionContext, AssetIn, MetadataValue, Output, asset

from taxonomy_assets.code_versions import code_version
from taxonomy_assets.concepts import ConceptKeyer, FieldFamilies
from taxonomy_assets.consolidation import consolidate_level
from taxonomy_assets.constants import CURATION_GROUP, PARQUET_IO_MANAGER
from taxonomy_assets.contracts import Concept, ConceptMerge, FrequencyRow, Verdict
from taxonomy_assets.levels import Level
from taxonomy_assets.partitions import LEVEL_RUN_PARTITIONS, level_and_run
from taxonomy_assets.policy.models import Policy
from taxonomy_assets.rules.context import ContextQualifier
from taxonomy_resources.labeling import LabelingResource
from taxonomy_resources.parquet_io_manager import ParquetArtifact
from taxonomy_resources.policy_resource import PolicyResource
from taxonomy_resources.row_stream import RowStream

MERGES_IN_TABLE = 200


def merges_markdown(merges: list[ConceptMerge], limit: int = MERGES_IN_TABLE) -> str:
    """The merges table as Markdown for the asset's metadata page (spelling folds last)."""
    ordered = sorted(merges, key=lambda merge: (merge.kind == "spelling", merge.kind, merge.target_key))
    lines = ["| kind | from | into | reason |", "| --- | --- | --- | --- |"]
    lines += [
        f"| {merge.kind} | {merge.source_label} | {merge.target_label} | {merge.reason} |"
        for merge in ordered[:limit]
    ]
    if len(ordered) > limit:
        lines.append(f"| … | {len(ordered) - limit} more | | |")
    return "\n".join(lines)


def consolidate(
    level: Level,
    frequency: ParquetArtifact,
    verified: ParquetArtifact,
    policy: Policy,
    verify: Callable[[str, Level], Verdict] | None = None,
) -> tuple[list[Concept], list[ConceptMerge], int]:
    """Read one level's S2 and S3 artifacts and consolidate them under the policy."""
    keyer = ConceptKeyer(policy.concepts, policy.label)
    families = FieldFamilies(policy.hierarchy.families, keyer.fold)
    result = consolidate_level(
        level,
        frequency.iter_rows(FrequencyRow),
        verified.iter_rows(Concept),
        policy.levels[level],
        policy.consolidation,
        keyer,
        families,
        ContextQualifier(policy.concepts, policy.extraction, policy.label),
        verify,
    )
    return result.concepts, result.merges, result.rounds


@asset(
    partitions_def=LEVEL_RUN_PARTITIONS,
    io_manager_key=PARQUET_IO_MANAGER,
    ins={"frequency": AssetIn("s2_frequency_table"), "verified": AssetIn("s3_verified_concepts")},
    group_name=CURATION_GROUP,
    kinds={"python", "parquet"},
    code_version=code_version(
        "consolidation.2",
        "consolidation",
        "concepts",
        "label",
        "hierarchy",
        "levels",
        "extraction",
        "verification",
    ),
    description="Consolidation: near-duplicate concepts merged and context-dependent headings split, "
    "every decision with its reason (merges table).",
)
def consolidated_concepts(
    context: AssetExecutionContext,
    frequency: ParquetArtifact,
    verified: ParquetArtifact,
    policy: PolicyResource,
    labeling: LabelingResource,
) -> Output[RowStream]:
    level, run = level_and_run(context.partition_key)
    pinned = policy.pinned(context.run.run_id, run)
    verifier = labeling.verifier(pinned.policy)
    started = time.perf_counter()
    concepts, merges, rounds = consolidate(level, frequency, verified, pinned.policy, verifier.verify)
    kinds = collections.Counter(merge.kind for merge in merges)
    metadata = {
        **pinned.metadata(),
        "concepts_out": len(concepts),
        "passed": sum(concept.passed for concept in concepts),
        "merged": kinds.get("merge", 0),
        "split": kinds.get("split", 0),
        "spelling_folds": kinds.get("spelling", 0),
        "rounds": rounds,
        "merges": [merge.model_dump(mode="json") for merge in merges if merge.kind != "spelling"],
        "merges_table": MetadataValue.md(merges_markdown(merges)),
        **labeling.usage_metadata(verifier),
        "compute_seconds": round(time.perf_counter() - started, 4),
    }
    return Output(RowStream(rows=concepts, model=Concept, metadata=metadata))
