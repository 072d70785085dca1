"""Names shared by the asset modules and definitions.py: groups, resource keys, run tags."""

EXTRACTION_GROUP = "extraction"
CURATION_GROUP = "curation"
ASSEMBLY_GROUP = "assembly"

S0_IO_MANAGER = "jsonl_shards_io_manager"
PARQUET_IO_MANAGER = "parquet_io_manager"

RUN_FOLDER_TAG = "taxonomy/run_folder"
PARTITION_TAG = "dagster/partition"
# Runs that write the unpartitioned hierarchy/manifest carry this tag; the run queue admits one at a time.
ASSEMBLY_TAG = "taxonomy/assembly"

# Resume phases of `taxonomy pipeline run --resume-phase`, in graph order; each per-level phase names the
# first per-level asset it re-materializes (hierarchy: none, only assembly).
PHASES = ("S0", "S1", "S2", "S3", "consolidation", "hierarchy")

PER_LEVEL_ASSETS = (
    "s0_source_records",
    "s1_candidates",
    "s2_frequency_table",
    "s3_verified_concepts",
    "consolidated_concepts",
)

# Comma-separated ecosystem executors the definitions offer (all installed ones when unset): executors.py
OFFERED_EXECUTORS_VARIABLE = "TAXONOMY_EXECUTORS"
