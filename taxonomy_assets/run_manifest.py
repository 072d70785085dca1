"""The run manifest: `manifest.json` in the run folder, assembled from the event log (SPEC §9).

Every asset partition of the run folder is listed with the Dagster run that last wrote it, its
timings, counters, artifacts (path, sha256) and check results; failures and skips that were not
superseded by a later successful materialization are listed with their error.
"""

import json
from collections.abc import Iterable
from typing import Any

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from taxonomy_assets.constants import ASSEMBLY_GROUP
from taxonomy_assets.partitions import RUN_PARTITIONS
from taxonomy_assets.run_history import (
    Materialization,
    StepProblem,
    asset_partitions,
    iso,
    latest_materializations,
    runs_for_folder,
    step_problems,
)
from taxonomy_resources.atomic_files import atomic_write_bytes
from taxonomy_resources.labeling import LabelingResource
from taxonomy_resources.policy_resource import PolicyResource
from taxonomy_resources.run_folder import RunFolderResource

MANIFEST_VERSION = 1
ARTIFACT_KEYS = {
    "path",
    "sha256",
    "bytes",
    "dagster/row_count",
    "files",
    "run_folder",
    "dagster_run_id",
    "preview",
    "summary",
    "write_seconds",
    "merges_table",
}
POLICY_KEYS = {"policy_version", "policy_hash", "policy_pin"}


def _entry(materialization: Materialization) -> dict[str, Any]:
    metadata = materialization.metadata
    started, finished = materialization.step_started_at, materialization.step_finished_at
    artifacts = []
    if isinstance(metadata.get("files"), dict):
        for name, info in sorted(metadata["files"].items()):
            artifacts.append({"path": f"{metadata.get('path')}/{name}", **info})
    elif metadata.get("path"):
        artifacts.append(
            {
                "path": metadata["path"],
                "sha256": metadata.get("sha256"),
                "bytes": metadata.get("bytes"),
                "rows": metadata.get("dagster/row_count"),
            }
        )
    return {
        "status": "materialized",
        "dagster_run_id": materialization.dagster_run_id,
        "materialized_at": iso(materialization.materialized_at),
        "step_started_at": iso(started),
        "step_finished_at": iso(finished),
        "duration_seconds": round(finished - started, 3) if started and finished else None,
        "row_count": metadata.get("dagster/row_count"),
        "policy": {key: metadata[key] for key in sorted(POLICY_KEYS) if key in metadata},
        "counters": {
            key: value
            for key, value in sorted(metadata.items())
            if key not in ARTIFACT_KEYS and key not in POLICY_KEYS
        },
        "artifacts": artifacts,
        "checks": [check.model_dump() for check in materialization.checks],
    }


def build_manifest(
    run_id: str,
    folder: str,
    policy: dict[str, Any],
    labeling: dict[str, Any],
    materializations: Iterable[Materialization],
    problems: Iterable[StepProblem],
) -> dict[str, Any]:
    """Pure assembly: one entry per asset partition, plus the failures that are still current."""
    latest = {(m.asset, m.partition): m for m in materializations}
    current_problems: dict[tuple[str, str | None], StepProblem] = {}
    for problem in sorted(problems, key=lambda p: p.at):
        done = latest.get((problem.asset, problem.partition))
        if done is None or done.materialized_at < problem.at:
            current_problems[(problem.asset, problem.partition)] = problem
    assets: dict[str, dict[str, Any]] = {}
    for asset_name, partition in asset_partitions():
        key = partition or "all"
        materialization = latest.get((asset_name, partition))
        entry = _entry(materialization) if materialization else {"status": "missing"}
        problem = current_problems.get((asset_name, partition))
        if problem is not None:
            entry["last_problem"] = problem.model_dump(exclude={"asset", "partition"}) | {
                "at": iso(problem.at)
            }
            if materialization is None or problem.status == "failed":
                entry["status"] = (
                    problem.status if materialization is None else f"{problem.status}_after_success"
                )
        assets.setdefault(asset_name, {})[key] = entry
    failures = [
        {
            "asset": p.asset,
            "partition": p.partition,
            **p.model_dump(exclude={"asset", "partition", "at"}),
            "at": iso(p.at),
        }
        for p in sorted(current_problems.values(), key=lambda p: (p.at, p.asset, p.partition or ""))
    ]
    audit_limits = {
        level: entry["counters"]["audit_limit"]
        for level, entry in assets.get("s0_source_records", {}).items()
        if "audit_limit" in entry.get("counters", {})
    }
    return {
        "manifest_version": MANIFEST_VERSION,
        "run_id": run_id,
        "run_folder": folder,
        "policy": policy,
        "labeling": labeling,
        # audit mode (`--limit N`): the levels whose S0 read only their first N documents
        "audit_limit": audit_limits,
        "assets": assets,
        "failures": failures,
    }


@asset(
    deps=["taxonomy_hierarchy"],
    partitions_def=RUN_PARTITIONS,
    group_name=ASSEMBLY_GROUP,
    kinds={"json"},
    code_version=f"manifest.{MANIFEST_VERSION}",
    description="Run manifest: manifest.json built from the event log for every asset partition of the run.",
)
def run_manifest(
    context: AssetExecutionContext,
    run_folder: RunFolderResource,
    policy: PolicyResource,
    labeling: LabelingResource,
) -> MaterializeResult:
    run = context.partition_key
    run_folder = run_folder.for_run(run)
    folder = str(run_folder.root)
    instance = context.instance
    pinned = policy.pinned(context.run.run_id, run)
    policy_info = {
        "version": pinned.version,
        "hash": pinned.hash,
        "environment": pinned.environment,
        "overrides": list(pinned.overrides),
        "pinned_by_dagster_run": pinned.pinned_by,
        "repinned": pinned.repinned,
    }
    manifest = build_manifest(
        run_folder.run_id,
        folder,
        policy_info,
        labeling.manifest_info(pinned.policy),
        latest_materializations(instance, run, folder),
        step_problems(instance, runs_for_folder(instance, run)),
    )
    data = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
    sha = atomic_write_bytes(run_folder.manifest_path, data)
    statuses = [
        entry["status"] for partitions in manifest["assets"].values() for entry in partitions.values()
    ]
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(run_folder.manifest_path)),
            "sha256": MetadataValue.text(sha),
            "materialized_partitions": MetadataValue.int(statuses.count("materialized")),
            "failures": MetadataValue.int(len(manifest["failures"])),
            "run_folder": MetadataValue.text(folder),
        }
    )
