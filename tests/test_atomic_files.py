"""Crash safety: a failed write never replaces the previous artifact, and partial output is kept aside."""

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from upath import UPath

from taxonomy_resources.atomic_files import (
    atomic_write_bytes,
    atomic_writer,
    commit_directory,
    recover_directory,
    staging_directory,
)


class Boom(RuntimeError):
    pass


def test_failed_write_keeps_previous_file_and_moves_partial_aside(tmp_path: Path) -> None:
    target = UPath(tmp_path / "out" / "candidates.parquet")
    atomic_write_bytes(target, b"previous")
    failed = UPath(tmp_path / "quarantine" / "_failed" / "run1" / "candidates.parquet")
    with pytest.raises(Boom), atomic_writer(target, failed_destination=failed) as handle:
        handle.write(b"half of the new")
        raise Boom
    assert target.read_bytes() == b"previous"
    assert failed.read_bytes() == b"half of the new"
    assert [p.name for p in target.parent.iterdir()] == ["candidates.parquet"]


def test_directory_swap_replaces_whole_folder(tmp_path: Path) -> None:
    final = UPath(tmp_path / "S0" / "L1")
    final.mkdir(parents=True)
    (final / "shard-00000.jsonl").write_text("old")
    (final / "shard-00001.jsonl").write_text("old")
    staging = staging_directory(final)
    (staging / "shard-00000.jsonl").write_text("new")
    commit_directory(staging, final)
    assert sorted(p.name for p in final.iterdir()) == ["shard-00000.jsonl"]
    assert (final / "shard-00000.jsonl").read_text() == "new"
    assert sorted(p.name for p in final.parent.iterdir()) == ["L1"]


def test_interrupted_swap_is_recovered(tmp_path: Path) -> None:
    final = UPath(tmp_path / "S0" / "L1")
    previous = final.parent / ".L1.previous-deadbeef"
    previous.mkdir(parents=True)
    (previous / "_index.json").write_text("{}")
    recover_directory(final)
    assert (final / "_index.json").read_text() == "{}"


def test_object_store_paths_write_through_fsspec() -> None:
    target = UPath("memory://taxonomy-test/runs/x/manifest.json")
    digest = atomic_write_bytes(target, b"{}")
    assert target.read_bytes() == b"{}" and len(digest) == 64


WRITER = """
import sys, time
from upath import UPath
from taxonomy_resources.atomic_files import atomic_writer
with atomic_writer(UPath(sys.argv[1])) as handle:
    handle.write(b"partial new content")
    handle.flush()
    print("writing", flush=True)
    time.sleep(60)
"""


def test_killing_the_writer_mid_write_leaves_the_previous_artifact(tmp_path: Path) -> None:
    target = tmp_path / "S2" / "L1" / "frequency.parquet"
    atomic_write_bytes(UPath(target), b"previous complete artifact")
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None and writer.stdout.readline().strip() == "writing"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    assert target.read_bytes() == b"previous complete artifact"
    leftovers = [path.name for path in target.parent.iterdir() if path != target]
    assert leftovers and all(name.startswith(".frequency.parquet.tmp-") for name in leftovers)
