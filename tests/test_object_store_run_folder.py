"""Run folders on a real S3-compatible server (moto on 127.0.0.1): the whole pipeline, a resume, the
manifest, a writer killed mid-write, and writers of one partition kept apart."""

import hashlib
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from dagster import DagsterInstance
from upath import UPath

from taxonomy_assets.constants import PER_LEVEL_ASSETS
from taxonomy_assets.contracts import SourceRecord
from taxonomy_assets.definitions import ASSETS, build_resources
from taxonomy_assets.levels import LEVELS
from taxonomy_resources.artifact_commits import ATTEMPTS_DIR, CommitConflictError
from taxonomy_resources.jsonl_shards_io_manager import ShardedRecords
from taxonomy_resources.labeling import LabelingResource
from taxonomy_resources.policy_resource import PolicyResource
from taxonomy_resources.reply_cache import ReplyCache
from taxonomy_resources.run_folder import RunFolderResource
from taxonomy_resources.sources import SourcesResource
from tests.conftest import SAMPLE_SOURCES, VOLATILE_FILES, CliWorld, run_cli
from tests.partitioned import materialize_level
from tests.services import S3Server

pytestmark = pytest.mark.services


@dataclass(frozen=True)
class S3World:
    env: dict[str, str]
    output_root: str
    cwd: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(list(args), self.env, cwd=self.cwd)

    def folder(self, run_id: str) -> RunFolderResource:
        return RunFolderResource(output_root=self.output_root, run_id=run_id)


@pytest.fixture(scope="module")
def s3_world(cli_world: CliWorld, s3_server: S3Server, s3_bucket: str) -> S3World:
    return S3World({**cli_world.env, **s3_server.env}, f"{s3_bucket}/taxonomy", cli_world.output_root.parent)


@pytest.fixture(scope="module")
def s3_run(s3_world: S3World) -> RunFolderResource:
    result = s3_world.run("pipeline", "run", "--output-root", s3_world.output_root, "--run-id", "s3")
    assert result.returncode == 0, result.stderr
    return s3_world.folder("s3")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _pointers(folder: RunFolderResource) -> dict[tuple[str, str], str]:
    return {
        (asset, level): json.loads(folder.artifact_slot(asset, level).pointer.read_bytes())["attempt"]
        for asset in PER_LEVEL_ASSETS
        for level in LEVELS
    }


def test_pipeline_on_s3_publishes_the_same_bytes_as_on_local_disk(
    s3_run: RunFolderResource, cli_world: CliWorld, baseline: dict
) -> None:
    local = cli_world.folder("base")
    for level in LEVELS:
        shards = s3_run.artifact_slot("s0_source_records", level).committed()
        assert f"/{ATTEMPTS_DIR}/" in shards.path
        for path in (local / "S0" / level).iterdir():
            assert _sha((shards / path.name).read_bytes()) == _sha(path.read_bytes()), path
        records = ShardedRecords(shards, SourceRecord)
        assert len(records) == sum(1 for _ in records) > 0
        for asset, (stage, name) in {
            "s1_candidates": ("S1", "candidates.parquet"),
            "s2_frequency_table": ("S2", "frequency.parquet"),
            "s3_verified_concepts": ("S3", "concepts.parquet"),
        }.items():
            published = s3_run.artifact_slot(asset, level).committed()
            assert published.name == name
            assert _sha(published.read_bytes()) == _sha((local / stage / level / name).read_bytes())
    hierarchy = s3_run.hierarchy_slot.committed()
    local_files = {path.name for path in (local / "hierarchy").iterdir()}
    assert {path.name for path in hierarchy.iterdir()} == local_files
    for name in local_files - VOLATILE_FILES:
        assert _sha((hierarchy / name).read_bytes()) == _sha((local / "hierarchy" / name).read_bytes()), name

    manifest = json.loads(s3_run.manifest_path.read_text())
    assert manifest["failures"] == [] and manifest["run_folder"] == str(s3_run.root)
    for partitions in manifest["assets"].values():
        for entry in partitions.values():
            assert entry["status"] == "materialized"
    s2 = manifest["assets"]["s2_frequency_table"]["L2"]["artifacts"][0]
    assert _sha(UPath(s2["path"]).read_bytes()) == s2["sha256"]
    assert not list((s3_run.root / ".locks").fs.find((s3_run.root / ".locks").path))


