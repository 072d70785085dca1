"""Run the asset graph as Dagster runs: one run per level (S0-S3 and consolidation), then one assembly run.

Every run targets a partition: `<level>|<run>` for the level runs, `<run>` for the assembly, where <run>
is the run folder's name, registered first as a key of the dynamic `run` dimension. Two ways, same runs
and tags (`dagster/partition...`, `taxonomy/run_folder`):

- here (default): `execute_job` against the instance in DAGSTER_HOME, level runs in parallel worker
  processes, steps by the run's executor (in-process, multiprocess or Celery). These runs bypass the
  instance's run queue and launcher; the partition locks in the run folder keep writers apart.
- submitted (`submit_url`): every run goes to a Dagster webserver, whose run queue, run launcher and
  executor take it from there (run_submission).

If any run fails, the manifest is refreshed on its own so the failure is recorded in the run folder.
"""

import contextlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagster import AssetKey, DagsterEventType, DagsterInstance, execute_job, reconstructable

from taxonomy_assets.cli import job_targets
from taxonomy_assets.cli.run_outcome import RunOutcome
from taxonomy_assets.cli.worker_pool import WorkerPool
from taxonomy_assets.constants import PARTITION_TAG, PER_LEVEL_ASSETS, PHASES, RUN_FOLDER_TAG
from taxonomy_assets.jobs import ASSEMBLY_JOB, LEVELS_JOB, MANIFEST_JOB
from taxonomy_assets.partitions import LEVEL_DIMENSION, RUN_DIMENSION, RUNS_PARTITIONS_NAME, level_run_key
from taxonomy_assets.step_errors import first_line
from taxonomy_resources.sqlite_event_log import open_home_instance

JOB_TARGETS: dict[str, Callable[[], Any]] = {
    LEVELS_JOB: job_targets.levels_job,
    ASSEMBLY_JOB: job_targets.assembly_job,
    MANIFEST_JOB: job_targets.manifest_job,
}


def assets_for_phase(phase: str) -> list[str]:
    """Per-level assets a resume from `phase` re-materializes (hierarchy: none)."""
    if phase not in PHASES:
        raise ValueError(f"unknown phase {phase!r}; choose one of {', '.join(PHASES)}")
    return list(PER_LEVEL_ASSETS[PHASES.index(phase) :])


@dataclass(frozen=True)
class PipelineRequest:
    levels: Sequence[str]
    phase: str
    run_config: dict[str, Any]
    run_folder: str
    run: str = "dev"
    max_parallel: int = 2
    submit_url: str | None = None


_INSTANCES: dict[str, DagsterInstance] = {}


def process_instance() -> DagsterInstance:
    """The instance in DAGSTER_HOME, opened once per process and home: opening one reads dagster.yaml,
    builds its storages and checks their schemas, a few tenths of a second that every run of a worker
    would pay again. A local SQLite instance gets the event log that keeps its engines
    (taxonomy_resources.sqlite_event_log). A worker process ends without closing it (nothing is
    buffered: every event is committed as it is stored)."""
    home = os.environ.get("DAGSTER_HOME", "")
    instance = _INSTANCES.get(home)
    if instance is None:
        for stale in _INSTANCES.values():
            stale.dispose()
        _INSTANCES.clear()
        instance = _INSTANCES[home] = open_home_instance()
    return instance


def _execute(
    job_name: str, label: str, run_config: dict[str, Any], tags: dict[str, str], assets: Sequence[str] | None
) -> RunOutcome:
    started = time.perf_counter()
    instance = process_instance()
    result = execute_job(
        reconstructable(JOB_TARGETS[job_name]),
        instance=instance,
        run_config=run_config,
        tags=tags,
        asset_selection=[AssetKey(name) for name in assets] if assets else None,
    )
    errors = []
    materialized = []
    for event in result.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        rows = materialization.metadata.get("dagster/row_count")
        materialized.append((materialization.asset_key.to_user_string(), getattr(rows, "value", None)))
    for event in result.all_events:
        if event.event_type == DagsterEventType.STEP_FAILURE:
            message = first_line(event.step_failure_data.error, default="step failed")
            errors.append(f"{event.step_key}: {message}")
    return RunOutcome(
        label, result.run_id, result.success, time.perf_counter() - started, errors, materialized
    )


def level_tags(level: str, run: str, run_folder: str) -> dict[str, str]:
    """Tags of the run that materializes one level of one run folder (partition `level|run`)."""
    return {
        PARTITION_TAG: str(level_run_key(level, run)),
        f"{PARTITION_TAG}/{LEVEL_DIMENSION}": level,
        f"{PARTITION_TAG}/{RUN_DIMENSION}": run,
        RUN_FOLDER_TAG: run_folder,
    }


def run_tags(run: str, run_folder: str) -> dict[str, str]:
    """Tags of a run over a whole run folder (partition `run`): assembly and manifest."""
    return {PARTITION_TAG: run, RUN_FOLDER_TAG: run_folder}


def register_run(instance: DagsterInstance, run: str) -> None:
    """Make `run` a key of the run dimension (idempotent): the UI lists the run folder from now on."""
    if not instance.has_dynamic_partition(RUNS_PARTITIONS_NAME, run):
        instance.add_dynamic_partitions(RUNS_PARTITIONS_NAME, [run])


def _run_level(
    level: str, run: str, assets: Sequence[str], run_config: dict[str, Any], run_folder: str
) -> RunOutcome:
    return _execute(LEVELS_JOB, level, run_config, level_tags(level, run, run_folder), assets)


