"""Read what happened to one run folder from the Dagster instance's event log (SPEC §9 inputs).

Returns plain models: the latest materialization of every asset partition written into the run
folder, the step timings and check results of those runs, and step failures/skips of the runs that
targeted the folder. The manifest is built from these alone.
"""

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from dagster import AssetKey, AssetRecordsFilter, DagsterEventType, DagsterInstance, DagsterRun, RunsFilter
from pydantic import BaseModel, ConfigDict

from taxonomy_assets.constants import PARTITION_TAG, PER_LEVEL_ASSETS
from taxonomy_assets.levels import LEVELS
from taxonomy_assets.partitions import LEVEL_DIMENSION, RUN_DIMENSION, level_run_key
from taxonomy_assets.step_errors import error_class, error_message

LEVEL_DIMENSION_TAG = f"{PARTITION_TAG}/{LEVEL_DIMENSION}"
RUN_DIMENSION_TAG = f"{PARTITION_TAG}/{RUN_DIMENSION}"

RECORDS_PER_PAGE = 50
RECENT_RUNS = 500
UNPARTITIONED_ASSETS = ("taxonomy_hierarchy",)


class Plain(BaseModel):
    model_config = ConfigDict(frozen=True)


class CheckOutcome(Plain):
    name: str
    passed: bool
    severity: str
    metadata: dict[str, Any]


class Materialization(Plain):
    asset: str
    partition: str | None
    dagster_run_id: str
    materialized_at: float
    step_started_at: float | None
    step_finished_at: float | None
    metadata: dict[str, Any]
    checks: list[CheckOutcome]


class StepProblem(Plain):
    asset: str
    partition: str | None
    dagster_run_id: str
    status: str
    at: float
    error_class: str
    message: str


def iso(timestamp: float | None) -> str | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC).isoformat()


def plain_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """MetadataValue objects -> JSON-friendly values."""
    plain: dict[str, Any] = {}
    for key, value in metadata.items():
        raw = getattr(value, "value", value)
        if hasattr(raw, "md_str"):
            raw = raw.md_str
        plain[key] = raw if isinstance(raw, str | int | float | bool | list | dict | type(None)) else str(raw)
    return plain


def asset_partitions() -> list[tuple[str, str | None]]:
    return [(name, level) for name in PER_LEVEL_ASSETS for level in LEVELS] + [
        (name, None) for name in UNPARTITIONED_ASSETS
    ]


def _partition_key(run: str, level: str | None) -> str:
    return str(level_run_key(level, run)) if level else run


def _latest_in_folder(instance: DagsterInstance, asset: str, partition: str, folder: str) -> Any:
    """The latest materialization of one asset partition that was written into `folder` (two output
    roots may hold a run folder of the same name in one instance)."""
    records_filter = AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=[partition])
    cursor = None
    while True:
        result = instance.fetch_materializations(records_filter, limit=RECORDS_PER_PAGE, cursor=cursor)
        for record in result.records:
            metadata = record.asset_materialization.metadata if record.asset_materialization else {}
            if getattr(metadata.get("run_folder"), "value", None) == folder:
                return record
        if not result.has_more:
            return None
        cursor = result.cursor


def _checks(evaluations: list[Any], asset: str, partition: str) -> list[CheckOutcome]:
    """The outcomes of one asset partition's checks among a run's check evaluations."""
    outcomes = []
    for evaluation in evaluations:
        if evaluation is None or evaluation.asset_key != AssetKey(asset):
            continue
        if evaluation.partition not in (None, partition):
            continue
        outcomes.append(
            CheckOutcome(
                name=evaluation.check_name,
                passed=evaluation.passed,
                severity=evaluation.severity.value,
                metadata=plain_metadata(evaluation.metadata),
            )
        )
    return sorted(outcomes, key=lambda outcome: outcome.name)


class _RunEvents:
    """Step stats and check evaluations of the runs the manifest cites, read once per run: the five
    assets of a level come from one run, and reading its event log per asset was most of the manifest."""

    def __init__(self, instance: DagsterInstance) -> None:
        self.instance = instance
        self._stats: dict[str, dict[str, Any]] = {}
        self._evaluations: dict[str, list[Any]] = {}

    def step(self, run_id: str, step_key: str) -> Any:
        if run_id not in self._stats:
            self._stats[run_id] = {stat.step_key: stat for stat in self.instance.get_run_step_stats(run_id)}
        return self._stats[run_id].get(step_key)

    def evaluations(self, run_id: str) -> list[Any]:
        if run_id not in self._evaluations:
            entries = self.instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
            self._evaluations[run_id] = [
                entry.dagster_event.event_specific_data for entry in entries if entry.dagster_event
            ]
        return self._evaluations[run_id]


def latest_materializations(instance: DagsterInstance, run: str, folder: str) -> list[Materialization]:
    """The latest materialization of every asset partition of run folder `run` (at `folder`)."""
    found = []
    runs = _RunEvents(instance)
    for asset, level in asset_partitions():
        partition = _partition_key(run, level)
        record = _latest_in_folder(instance, asset, partition, folder)
        if record is None:
            continue
        step = runs.step(record.run_id, asset)
        found.append(
            Materialization(
                asset=asset,
                partition=level,
                dagster_run_id=record.run_id,
                materialized_at=record.timestamp,
                step_started_at=step.start_time if step else None,
                step_finished_at=step.end_time if step else None,
                metadata=plain_metadata(dict(record.asset_materialization.metadata)),
                checks=_checks(runs.evaluations(record.run_id), asset, partition),
            )
        )
    return found


def runs_for_folder(instance: DagsterInstance, run: str) -> list[DagsterRun]:
    """The Dagster runs that targeted run folder `run`: its level x run partitions and its run partition
    (from the CLI, the UI, backfills and sensors alike, since the partition is part of every run)."""
    per_level = instance.get_runs(filters=RunsFilter(tags={RUN_DIMENSION_TAG: run}), limit=RECENT_RUNS)
    assembly = instance.get_runs(filters=RunsFilter(tags={PARTITION_TAG: run}), limit=RECENT_RUNS)
    return sorted({found.run_id: found for found in [*per_level, *assembly]}.values(), key=lambda r: r.run_id)


def step_problems(instance: DagsterInstance, runs: Iterable[DagsterRun]) -> list[StepProblem]:
    """Failed and skipped asset steps of the given runs, with the error class and message."""
    known = {name for name, _ in asset_partitions()} | {"run_manifest"}
    problems = []
    for run in runs:
        partition = run.tags.get(LEVEL_DIMENSION_TAG)
        for entry in instance.all_logs(
            run.run_id, of_type={DagsterEventType.STEP_FAILURE, DagsterEventType.STEP_SKIPPED}
        ):
            event = entry.dagster_event
            if event is None or event.step_key not in known:
                continue
            error = getattr(event.event_specific_data, "error", None)
            failed = event.event_type == DagsterEventType.STEP_FAILURE
            problems.append(
                StepProblem(
                    asset=event.step_key,
                    partition=partition if event.step_key in PER_LEVEL_ASSETS else None,
                    dagster_run_id=run.run_id,
                    status="failed" if failed else "skipped",
                    at=entry.timestamp,
                    error_class=error_class(error) if error else "",
                    message=error_message(error)[:2000] if error else "upstream step failed",
                )
            )
    return problems
