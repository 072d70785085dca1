"""In-process materialization of the level x run partition space, as the tests need it."""

from collections.abc import Sequence
from typing import Any

from dagster import DagsterInstance, ExecuteInProcessResult, materialize

from taxonomy_assets.partitions import RUNS_PARTITIONS_NAME, level_run_key


def register_run(instance: DagsterInstance, run: str) -> None:
    """Add the run folder's partition key, as `taxonomy pipeline run` or the UI would."""
    if not instance.has_dynamic_partition(RUNS_PARTITIONS_NAME, run):
        instance.add_dynamic_partitions(RUNS_PARTITIONS_NAME, [run])


def materialize_level(
    assets: Sequence[Any],
    level: str,
    run: str,
    *,
    instance: DagsterInstance | None = None,
    **kwargs: Any,
) -> ExecuteInProcessResult:
    """Materialize per-level assets for one level of one run folder."""
    instance = instance or DagsterInstance.ephemeral()
    register_run(instance, run)
    return materialize(assets, partition_key=str(level_run_key(level, run)), instance=instance, **kwargs)


def materialize_run(
    assets: Sequence[Any],
    run: str,
    *,
    instance: DagsterInstance | None = None,
    **kwargs: Any,
) -> ExecuteInProcessResult:
    """Materialize the run-partitioned assets (hierarchy, manifest) of one run folder."""
    instance = instance or DagsterInstance.ephemeral()
    register_run(instance, run)
    return materialize(assets, partition_key=run, instance=instance, **kwargs)