def test_object_store_credentials_are_never_written(
    s3_run: RunFolderResource, s3_server: S3Server, cli_world: CliWorld
) -> None:
    secrets = [s3_server.env["AWS_SECRET_ACCESS_KEY"].encode(), s3_server.env["AWS_ACCESS_KEY_ID"].encode()]
    written = [path.read_bytes() for path in cli_world.home.rglob("*") if path.is_file()]
    written += [UPath(f"s3://{key}").read_bytes() for key in s3_run.root.fs.find(s3_run.root.path)]
    assert written and not any(secret in data for secret in secrets for data in written)


def test_resume_from_s2_on_s3_republishes_only_s2_and_later(
    s3_world: S3World, s3_run: RunFolderResource
) -> None:
    before = _pointers(s3_run)
    before_hierarchy = s3_run.hierarchy_slot.committed()
    result = s3_world.run(
        "pipeline", "run", "--output-root", s3_world.output_root, "--run-id", "s3", "--resume-phase", "S2"
    )
    assert result.returncode == 0, result.stderr
    after = _pointers(s3_run)
    for (asset, level), attempt in before.items():
        if asset in ("s0_source_records", "s1_candidates"):
            assert after[(asset, level)] == attempt
        else:
            assert after[(asset, level)] != attempt
            # the attempt just replaced stays readable for a reader that resolved it a moment ago
            assert (s3_run.artifact_slot(asset, level).directory / ATTEMPTS_DIR / attempt).exists()
    assert s3_run.hierarchy_slot.committed() != before_hierarchy
    assert {path.name for path in s3_run.hierarchy_slot.committed().iterdir()} >= {
        "nodes.parquet",
        "hierarchy.md",
    }
    manifest = json.loads(s3_run.manifest_path.read_text())
    assert manifest["failures"] == []


def test_manifest_command_reads_an_s3_run_folder(s3_world: S3World, s3_run: RunFolderResource) -> None:
    shown = s3_world.run(
        "manifest", "--output-root", s3_world.output_root, "--run-id", "s3", "--format", "json"
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == json.loads(s3_run.manifest_path.read_text())
    table = s3_world.run("manifest", "--output-root", s3_world.output_root, "--run-id", "s3")
    assert table.returncode == 0 and "s3_verified_concepts" in table.stdout
    assert f"folder {s3_run.root}" in table.stdout


KILLED_WRITER = """
import sys, time
from taxonomy_resources.run_folder import RunFolderResource
slot = RunFolderResource(output_root=sys.argv[1], run_id="killed").artifact_slot("s0_source_records", "L1")
attempt = slot.begin("killed-run")
(attempt.path / "shard-00000.jsonl").write_bytes(b'{"complete": "shard"}\\n')
handle = (attempt.path / "shard-00001.jsonl").open("wb", block_size=5 * 2**20)
handle.write(b"x" * (6 * 2**20))
handle.flush()
print("writing", flush=True)
time.sleep(120)
"""


def test_killing_a_writer_mid_write_leaves_the_previous_artifact_on_s3(
    s3_bucket: str, s3_server: S3Server
) -> None:
    folder = RunFolderResource(output_root=f"{s3_bucket}/kill", run_id="killed")
    slot = folder.artifact_slot("s0_source_records", "L1")
    with slot.writing("good-run") as attempt:
        (attempt.path / "_index.json").write_bytes(b'{"previous": true}\n')
    previous = slot.committed()

    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, folder.output_root],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **s3_server.env},
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == "writing"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)

    assert slot.committed() == previous
    assert (slot.committed() / "_index.json").read_bytes() == b'{"previous": true}\n'
    leftovers = [UPath(f"s3://{p}").parent.name for p in slot.directory.fs.find(slot.directory.path)]
    assert any(name.startswith("killed-run.") for name in leftovers)

    with slot.writing("next-run") as attempt:
        (attempt.path / "_index.json").write_bytes(b'{"next": true}\n')
    assert (slot.committed() / "_index.json").read_bytes() == b'{"next": true}\n'
    quarantined = folder.failed_output_dir("killed-run", "S0", "L1")
    assert (quarantined / "shard-00000.jsonl").read_bytes() == b'{"complete": "shard"}\n'
    remaining = {
        UPath(f"s3://{p}").parent.name.split(".")[0] for p in slot.directory.fs.find(slot.directory.path)
    }
    assert "killed-run" not in remaining


