"""The partition space: taxonomy level x run folder (SPEC §2).

Per-level assets are partitioned by `level` (static: L0-L3) and `run` (dynamic: one key per run folder,
added by `taxonomy pipeline run --run-id` or in the UI); the hierarchy and the manifest by `run` alone,
reading every level of their run. So the UI shows each run folder's levels on their own, a failure in
one run folder never marks another, and one level of one run can be backfilled from the UI.
"""

import warnings

from dagster import (
    BetaWarning,
    DynamicPartitionsDefinition,
    MultiPartitionKey,
    MultiPartitionsDefinition,
    MultiToSingleDimensionPartitionMapping,
    StaticPartitionsDefinition,
)

from taxonomy_assets.levels import LEVELS, Level

LEVEL_DIMENSION = "level"
RUN_DIMENSION = "run"
RUNS_PARTITIONS_NAME = "taxonomy_runs"

LEVEL_PARTITIONS = StaticPartitionsDefinition(list(LEVELS))
RUN_PARTITIONS = DynamicPartitionsDefinition(name=RUNS_PARTITIONS_NAME)
LEVEL_RUN_PARTITIONS = MultiPartitionsDefinition(
    {LEVEL_DIMENSION: LEVEL_PARTITIONS, RUN_DIMENSION: RUN_PARTITIONS}
)
# the hierarchy of run R reads every level of run R (the mapping is marked beta; it is the documented way)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", BetaWarning)
    ALL_LEVELS_OF_RUN = MultiToSingleDimensionPartitionMapping(partition_dimension_name=RUN_DIMENSION)


def level_run_key(level: str, run: str) -> MultiPartitionKey:
    return MultiPartitionKey({LEVEL_DIMENSION: level, RUN_DIMENSION: run})


def level_and_run(partition_key: str) -> tuple[Level, str]:
    """(level, run) of a per-level asset's partition key ('L1|dev' or a MultiPartitionKey)."""
    if isinstance(partition_key, MultiPartitionKey):
        dimensions = partition_key.keys_by_dimension
    else:
        dimensions = LEVEL_RUN_PARTITIONS.get_partition_key_from_str(partition_key).keys_by_dimension
    level = dimensions[LEVEL_DIMENSION]
    if level not in LEVELS:
        raise ValueError(f"partition {partition_key!r} names no level")
    return level, dimensions[RUN_DIMENSION]  # type: ignore[return-value]


def run_of(partition_key: str) -> str:
    """The run folder of any partition key: a run key as is, or the run dimension of a level x run key."""
    if isinstance(partition_key, MultiPartitionKey) or "|" in partition_key:
        return level_and_run(partition_key)[1]
    return partition_key
