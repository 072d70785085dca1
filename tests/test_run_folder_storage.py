"""Run folders beyond the local disk, and protection against concurrent writers of one partition."""

import json
from pathlib import Path

import pytest
from dagster import DagsterInstance
from upath import UPath

from taxonomy_assets.constants import PER_LEVEL_ASSETS
from taxonomy_assets.definitions import ASSETS, build_resources
from taxonomy_assets.levels import LEVELS
from taxonomy_resources.labeling import LabelingResource
from taxonomy_resources.policy_resource import PolicyResource
from taxonomy_resources.run_folder import RunFolderResource
from taxonomy_resources.sources import SourcesResource
from tests.conftest import SAMPLE_SOURCES
from tests.partitioned import materialize_level, materialize_run

PER_LEVEL = list(PER_LEVEL_ASSETS)


def resources(output_root: str, run_id: str) -> dict[str, object]:
    run_folder = RunFolderResource(output_root=output_root, run_id=run_id)
    return build_resources(
        run_folder=run_folder,
        policy=PolicyResource(run_folder=run_folder, environment="testing"),
        sources=SourcesResource(root=str(SAMPLE_SOURCES)),
        labeling=LabelingResource(),
    )


def test_whole_graph_runs_on_an_object_store_output_root() -> None:
    """`memory://` is fsspec's in-process object store: no rename, artifacts published by pointer."""
    root = "memory://taxonomy-bucket/output"
    instance = DagsterInstance.ephemeral()
    for level in LEVELS:
        result = materialize_level(
            ASSETS,
            level,
            "remote",
            selection=PER_LEVEL,
            instance=instance,
            resources=resources(root, "remote"),
        )
        assert result.success
    result = materialize_run(
        ASSETS,
        "remote",
        selection=["taxonomy_hierarchy", "run_manifest"],
        instance=instance,
        resources=resources(root, "remote"),
    )
    assert result.success
    run_folder = RunFolderResource(output_root=root, run_id="remote")
    folder = UPath(root) / "runs" / "remote"
    assert {path.name for path in run_folder.hierarchy_slot.committed().iterdir()} >= {
        "nodes.parquet",
        "taxonomy.duckdb",
        "hierarchy.json",
        "hierarchy.md",
    }
    assert (run_folder.artifact_slot("s0_source_records", "L2").committed() / "_index.json").exists()
    assert run_folder.artifact_slot("s3_verified_concepts", "L3").committed().name == "concepts.parquet"
    assert not (folder / "S3" / "L3" / "concepts.parquet").exists()  # only reachable through the pointer
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["run_folder"] == str(folder)
    assert all(
        entry["status"] == "materialized"
        for entries in manifest["assets"].values()
        for entry in entries.values()
    )


def test_a_partition_being_written_elsewhere_is_refused(tmp_path) -> None:
    run_folder = RunFolderResource(output_root=str(tmp_path), run_id="busy")
    with run_folder.partition_lock("s0_source_records", "L1"):
        result = materialize_level(
            ASSETS,
            "L1",
            "busy",
            selection=["s0_source_records"],
            resources=resources(str(tmp_path), "busy"),
            raise_on_error=False,
        )
        assert not result.success
        failure = next(event for event in result.all_events if event.is_step_failure)
        error = failure.step_failure_data.error.to_string()
        assert "PartitionBusyError" in error and "s0_source_records[L1] is being materialized" in error
    assert not (tmp_path / "runs" / "busy" / "S0" / "L1").exists()
    result = materialize_level(
        ASSETS,
        "L1",
        "busy",
        selection=["s0_source_records"],
        resources=resources(str(tmp_path), "busy"),
    )
    assert result.success and (tmp_path / "runs" / "busy" / "S0" / "L1" / "_index.json").exists()


def test_a_file_url_output_root_is_the_local_disk(tmp_path) -> None:
    run_folder = RunFolderResource(output_root=f"file://{tmp_path}", run_id="local")
    assert isinstance(run_folder.root, Path) and str(run_folder.root) == str(tmp_path / "runs" / "local")
    result = materialize_level(
        ASSETS,
        "L0",
        "local",
        selection=["s0_source_records", "s1_candidates"],
        resources=resources(f"file://{tmp_path}", "local"),
    )
    assert result.success
    assert (tmp_path / "runs" / "local" / "S1" / "L0" / "candidates.parquet").is_file()
    assert not (tmp_path / "runs" / "local" / "S1" / "L0" / "_commit.json").exists()


@pytest.mark.parametrize("run_id", ["../x", "a/b", "", ".hidden", "x" * 65])
def test_run_ids_that_could_escape_or_hide_are_refused(run_id: str) -> None:
    with pytest.raises(ValueError, match="invalid run id"):
        RunFolderResource(output_root="output", run_id=run_id)
