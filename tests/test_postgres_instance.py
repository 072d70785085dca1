"""The pipeline on a Dagster instance stored in PostgreSQL (a database of its own, dropped afterwards):
a full run with the four levels at once, a resume, a backfill through the run queue and daemon, and
the manifest built from the PostgreSQL event log."""

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from dagster import DagsterEventType, DagsterInstance, DagsterRun, DagsterRunStatus, RunsFilter

from taxonomy_assets.cli.pipeline_runner import level_tags, run_tags
from taxonomy_assets.constants import PER_LEVEL_ASSETS
from taxonomy_assets.levels import LEVELS
from tests.conftest import VOLATILE_FILES, CliWorld, fingerprint, read_manifest, run_cli
from tests.partitioned import register_run
from tests.services import dagster_dev, postgres_database, postgres_instance_yaml, write_instance_home

pytestmark = pytest.mark.services

BACKFILL = """
mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
  }
}
"""


@dataclass(frozen=True)
class PostgresWorld:
    env: dict[str, str]
    home: Path
    output_root: Path

    def run(self, *args: str):
        return run_cli(list(args), self.env, cwd=self.output_root.parent)

    def folder(self, run_id: str) -> Path:
        return self.output_root / "runs" / run_id

    def instance(self) -> DagsterInstance:
        return DagsterInstance.from_config(str(self.home))


@pytest.fixture(scope="module")
def pg_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresWorld]:
    base = tmp_path_factory.mktemp("postgres")
    with postgres_database() as db_name:
        home = write_instance_home(base / "home", postgres_instance_yaml(db_name))
        env = {
            key: value for key, value in os.environ.items() if not key.startswith(("TAXONOMY_", "DAGSTER_"))
        }
        env.update(
            {
                "DAGSTER_HOME": str(home),
                "TAXONOMY_OUTPUT_ROOT": str(base / "output"),
                "TAXONOMY_ENVIRONMENT": "testing",
            }
        )
        yield PostgresWorld(env, home, base / "output")


@pytest.fixture(scope="module")
def pg_run(pg_world: PostgresWorld) -> Path:
    instance_file = (pg_world.home / "dagster.yaml").read_bytes()
    result = pg_world.run("pipeline", "run", "--run-id", "pg", "--max-parallel", "4")
    assert result.returncode == 0, result.stderr
    assert (pg_world.home / "dagster.yaml").read_bytes() == instance_file, (
        "the CLI replaced the user's dagster.yaml"
    )
    return pg_world.folder("pg")


@pytest.fixture(scope="module")
def pg_deployment(pg_world: PostgresWorld) -> Iterator[str]:
    """`dagster dev` (webserver + daemon: run queue, run launcher) on the PostgreSQL instance."""
    with dagster_dev(pg_world.env, pg_world.output_root.parent) as port:
        yield f"http://127.0.0.1:{port}"


def _wait_for_runs(instance: DagsterInstance, filters: RunsFilter, count: int) -> list[DagsterRun]:
    deadline = time.monotonic() + 600
    while True:
        runs = instance.get_runs(filters=filters)
        if len(runs) >= count and all(run.is_finished for run in runs):
            return runs
        assert time.monotonic() < deadline, [(run.job_name, run.status) for run in runs]
        time.sleep(1)


def _event_id(instance: DagsterInstance, run_id: str, event_type: DagsterEventType) -> int:
    """Storage id (a global order of the event log) of the run's first event of this type."""
    records = instance.get_records_for_run(run_id, of_type=event_type, limit=1).records
    assert records, f"run {run_id} has no {event_type.value} event"
    return records[0].storage_id


def _assert_went_through_the_queue(instance: DagsterInstance, run_id: str) -> None:
    """Enqueued by the run coordinator, then started by the daemon's launcher."""
    enqueued = _event_id(instance, run_id, DagsterEventType.RUN_ENQUEUED)
    assert enqueued < _event_id(instance, run_id, DagsterEventType.RUN_STARTING)


def _run_ids(manifest: dict, asset: str) -> dict[str, str]:
    return {partition: entry.get("dagster_run_id") for partition, entry in manifest["assets"][asset].items()}


def test_config_validate_reports_postgres_storage(pg_world: PostgresWorld) -> None:
    result = pg_world.run("config", "validate")
    assert result.returncode == 0, result.stderr
    assert (
        "instance_storage postgres postgresql+psycopg2://postgres@127.0.0.1:5432/taxonomy_test_"
        in result.stdout
    )


def test_pipeline_with_four_levels_at_once_on_postgres(
    pg_world: PostgresWorld, pg_run: Path, cli_world: CliWorld, baseline: dict
) -> None:
    with pg_world.instance() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        runs = instance.get_runs(filters=RunsFilter(tags={"taxonomy/run_folder": str(pg_run)}))
        assert {run.tags.get("dagster/partition/level") for run in runs} >= set(LEVELS)
        assert all(run.status == DagsterRunStatus.SUCCESS for run in runs)
    manifest = read_manifest(pg_run)
    assert manifest["failures"] == []
    assert all(
        entry["status"] == "materialized"
        for partitions in manifest["assets"].values()
        for entry in partitions.values()
    )
    local = fingerprint(cli_world.folder("base"))
    on_postgres = fingerprint(pg_run)
    stable = [name for name in local if Path(name).name not in VOLATILE_FILES]
    assert stable and all(on_postgres[name][0] == local[name][0] for name in stable)


