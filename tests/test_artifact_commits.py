"""The commit protocol of artifact slots on the local disk and on fsspec's in-memory object store:
publish whole, keep the previous artifact when an attempt fails, quarantine the partial output."""

import uuid

import pytest
from upath import UPath

from taxonomy_resources.artifact_commits import ATTEMPTS_DIR, ArtifactMissingError, ArtifactSlot


class Boom(RuntimeError):
    pass


def _slot(root: UPath, file_name: str | None) -> ArtifactSlot:
    return ArtifactSlot(
        root / "S1" / "L1", file_name, lambda run: root / "quarantine" / "_failed" / run / "S1" / "L1"
    )


@pytest.fixture(params=["local", "memory"])
def root(request: pytest.FixtureRequest, tmp_path) -> UPath:
    if request.param == "local":
        return UPath(tmp_path)
    return UPath(f"memory://commits-{uuid.uuid4().hex[:8]}")


def test_a_file_slot_publishes_whole_and_keeps_it_when_the_next_attempt_fails(root: UPath) -> None:
    slot = _slot(root, "candidates.parquet")
    with pytest.raises(ArtifactMissingError):
        slot.committed()
    with slot.writing("run-1") as attempt:
        attempt.path.write_bytes(b"first")
    assert slot.committed().read_bytes() == b"first"
    with pytest.raises(Boom), slot.writing("run-2") as attempt:
        attempt.path.write_bytes(b"half of the sec")
        raise Boom
    assert slot.committed().read_bytes() == b"first"
    failed = root / "quarantine" / "_failed" / "run-2" / "S1" / "L1" / "candidates.parquet"
    assert failed.read_bytes() == b"half of the sec"


def test_a_folder_slot_replaces_every_file_at_once(root: UPath) -> None:
    slot = _slot(root, None)
    with slot.writing("run-1") as attempt:
        (attempt.path / "shard-00000.jsonl").write_bytes(b"a")
        (attempt.path / "shard-00001.jsonl").write_bytes(b"b")
    with slot.writing("run-2") as attempt:
        (attempt.path / "shard-00000.jsonl").write_bytes(b"c")
    assert sorted(path.name for path in slot.committed().iterdir()) == ["shard-00000.jsonl"]
    assert (slot.committed() / "shard-00000.jsonl").read_bytes() == b"c"


def test_the_local_disk_keeps_the_documented_paths(tmp_path) -> None:
    slot = _slot(UPath(tmp_path), "candidates.parquet")
    with slot.writing("run-1") as attempt:
        attempt.path.write_bytes(b"x")
    assert slot.committed() == UPath(tmp_path / "S1" / "L1" / "candidates.parquet")
    assert sorted(path.name for path in (tmp_path / "S1" / "L1").iterdir()) == ["candidates.parquet"]


def test_an_object_store_keeps_only_the_published_and_the_replaced_attempt() -> None:
    slot = _slot(UPath(f"memory://commits-{uuid.uuid4().hex[:8]}"), "concepts.parquet")
    published = []
    for number in range(4):
        with slot.writing(f"run-{number}") as attempt:
            attempt.path.write_bytes(f"v{number}".encode())
        published.append(attempt.attempt_id)
    remaining = {path.name for path in (slot.directory / ATTEMPTS_DIR).iterdir()}
    assert remaining == set(published[-2:])
    assert slot.committed().read_bytes() == b"v3"


def _unreachable_quarantine(dagster_run_id: str) -> UPath:
    raise OSError(f"quarantine of {dagster_run_id} is unreachable")


def test_a_failing_move_does_not_hide_the_original_error(root: UPath) -> None:
    slot = ArtifactSlot(root / "S2" / "L0", "frequency.parquet", _unreachable_quarantine)
    with pytest.raises(Boom), slot.writing("run-1") as attempt:
        attempt.path.write_bytes(b"partial")
        raise Boom
    with pytest.raises(ArtifactMissingError):
        slot.committed()
