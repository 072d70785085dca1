"""Jobs: per-level stages (partitioned by level x run), assembly (hierarchy + manifest, by run), and the
manifest alone. Ad-hoc selections such as `s2_frequency_table*` for one level of one run are launched from
the UI as asset backfills, which map the level x run partition onto the run's hierarchy."""

from dagster import AssetSelection, define_asset_job

from taxonomy_assets.constants import ASSEMBLY_TAG, PER_LEVEL_ASSETS
from taxonomy_assets.partitions import LEVEL_RUN_PARTITIONS, RUN_PARTITIONS

LEVELS_JOB = "taxonomy_levels"
ASSEMBLY_JOB = "taxonomy_assembly"
MANIFEST_JOB = "taxonomy_manifest"
ASSEMBLY_TAGS = {ASSEMBLY_TAG: "hierarchy"}

levels_job = define_asset_job(
    LEVELS_JOB,
    selection=AssetSelection.assets(*PER_LEVEL_ASSETS),
    partitions_def=LEVEL_RUN_PARTITIONS,
    description="S0-S3 and consolidation for one level of one run folder (partition level|run).",
)
assembly_job = define_asset_job(
    ASSEMBLY_JOB,
    selection=AssetSelection.assets("taxonomy_hierarchy", "run_manifest"),
    partitions_def=RUN_PARTITIONS,
    description="Hierarchy assembly with its blocking invariant checks, then the run manifest (by run).",
    tags=ASSEMBLY_TAGS,
)
manifest_job = define_asset_job(
    MANIFEST_JOB,
    selection=AssetSelection.assets("run_manifest"),
    partitions_def=RUN_PARTITIONS,
    description="Rewrite a run folder's manifest.json from the event log (also launched after a failed run).",
    tags=ASSEMBLY_TAGS,
)
