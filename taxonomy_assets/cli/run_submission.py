"""Hand the pipeline's runs to a Dagster deployment instead of executing them in this process.

`taxonomy pipeline run --submit URL` sends every run to the webserver at URL through Dagster's GraphQL
API. The deployment's run coordinator queues it under the `run_queue` limits of its dagster.yaml (one
run per level partition at a time), its run launcher starts it (a local process, a Kubernetes Job, …)
and the run's executor runs the steps. This module only submits, waits and reads back the outcome.
"""

import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

import requests
from dagster import DagsterRunStatus
from dagster_graphql import DagsterGraphQLClient

from taxonomy_assets.cli.run_outcome import RunOutcome

POLL_SECONDS = 1.0
FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}

RUN_EVENTS = """
query RunEvents($runId: ID!, $cursor: String) {
  runOrError(runId: $runId) {
    __typename
    ... on Run {
      eventConnection(afterCursor: $cursor, limit: 1000) {
        cursor
        hasMore
        events {
          __typename
          ... on ExecutionStepFailureEvent { stepKey error { message } }
          ... on MaterializationEvent {
            assetKey { path }
            metadataEntries { label ... on IntMetadataEntry { intValue } }
          }
        }
      }
    }
  }
}
"""


class Deployment:
    """The webserver of a Dagster deployment, e.g. http://127.0.0.1:3000."""

    def __init__(self, url: str) -> None:
        parsed = urlparse(url if "://" in url else f"http://{url}")
        if not parsed.hostname:
            raise ValueError(f"--submit {url!r} is not a webserver URL such as http://127.0.0.1:3000")
        base = f"{parsed.scheme}://{parsed.netloc}{parsed.path.rstrip('/')}"
        self.graphql_url = f"{base}/graphql"
        try:
            requests.get(f"{base}/server_info", timeout=10).raise_for_status()
        except requests.RequestException as exc:
            raise ValueError(f"no Dagster webserver answers at {base} ({type(exc).__name__})") from exc
        self.client = DagsterGraphQLClient(
            parsed.hostname,
            port_number=parsed.port,
            use_https=parsed.scheme == "https",
            path_prefix=parsed.path.rstrip("/"),
        )

    def query(self, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        reply = requests.post(self.graphql_url, json={"query": document, "variables": variables}, timeout=60)
        reply.raise_for_status()
        body = reply.json()
        if body.get("errors"):
            raise RuntimeError(f"{self.graphql_url}: {body['errors'][0].get('message')}")
        return body["data"]


REPOSITORIES = """
query Repositories {
  repositoriesOrError {
    __typename
    ... on RepositoryConnection { nodes { name location { name } jobs { name } } }
    ... on PythonError { message }
  }
}
"""

ADD_PARTITION = """
mutation AddRun($selector: RepositorySelector!, $name: String!, $key: String!) {
  addDynamicPartition(repositorySelector: $selector, partitionsDefName: $name, partitionKey: $key) {
    __typename
    ... on PythonError { message }
    ... on UnauthorizedError { message }
  }
}
"""


def register_run(deployment: Deployment, job_name: str, partitions_def: str, run: str) -> None:
    """Add `run` to the deployment's run dimension (the code location that defines `job_name`)."""
    reply = deployment.query(REPOSITORIES, {})["repositoriesOrError"]
    if reply["__typename"] != "RepositoryConnection":
        raise RuntimeError(
            f"the deployment lists no code locations: {reply.get('message', reply['__typename'])}"
        )
    for repository in reply["nodes"]:
        if any(job["name"] == job_name for job in repository["jobs"]):
            selector = {
                "repositoryName": repository["name"],
                "repositoryLocationName": repository["location"]["name"],
            }
            break
    else:
        raise RuntimeError(f"no code location of the deployment defines job {job_name}")
    added = deployment.query(ADD_PARTITION, {"selector": selector, "name": partitions_def, "key": run})
    result = added["addDynamicPartition"]
    if result["__typename"] not in {"AddDynamicPartitionSuccess", "DuplicateDynamicPartitionError"}:
        raise RuntimeError(
            f"cannot register run folder {run!r}: {result.get('message', result['__typename'])}"
        )


def submit(
    deployment: Deployment,
    job_name: str,
    run_config: dict[str, Any],
    tags: dict[str, str],
    assets: Sequence[str] | None,
) -> str:
    """Queue one run on the deployment; returns its Dagster run id."""
    return deployment.client.submit_job_execution(
        job_name, run_config=run_config, tags=tags, asset_selection=list(assets) if assets else None
    )


def wait_for(deployment: Deployment, run_id: str, label: str, submitted_at: float) -> RunOutcome:
    """Poll until the run is finished, then report its failed steps and materializations."""
    status = deployment.client.get_run_status(run_id)
    while status not in FINISHED:
        time.sleep(POLL_SECONDS)
        status = deployment.client.get_run_status(run_id)
    errors: list[str] = []
    materialized: list[tuple[str, int | None]] = []
    for event in _events(deployment, run_id):
        if event["__typename"] == "ExecutionStepFailureEvent":
            message = (event.get("error") or {}).get("message") or "step failed"
            errors.append(f"{event['stepKey']}: {message.strip().splitlines()[0]}")
        elif event["__typename"] == "MaterializationEvent":
            rows = next(
                (
                    entry.get("intValue")
                    for entry in event["metadataEntries"]
                    if entry["label"] == "dagster/row_count"
                ),
                None,
            )
            materialized.append(("/".join(event["assetKey"]["path"]), rows))
    return RunOutcome(
        label,
        run_id,
        status == DagsterRunStatus.SUCCESS,
        time.perf_counter() - submitted_at,
        errors,
        materialized,
    )


def _events(deployment: Deployment, run_id: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    cursor = None
    while True:
        reply = deployment.query(RUN_EVENTS, {"runId": run_id, "cursor": cursor})
        run = reply["runOrError"]
        if run["__typename"] != "Run":
            raise RuntimeError(f"the deployment does not know run {run_id}: {run['__typename']}")
        connection = run["eventConnection"]
        events.extend(connection["events"])
        if not connection["hasMore"]:
            return events
        cursor = connection["cursor"]
