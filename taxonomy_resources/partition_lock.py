"""One writer per asset partition and run folder (SPEC §11), wherever the run folder lives.

Every artifact write holds `<run folder>/.locks/<asset>.<partition>.lock`:

- local disk: an exclusive `flock`; the kernel releases it when the holder exits or dies;
- object stores: a lock object created with a conditional PUT (`If-None-Match: *`) that names the
  Dagster run holding it. A lock whose run has finished (succeeded, failed or was canceled) is stale
  and is taken over with a conditional delete, so exactly one taker wins. A run killed without
  Dagster noticing stays STARTED and keeps its lock until it is marked failed or canceled (in the
  UI, or by the daemon's run monitoring).

The run queue's per-partition tag limit (dagster.yaml) keeps queued runs apart before they start;
this lock is what also holds for runs that bypass the queue.
"""

import contextlib
import fcntl
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from dagster import DagsterInstance
from upath import UPath

from taxonomy_resources.locations import is_local
from taxonomy_resources.object_store import create_exclusive, delete_if_unchanged, read_versioned

TAKEOVER_ATTEMPTS = 3


class PartitionBusyError(RuntimeError):
    """Another process is materializing the same asset partition into the same run folder."""


def run_has_finished(instance: DagsterInstance) -> Callable[[str], bool]:
    """Whether a lock holder's Dagster run is over; unknown runs count as still running."""

    def finished(dagster_run_id: str) -> bool:
        run = instance.get_run_by_id(dagster_run_id) if dagster_run_id else None
        return run is not None and run.is_finished

    return finished


def _busy(description: str, where: UPath, holder: str) -> PartitionBusyError:
    by = f" by Dagster run {holder}" if holder else " by another process"
    return PartitionBusyError(
        f"{description} is being materialized{by} into {where}; wait for that run to finish "
        "(or mark it failed/canceled if it died)"
    )


@contextlib.contextmanager
def _file_lock(lock_path: Path, description: str, run_folder: UPath) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise _busy(description, run_folder, "") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _object_lock(
    lock_path: UPath,
    description: str,
    run_folder: UPath,
    holder: str,
    holder_finished: Callable[[str], bool],
) -> Iterator[None]:
    record = {
        "dagster_run_id": holder,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "since": time.time(),
    }
    data = json.dumps(record, sort_keys=True).encode("utf-8")
    for _ in range(TAKEOVER_ATTEMPTS):
        if create_exclusive(lock_path, data):
            break
        current = read_versioned(lock_path)
        if current is None:
            continue  # released between our two requests
        owner = str(json.loads(current.data).get("dagster_run_id", ""))
        if (not holder or owner != holder) and not holder_finished(owner):
            raise _busy(description, run_folder, owner)
        delete_if_unchanged(lock_path, current)
    else:
        raise _busy(description, run_folder, "")
    try:
        yield
    finally:
        mine = read_versioned(lock_path)
        if mine is not None and mine.data == data:
            delete_if_unchanged(lock_path, mine)


def partition_lock(
    lock_path: UPath,
    description: str,
    run_folder: UPath,
    holder: str = "",
    holder_finished: Callable[[str], bool] | None = None,
) -> contextlib.AbstractContextManager[None]:
    """Hold the partition's lock for the block; `PartitionBusyError` if another writer holds it."""
    if is_local(lock_path):
        return _file_lock(Path(lock_path), description, run_folder)
    return _object_lock(lock_path, description, run_folder, holder, holder_finished or (lambda _: False))
