"""The UI flows, driven over GraphQL exactly as the Dagster UI sends them, against the real `taxonomy ui`
(`dg dev`: webserver + daemon) on the CLI's instance:

1. materialize one level of a new run folder (Catalog > Materialize, after adding the run partition);
2. backfill one level of an existing run folder (Materialize all > partitions `L1|base`);
3. resume within one run folder: select `s2_frequency_table*` and materialize partition `L2|base`.

A run that fails in another run folder is launched alongside, and must not mark the first one's
partitions. All flows are launched at once and run concurrently under the instance's queue limits.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from taxonomy_assets.constants import PER_LEVEL_ASSETS
from taxonomy_assets.levels import LEVELS
from tests.conftest import CliWorld, fingerprint, read_manifest

pytestmark = pytest.mark.services

REPOSITORY = {"repositoryName": "__repository__", "repositoryLocationName": "taxonomy"}
RESUMED = ["s2_frequency_table", "s3_verified_concepts", "consolidated_concepts"]
ASSEMBLY = ["taxonomy_hierarchy", "run_manifest"]
FINISHED_RUN = {"SUCCESS", "FAILURE", "CANCELED"}
FINISHED_BACKFILL = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}

LAUNCH_RUN = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}"""
LAUNCH_BACKFILL = """
mutation Backfill($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
  }
}"""
ADD_PARTITION = """
mutation Add($repo: RepositorySelector!, $key: String!) {
  addDynamicPartition(repositorySelector: $repo, partitionsDefName: "taxonomy_runs", partitionKey: $key) {
    __typename
    ... on PythonError { message }
  }
}"""
RUN_STATUS = "query Run($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"
BACKFILL = """
query Backfill($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    ... on PartitionBackfill { status runs(limit: 50) { runId status tags { key value } } }
  }
}"""
RUNS_OF_FOLDER = """
query Runs($run: String!) {
  runsOrError(filter: {tags: [{key: "dagster/partition/run", value: $run}]}) {
    ... on Runs { results { runId jobName status } }
  }
}"""
PARTITION_STATUS = """
query Status($asset: AssetKeyInput!, $good: String!, $bad: String!) {
  assetNodes(assetKeys: [$asset]) {
    good: latestRunForPartition(partition: $good) { runId status }
    bad: latestRunForPartition(partition: $bad) { runId status }
    assetPartitionStatuses {
      ... on MultiPartitionStatuses {
        primaryDimensionName
        ranges {
          primaryDimStartKey
          primaryDimEndKey
          secondaryDim { ... on DefaultPartitionStatuses { materializedPartitions failedPartitions } }
        }
      }
    }
  }
}"""


class GraphQL:
    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/graphql"

    def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        response = requests.post(self.url, json={"query": query, "variables": variables}, timeout=60)
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def add_run_folder(self, run: str) -> None:
        result = self(ADD_PARTITION, repo=REPOSITORY, key=run)["addDynamicPartition"]
        assert result["__typename"] == "AddDynamicPartitionSuccess", result

    def materialize(self, assets: list[str], level: str, run: str, run_config: str = "") -> str:
        """The Catalog's Materialize button: one run of the implicit asset job for one partition."""
        params = {
            "selector": {
                **REPOSITORY,
                "pipelineName": "__ASSET_JOB",
                "assetSelection": [{"path": [name]} for name in assets],
            },
            "mode": "default",
            "runConfigData": run_config,
            "executionMetadata": {
                "tags": [
                    {"key": "dagster/partition", "value": f"{level}|{run}"},
                    {"key": "dagster/partition/level", "value": level},
                    {"key": "dagster/partition/run", "value": run},
                ]
            },
        }
        result = self(LAUNCH_RUN, params=params)["launchRun"]
        assert result["__typename"] == "LaunchRunSuccess", result
        return result["run"]["runId"]

    def backfill(self, assets: list[str], partition: str) -> str:
        """Materialize selected > partitions: an asset backfill the daemon maps onto downstream assets."""
        params = {
            "assetSelection": [{"path": [name]} for name in assets],
            "partitionNames": [partition],
            "fromFailure": False,
            "tags": [],
        }
        result = self(LAUNCH_BACKFILL, params=params)["launchPartitionBackfill"]
        assert result["__typename"] == "LaunchBackfillSuccess", result
        return result["backfillId"]

    def wait_for_run(self, run_id: str, timeout: float = 300) -> str:
        deadline = time.monotonic() + timeout
        while (status := self(RUN_STATUS, id=run_id)["runOrError"]["status"]) not in FINISHED_RUN:
            assert time.monotonic() < deadline, f"run {run_id} still {status}"
            time.sleep(1)
        return status

    def wait_for_backfill(self, backfill_id: str, timeout: float = 420) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            backfill = self(BACKFILL, id=backfill_id)["partitionBackfillOrError"]
            if backfill["status"] in FINISHED_BACKFILL and all(
                run["status"] in FINISHED_RUN for run in backfill["runs"]
            ):
                return backfill
            assert time.monotonic() < deadline, f"backfill {backfill_id} still {backfill['status']}"
            time.sleep(2)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def ui(cli_world: CliWorld, baseline) -> Iterator[GraphQL]:
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
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/server_info", timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.5)
        else:
            pytest.fail("taxonomy ui did not start within 120 s")
        yield GraphQL(port)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


@dataclass(frozen=True)
class Launched:
    """Everything launched at once; each test waits for its own flow."""

    before: dict[str, tuple[str, int]]
    manifest_before: dict[str, Any]
    new_level_run: str
    level_backfill: str
    resume_backfill: str
    failing_run: str