def _resources(output_root: str, run_id: str) -> dict[str, object]:
    run_folder = RunFolderResource(output_root=output_root, run_id=run_id)
    return build_resources(
        run_folder=run_folder,
        policy=PolicyResource(run_folder=run_folder, environment="testing"),
        sources=SourcesResource(root=str(SAMPLE_SOURCES)),
        labeling=LabelingResource(),
    )


def test_a_partition_locked_by_a_running_writer_is_refused_on_s3(s3_bucket: str) -> None:
    root = f"{s3_bucket}/busy"
    folder = RunFolderResource(output_root=root, run_id="busy")
    with folder.partition_lock("s0_source_records", "L1", "other-live-run", lambda _: False):
        result = materialize_level(
            ASSETS,
            "L1",
            "busy",
            selection=["s0_source_records"],
            resources=_resources(root, "busy"),
            raise_on_error=False,
        )
        assert not result.success
        failure = next(event for event in result.all_events if event.is_step_failure)
        error = failure.step_failure_data.error.to_string()
        assert "PartitionBusyError" in error and "Dagster run other-live-run" in error
        assert not folder.artifact_slot("s0_source_records", "L1").pointer.exists()
    result = materialize_level(
        ASSETS, "L1", "busy", selection=["s0_source_records"], resources=_resources(root, "busy")
    )
    assert result.success and folder.artifact_slot("s0_source_records", "L1").pointer.exists()


def test_a_lock_left_by_a_finished_run_is_taken_over_on_s3(s3_bucket: str) -> None:
    root = f"{s3_bucket}/stale"
    folder = RunFolderResource(output_root=root, run_id="stale")
    instance = DagsterInstance.ephemeral()
    first = materialize_level(
        ASSETS,
        "L0",
        "stale",
        selection=["s0_source_records"],
        instance=instance,
        resources=_resources(root, "stale"),
    )
    assert first.success
    lock = folder.root / ".locks" / "s0_source_records.L0.lock"
    lock.write_bytes(json.dumps({"dagster_run_id": first.run_id}).encode())
    second = materialize_level(
        ASSETS,
        "L0",
        "stale",
        selection=["s0_source_records"],
        instance=instance,
        resources=_resources(root, "stale"),
    )
    assert second.success
    assert not lock.exists()


def test_of_two_attempts_from_the_same_version_only_the_first_publishes(s3_bucket: str) -> None:
    slot = RunFolderResource(output_root=f"{s3_bucket}/race", run_id="race").artifact_slot(
        "s1_candidates", "L0"
    )
    first, second = slot.begin("run-a"), slot.begin("run-b")
    first.path.write_bytes(b"from a")
    second.path.write_bytes(b"from b")
    slot.publish(first)
    with pytest.raises(CommitConflictError, match="another writer published"):
        slot.publish(second)
    assert slot.committed().read_bytes() == b"from a"


def test_llm_cache_of_an_s3_output_root_lives_in_the_bucket(s3_bucket: str) -> None:
    from taxonomy_assets.cli import _labeling_settings

    settings = _labeling_settings(None, None, None, f"{s3_bucket}/taxonomy")
    assert settings["cache_dir"] == f"{s3_bucket}/taxonomy/llm_cache"
    cache = ReplyCache(UPath(settings["cache_dir"]))
    cache.put("ab" * 32, {"labels": ["x"]})
    assert cache.get("ab" * 32) == {"labels": ["x"]}
    assert UPath(f"{s3_bucket}/taxonomy/llm_cache/ab/{'ab' * 32}.json").exists()
