"""The hierarchy asset: all levels' verified concepts -> one tree, invariants as blocking checks.

Assembly and invariants are pure (`hierarchy_assembly`); this module gathers inputs, records orphans
in quarantine and reports each invariant as a blocking asset check, so a broken tree stops the run
before the manifest and never replaces the previous good `hierarchy/` folder.
"""

import time

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
from taxonomy_assets.concepts import ConceptKeyer, FieldFamilies
from taxonomy_assets.constants import ASSEMBLY_GROUP
from taxonomy_assets.contracts import Concept, QuarantineEntry
from taxonomy_assets.hierarchy_assembly import INVARIANTS, assemble_hierarchy, check_invariants
from taxonomy_assets.levels import LEVELS
from taxonomy_assets.partitions import ALL_LEVELS_OF_RUN, RUN_PARTITIONS
from taxonomy_assets.rules.normalize import LabelNormalizer
from taxonomy_resources.hierarchy_io_manager import HierarchyBuild
from taxonomy_resources.parquet_io_manager import ParquetArtifact
from taxonomy_resources.policy_resource import PolicyResource
from taxonomy_resources.quarantine import QuarantineLog
from taxonomy_resources.run_folder import RunFolderResource

HIERARCHY_IO_MANAGER = "hierarchy_io_manager"


@asset(
    ins={"concepts": AssetIn("consolidated_concepts", partition_mapping=ALL_LEVELS_OF_RUN)},
    partitions_def=RUN_PARTITIONS,
    io_manager_key=HIERARCHY_IO_MANAGER,
    group_name=ASSEMBLY_GROUP,
    kinds={"python", "duckdb", "parquet"},
    code_version=code_version("hierarchy.2", "hierarchy", "label", "concepts"),
    check_specs=[
        AssetCheckSpec(name, asset="taxonomy_hierarchy", description=description, blocking=True)
        for name, description in INVARIANTS.items()
    ],
    description="Hierarchy assembly: parents resolved across levels into one tree; invariants block the run.",
)
def taxonomy_hierarchy(
    context: AssetExecutionContext,
    concepts: dict[str, ParquetArtifact],
    policy: PolicyResource,
    run_folder: RunFolderResource,
):
    run = context.partition_key
    folder = run_folder.for_run(run)
    pinned = policy.pinned(context.run.run_id, run)
    started = time.perf_counter()
    by_level = {level: list(concepts[level].iter_rows(Concept)) for level in LEVELS}
    normalize = LabelNormalizer(pinned.policy.label).normalize
    keyer = ConceptKeyer(pinned.policy.concepts, pinned.policy.label)
    families = FieldFamilies(pinned.policy.hierarchy.families, keyer.fold)
    assembly = assemble_hierarchy(
        by_level, pinned.policy.hierarchy, lambda text, level: keyer.key(normalize(text), level), families
    )
    invariants = check_invariants(assembly.nodes)
    with QuarantineLog(folder.quarantine_path("hierarchy", "orphans")) as quarantine:
        for orphan in assembly.orphans:
            quarantine.add(
                QuarantineEntry(
                    stage="hierarchy",
                    level=orphan.level,
                    reason="orphan",
                    detail=f"{orphan.label}: {orphan.reason}",
                    record_id=orphan.concept_id,
                    payload=", ".join(orphan.anchors),
                )
            )
    metadata = {
        **pinned.metadata(),
        "nodes": len(assembly.nodes),
        "edges": len(assembly.edges),
        "orphans": len(assembly.orphans),
        "orphan_strategy": pinned.policy.hierarchy.orphan_strategy,
        "compute_seconds": round(time.perf_counter() - started, 4),
    }
    all_concepts = [concept for level in LEVELS for concept in by_level[level]]
    yield Output(
        HierarchyBuild(
            assembly=assembly,
            concepts=all_concepts,
            invariants_held=all(result.passed for result in invariants),
            preview_lines=pinned.policy.hierarchy.preview_nodes,
            metadata=metadata,
        )
    )
    for result in invariants:
        yield AssetCheckResult(
            check_name=result.name,
            passed=result.passed,
            severity=AssetCheckSeverity.ERROR,
            metadata={"violations": result.violations, "examples": result.examples},
        )
