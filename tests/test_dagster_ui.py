"""The real `dagster dev` (webserver + daemon) on the project's workspace and the CLI's instance:
CLI runs are visible in the UI, and a run launched through the UI's GraphQL API is queued,
picked up by the daemon and materializes into the run folder."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests
from dagster import DagsterRunStatus
from dagster_graphql import DagsterGraphQLClient

from tests.conftest import CliWorld

RUNS_QUERY = "{ runsOrError { ... on Runs { results { runId jobName status tags { key value } } } } }"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dagster_dev(cli_world: CliWorld, baseline) -> Iterator[int]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "taxonomy_assets.cli", "ui", "--port", str(port)],
        env=cli_world.env,
        cwd=cli_world.output_root.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/server_info", timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.5)
        else:
            pytest.fail("dagster dev did not start within 90 s")
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def test_ui_shows_cli_runs_and_launches_queued_runs(cli_world: CliWorld, dagster_dev: int) -> None:
    runs = requests.post(
        f"http://127.0.0.1:{dagster_dev}/graphql", json={"query": RUNS_QUERY}, timeout=30
    ).json()["data"]["runsOrError"]["results"]
    cli_runs = [
        run
        for run in runs
        if {"key": "taxonomy/run_folder", "value": str(cli_world.folder("base"))} in run["tags"]
    ]
    assert {run["jobName"] for run in cli_runs} >= {"taxonomy_levels", "taxonomy_assembly"}

    client = DagsterGraphQLClient("127.0.0.1", port_number=dagster_dev)
    run_config = {
        "resources": {
            "run_folder": {"config": {"output_root": str(cli_world.output_root), "run_id": "from-ui"}},
            "policy": {"config": {"environment": "testing"}},
        }
    }
    run_id = client.submit_job_execution(
        "taxonomy_levels",
        run_config=run_config,
        tags={"dagster/partition": "L0"},
        asset_selection=["s0_source_records", "s1_candidates"],
    )
    deadline = time.monotonic() + 180
    status = client.get_run_status(run_id)
    while status not in (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED):
        assert time.monotonic() < deadline, f"run {run_id} still {status}"
        time.sleep(1)
        status = client.get_run_status(run_id)
    assert status == DagsterRunStatus.SUCCESS
    folder = cli_world.folder("from-ui")
    assert (folder / "S0" / "L0" / "_index.json").is_file()
    assert (folder / "S1" / "L0" / "candidates.parquet").is_file()
    assert not (folder / "S2").exists()