def _resource_config(run_config: dict[str, Any], resource: str) -> dict[str, Any]:
    """The `config` section of one resource in a run config ({} when the run config leaves it out)."""
    return run_config.get("resources", {}).get(resource, {}).get("config", {})


class _HereRunner:
    """Executes runs in this process tree: every run (levels, then assembly and manifest) in one pool of
    worker processes, so each worker pays the definitions import once for the whole pipeline."""

    def __init__(self, request: PipelineRequest, pool: WorkerPool | None = None) -> None:
        self.request = request
        self.owns_pool = pool is None
        self.pool = pool or WorkerPool(
            planned_workers(request),
            _resource_config(request.run_config, "policy"),
            _resource_config(request.run_config, "run_folder"),
        )

    def close(self) -> None:
        if self.owns_pool:
            self.pool.close()

    def levels(self, assets: Sequence[str], report: Callable[[RunOutcome], None]) -> list[RunOutcome]:
        request = self.request
        outcomes = []
        sources = _resource_config(request.run_config, "sources").get("root")
        futures = {
            level: self.pool.submit(
                _run_level, level, request.run, assets, request.run_config, request.run_folder
            )
            for level in largest_first(request.levels, sources)
        }
        for level in request.levels:
            outcome = futures[level].result()
            outcomes.append(outcome)
            report(outcome)
        return outcomes

    def single(self, job_name: str, label: str, tags: dict[str, str]) -> RunOutcome:
        return self.pool.submit(_execute, job_name, label, self.request.run_config, tags, None).result()


class _SubmittingRunner:
    """Queues runs on a Dagster deployment and waits for them."""

    def __init__(self, request: PipelineRequest) -> None:
        from taxonomy_assets.cli.run_submission import Deployment

        self.request = request
        self.deployment = Deployment(request.submit_url or "")

    def levels(self, assets: Sequence[str], report: Callable[[RunOutcome], None]) -> list[RunOutcome]:
        from taxonomy_assets.cli.run_submission import submit, wait_for

        request = self.request
        started = time.perf_counter()
        run_ids = {
            level: submit(
                self.deployment,
                LEVELS_JOB,
                request.run_config,
                level_tags(level, request.run, request.run_folder),
                assets,
            )
            for level in request.levels
        }
        outcomes = []
        for level, run_id in run_ids.items():
            outcome = wait_for(self.deployment, run_id, level, started)
            outcomes.append(outcome)
            report(outcome)
        return outcomes

    def register(self) -> None:
        from taxonomy_assets.cli.run_submission import register_run as register_remote

        register_remote(self.deployment, LEVELS_JOB, RUNS_PARTITIONS_NAME, self.request.run)

    def single(self, job_name: str, label: str, tags: dict[str, str]) -> RunOutcome:
        from taxonomy_assets.cli.run_submission import submit, wait_for

        started = time.perf_counter()
        run_id = submit(self.deployment, job_name, self.request.run_config, tags, None)
        return wait_for(self.deployment, run_id, label, started)


def largest_first(levels: Sequence[str], sources_root: str | None) -> list[str]:
    """The levels by the bytes of their source folders, largest first (then in level order): started
    first, the longest level run overlaps all the others instead of following them (at a million
    records, L3 holds more than half the corpus)."""
    if not sources_root:
        return list(levels)

    def size(level: str) -> int:
        total = 0
        for folder, _, files in os.walk(Path(sources_root) / level):
            for name in files:
                with contextlib.suppress(OSError):
                    total += (Path(folder) / name).stat().st_size
        return total

    sizes = {level: size(level) for level in levels}
    return sorted(levels, key=lambda level: -sizes[level])


def planned_workers(request: PipelineRequest) -> int:
    """Worker processes for runs executed here: one per level run that can go at once."""
    return max(1, min(request.max_parallel, len(request.levels) or 1))


def run_pipeline(
    request: PipelineRequest, report: Callable[[RunOutcome], None], pool: WorkerPool | None = None
) -> list[RunOutcome]:
    """Execute the requested levels and phases; returns every run's outcome in execution order.

    Runs executed here expect the caller to have called `register_run` on the local instance first
    (which also creates or migrates its storage before other processes open it); a deployment is
    asked to register the run here. Runs executed here go to `pool` when given (started early by the
    caller, who closes it), else to a pool of their own."""
    assets = assets_for_phase(request.phase)
    runner: _HereRunner | _SubmittingRunner
    if request.submit_url:
        runner = _SubmittingRunner(request)
        runner.register()
        return _run_all(runner, request, assets, report)
    runner = _HereRunner(request, pool)
    try:
        return _run_all(runner, request, assets, report)
    finally:
        runner.close()


def _run_all(
    runner: "_HereRunner | _SubmittingRunner",
    request: PipelineRequest,
    assets: Sequence[str],
    report: Callable[[RunOutcome], None],
) -> list[RunOutcome]:
    outcomes: list[RunOutcome] = []
    if assets and request.levels:
        outcomes.extend(runner.levels(assets, report))
    tags = run_tags(request.run, request.run_folder)
    if all(outcome.success for outcome in outcomes):
        assembly = runner.single(ASSEMBLY_JOB, "hierarchy+manifest", tags)
        outcomes.append(assembly)
        report(assembly)
        if assembly.success:
            return outcomes
    manifest = runner.single(MANIFEST_JOB, "manifest", tags)
    outcomes.append(manifest)
    report(manifest)
    return outcomes
