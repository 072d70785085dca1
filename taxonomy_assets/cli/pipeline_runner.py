"""Run the asset graph through the Dagster instance in DAGSTER_HOME, as the UI would.

One run per level executes that level's S0-S3 (levels run in parallel worker processes), then one
assembly run builds the hierarchy and the manifest. If any run fails, the manifest is refreshed on
its own so the failure is recorded in the run folder. Every run is tagged with its run folder.
"""

import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from dagster import AssetKey, DagsterEventType, DagsterInstance, execute_job, reconstructable

from taxonomy_assets.cli import job_targets
from taxonomy_assets.constants import PARTITION_TAG, PER_LEVEL_ASSETS, PHASES, RUN_FOLDER_TAG


def assets_for_phase(phase: str) -> list[str]:
    """Per-level assets a resume from `phase` re-materializes (hierarchy: none)."""
    if phase not in PHASES:
        raise ValueError(f"unknown phase {phase!r}; choose one of {', '.join(PHASES)}")
    return list(PER_LEVEL_ASSETS[PHASES.index(phase) :])


@dataclass(frozen=True)
class RunOutcome:
    label: str
    dagster_run_id: str
    success: bool
    seconds: float
    errors: list[str] = field(default_factory=list)
    materialized: list[tuple[str, int | None]] = field(default_factory=list)


@dataclass(frozen=True)
class PipelineRequest:
    levels: Sequence[str]
    phase: str
    run_config: dict[str, Any]
    run_folder: str
    max_parallel: int = 2


def _execute(
    target: Callable[[], Any],
    label: str,
    run_config: dict[str, Any],
    tags: dict[str, str],
    assets: Sequence[str] | None,
) -> RunOutcome:
    started = time.perf_counter()
    with DagsterInstance.get() as instance:
        result = execute_job(
            reconstructable(target),
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
                error = event.step_failure_data.error
                message = error.message.strip().splitlines()[0] if error and error.message else "step failed"
                errors.append(f"{event.step_key}: {message}")
        return RunOutcome(
            label, result.run_id, result.success, time.perf_counter() - started, errors, materialized
        )


def _run_level(level: str, assets: Sequence[str], run_config: dict[str, Any], run_folder: str) -> RunOutcome:
    tags = {PARTITION_TAG: level, RUN_FOLDER_TAG: run_folder}
    return _execute(job_targets.levels_job, level, run_config, tags, assets)


def run_pipeline(request: PipelineRequest, report: Callable[[RunOutcome], None]) -> list[RunOutcome]:
    """Execute the requested levels and phases; returns every run's outcome in execution order."""
    outcomes: list[RunOutcome] = []
    assets = assets_for_phase(request.phase)
    with DagsterInstance.get():
        pass  # create or migrate the storage once, before worker processes open it concurrently
    if assets and request.levels:
        workers = max(1, min(request.max_parallel, len(request.levels)))
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [
                pool.submit(_run_level, level, assets, request.run_config, request.run_folder)
                for level in request.levels
            ]
            for future in futures:
                outcome = future.result()
                outcomes.append(outcome)
                report(outcome)
    tags = {RUN_FOLDER_TAG: request.run_folder}
    if all(outcome.success for outcome in outcomes):
        assembly = _execute(job_targets.assembly_job, "hierarchy+manifest", request.run_config, tags, None)
        outcomes.append(assembly)
        report(assembly)
        if assembly.success:
            return outcomes
    manifest = _execute(job_targets.manifest_job, "manifest", request.run_config, tags, None)
    outcomes.append(manifest)
    report(manifest)
    return outcomes