def test_resume_from_s2_on_postgres(pg_world: PostgresWorld, pg_run: Path) -> None:
    before = read_manifest(pg_run)
    result = pg_world.run("pipeline", "run", "--run-id", "pg", "--resume-phase", "S2")
    assert result.returncode == 0, result.stderr
    after = read_manifest(pg_run)
    for asset in ("s0_source_records", "s1_candidates"):
        assert _run_ids(after, asset) == _run_ids(before, asset)
    for asset in ("s2_frequency_table", "s3_verified_concepts", "taxonomy_hierarchy"):
        assert set(_run_ids(after, asset).values()).isdisjoint(_run_ids(before, asset).values())
    assert after["failures"] == []


def test_backfill_of_the_four_levels_through_the_queue_on_postgres(
    pg_world: PostgresWorld, pg_deployment: str
) -> None:
    folder = pg_world.folder("backfill")
    with pg_world.instance() as instance:
        register_run(instance, "backfill")
    run_config = {
        "execution": {"config": {"in_process": {}}},
        "resources": {
            "run_folder": {"config": {"output_root": str(pg_world.output_root), "run_id": "backfill"}},
            "policy": {"config": {"environment": "testing"}},
        },
    }
    params = {
        "selector": {
            "partitionSetName": "taxonomy_levels_partition_set",
            "repositorySelector": {"repositoryLocationName": "taxonomy", "repositoryName": "__repository__"},
        },
        "partitionNames": [f"{level}|backfill" for level in LEVELS],
        "runConfigData": run_config,
        "tags": [{"key": "taxonomy/run_folder", "value": str(folder)}],
        "forceSynchronousSubmission": True,  # the webserver submits the runs; the daemon launches them
    }
    reply = requests.post(
        f"{pg_deployment}/graphql",
        json={"query": BACKFILL, "variables": {"params": params}},
        timeout=60,
    ).json()
    launched = reply["data"]["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    backfill = launched["backfillId"]
    with pg_world.instance() as instance:
        runs = _wait_for_runs(instance, RunsFilter(tags={"dagster/backfill": backfill}), len(LEVELS))
        assert {run.tags["dagster/partition/level"]: run.status for run in runs} == dict.fromkeys(
            LEVELS, DagsterRunStatus.SUCCESS
        )
        for run in runs:
            _assert_went_through_the_queue(instance, run.run_id)
        backfill_runs = {run.tags["dagster/partition/level"]: run.run_id for run in runs}

    result = pg_world.run("pipeline", "run", "--run-id", "backfill", "--resume-phase", "hierarchy")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["failures"] == []
    for asset in PER_LEVEL_ASSETS:
        assert _run_ids(manifest, asset) == backfill_runs
    assert manifest["assets"]["taxonomy_hierarchy"]["all"]["status"] == "materialized"


def test_cli_submits_its_runs_to_the_queue_of_a_deployment(
    pg_world: PostgresWorld, pg_deployment: str
) -> None:
    result = pg_world.run(
        "pipeline", "run", "--run-id", "queued", "--submit", pg_deployment, "--executor", "in_process"
    )
    assert result.returncode == 0, result.stderr
    assert f"submitted to {pg_deployment}" in result.stderr and "s3_verified_concepts" in result.stderr
    folder = pg_world.folder("queued")
    with pg_world.instance() as instance:
        runs = instance.get_runs(filters=RunsFilter(tags={"taxonomy/run_folder": str(folder)}))
        assert sorted(run.job_name for run in runs) == ["taxonomy_assembly"] + ["taxonomy_levels"] * len(
            LEVELS
        )
        for run in runs:
            _assert_went_through_the_queue(instance, run.run_id)
    manifest = read_manifest(folder)
    assert manifest["failures"] == []
    assert manifest["assets"]["taxonomy_hierarchy"]["all"]["status"] == "materialized"


def test_the_queue_runs_writers_of_one_partition_one_after_the_other(
    pg_world: PostgresWorld, pg_deployment: str
) -> None:
    from taxonomy_assets.cli.run_submission import Deployment, submit

    deployment = Deployment(pg_deployment)
    folder = pg_world.folder("queued")
    run_config = {
        "execution": {"config": {"in_process": {}}},
        "resources": {
            "run_folder": {"config": {"output_root": str(pg_world.output_root), "run_id": "queued"}},
            "policy": {"config": {"environment": "testing"}},
        },
    }
    marker = {"taxonomy/test": "serial"}
    level_runs = [
        submit(
            deployment,
            "taxonomy_levels",
            run_config,
            {**level_tags("L2", "queued", str(folder)), **marker},
            ["s3_verified_concepts"],
        )
        for _ in range(2)
    ]
    assembly_runs = [
        submit(
            deployment, "taxonomy_assembly", run_config, {**run_tags("queued", str(folder)), **marker}, None
        )
        for _ in range(2)
    ]
    with pg_world.instance() as instance:
        runs = _wait_for_runs(instance, RunsFilter(run_ids=level_runs + assembly_runs), 4)
        assert all(run.status == DagsterRunStatus.SUCCESS for run in runs)
        for first, second in (level_runs, assembly_runs):
            ends = {run: _event_id(instance, run, DagsterEventType.RUN_SUCCESS) for run in (first, second)}
            starts = {run: _event_id(instance, run, DagsterEventType.RUN_START) for run in (first, second)}
            earlier, later = sorted((first, second), key=starts.__getitem__)
            assert ends[earlier] < starts[later], "two writers of one partition ran at the same time"