@pytest.fixture(scope="module")
def launched(cli_world: CliWorld, ui: GraphQL) -> Launched:
    base = cli_world.folder("base")
    before, manifest_before = fingerprint(base), read_manifest(base)
    ui.add_run_folder("from-ui")
    ui.add_run_folder("broken")
    return Launched(
        before=before,
        manifest_before=manifest_before,
        new_level_run=ui.materialize(list(PER_LEVEL_ASSETS), "L0", "from-ui"),
        level_backfill=ui.backfill([*PER_LEVEL_ASSETS, *ASSEMBLY], "L1|base"),
        resume_backfill=ui.backfill([*RESUMED, *ASSEMBLY], "L2|base"),
        # a policy environment that does not exist: the run fails for run folder `broken` only
        failing_run=ui.materialize(
            ["s0_source_records"],
            "L3",
            "broken",
            run_config="resources:\n  policy:\n    config:\n      environment: nonexistent\n",
        ),
    )


def _run_ids(manifest: dict[str, Any], asset: str) -> dict[str, str]:
    return {key: entry.get("dagster_run_id") for key, entry in manifest["assets"][asset].items()}


def test_cli_runs_are_listed_under_their_run_folder(ui: GraphQL) -> None:
    runs = ui(RUNS_OF_FOLDER, run="base")["runsOrError"]["results"]
    assert {run["jobName"] for run in runs} >= {"taxonomy_levels"}
    assert all(run["status"] == "SUCCESS" for run in runs)


def test_materializing_one_level_of_a_new_run_folder(cli_world: CliWorld, ui: GraphQL, launched: Launched):
    assert ui.wait_for_run(launched.new_level_run) == "SUCCESS"
    folder = cli_world.folder("from-ui")
    assert (folder / "S0" / "L0" / "_index.json").is_file()
    for stage, name in (("S1", "candidates"), ("S2", "frequency"), ("S3", "concepts")):
        assert (folder / stage / "L0" / f"{name}.parquet").is_file()
    assert (folder / "consolidated" / "L0" / "concepts.parquet").is_file()
    assert not (folder / "S0" / "L1").exists() and not (folder / "hierarchy").exists()


def test_backfill_of_one_level_and_resume_within_one_run_folder(
    cli_world: CliWorld, ui: GraphQL, launched: Launched
) -> None:
    level_backfill = ui.wait_for_backfill(launched.level_backfill)
    resume_backfill = ui.wait_for_backfill(launched.resume_backfill)
    assert level_backfill["status"] == resume_backfill["status"] == "COMPLETED_SUCCESS"
    runs_by_partition = {
        backfill_id: {
            next(tag["value"] for tag in run["tags"] if tag["key"] == "dagster/partition"): run["runId"]
            for run in backfill["runs"]
        }
        for backfill_id, backfill in (("level", level_backfill), ("resume", resume_backfill))
    }
    # the level x run partition maps onto the run folder's hierarchy: one run each, nothing else
    assert set(runs_by_partition["level"]) == {"L1|base", "base"}
    assert set(runs_by_partition["resume"]) == {"L2|base", "base"}

    folder = cli_world.folder("base")
    after, manifest = fingerprint(folder), read_manifest(folder)
    untouched = [
        name
        for name in launched.before
        if name.startswith(("S0/", "S1/", "S2/", "S3/", "consolidated/"))
        and "/L1/" not in name
        and not (name.startswith(("S2/", "S3/", "consolidated/")) and "/L2/" in name)
    ]
    assert untouched and all(after[name] == launched.before[name] for name in untouched)
    rewritten = [
        name
        for name in launched.before
        if "/L1/" in name or (name.startswith(("S2/", "S3/", "consolidated/")) and "/L2/" in name)
    ]
    assert rewritten and all(after[name][1] != launched.before[name][1] for name in rewritten)
    # same inputs, same bytes
    assert all(after[name][0] == launched.before[name][0] for name in rewritten)

    before_manifest = launched.manifest_before
    for asset in PER_LEVEL_ASSETS:
        now, then = _run_ids(manifest, asset), _run_ids(before_manifest, asset)
        assert now["L1"] == runs_by_partition["level"]["L1|base"]
        assert now["L2"] == (runs_by_partition["resume"]["L2|base"] if asset in RESUMED else then["L2"])
        assert {level: now[level] for level in ("L0", "L3")} == {level: then[level] for level in ("L0", "L3")}
    assert manifest["failures"] == []
    assert manifest["assets"]["taxonomy_hierarchy"]["all"]["dagster_run_id"] in {
        runs_by_partition["level"]["base"],
        runs_by_partition["resume"]["base"],
    }


def test_a_failure_in_one_run_folder_never_marks_another(ui: GraphQL, launched: Launched) -> None:
    assert ui.wait_for_run(launched.failing_run) == "FAILURE"
    (node,) = ui(PARTITION_STATUS, asset={"path": ["s0_source_records"]}, good="L3|base", bad="L3|broken")[
        "assetNodes"
    ]
    assert node["bad"] == {"runId": launched.failing_run, "status": "FAILURE"}
    assert node["good"]["status"] == "SUCCESS" and node["good"]["runId"] != launched.failing_run
    statuses = node["assetPartitionStatuses"]
    assert statuses["primaryDimensionName"] == "level"
    by_level = {}
    for level_range in statuses["ranges"]:
        start = LEVELS.index(level_range["primaryDimStartKey"])
        end = LEVELS.index(level_range["primaryDimEndKey"])
        for level in LEVELS[start : end + 1]:
            by_level[level] = level_range["secondaryDim"]
    assert "base" in by_level["L3"]["materializedPartitions"]
    assert by_level["L3"]["failedPartitions"] == ["broken"]
    assert all("broken" not in by_level[level]["failedPartitions"] for level in ("L0", "L1", "L2"))
