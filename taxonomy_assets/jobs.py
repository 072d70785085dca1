"""Jobs: per-level stages (partitioned), assembly (hierarchy + manifest), and the manifest alone."""

from dagster import AssetSelection, define_asset_job

from taxonomy_assets.constants import ASSEMBLY_TAG, PER_LEVEL_ASSETS
from taxonomy_assets.partitions import LEVEL_PARTITIONS

LEVELS_JOB = "taxonomy_levels"
ASSEMBLY_JOB = "taxonomy_assembly"
MANIFEST_JOB = "taxonomy_manifest"
EVERYTHING_JOB = "taxonomy_everything"
ASSEMBLY_TAGS = {ASSEMBLY_TAG: "hierarchy"}

levels_job = define_asset_job(
    LEVELS_JOB,
    selection=AssetSelection.assets(*PER_LEVEL_ASSETS),
    partitions_def=LEVEL_PARTITIONS,
    description="S0-S3 for one level (one partition per run); backfill levels independently.",
)
assembly_job = define_asset_job(
    ASSEMBLY_JOB,
    selection=AssetSelection.assets("taxonomy_hierarchy", "run_manifest"),
    description="Hierarchy assembly with its blocking invariant checks, then the run manifest.",
    tags=ASSEMBLY_TAGS,
)
manifest_job = define_asset_job(
    MANIFEST_JOB,
    selection=AssetSelection.assets("run_manifest"),
    description="Rewrite manifest.json from the event log (also launched after a failed run).",
    tags=ASSEMBLY_TAGS,
)
everything_job = define_asset_job(
    EVERYTHING_JOB,
    selection=AssetSelection.all(),
    partitions_def=LEVEL_PARTITIONS,
    description="One level's S0-S3 plus hierarchy and manifest in one run; also the target of ad-hoc "
    "selections "
    "such as `s2_frequency_table*` for one level.",
    tags=ASSEMBLY_TAGS,
)
