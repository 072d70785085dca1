"""Crash-safe writes: a reader sees either the previous complete artifact or the new complete one.

Local files are written beside their target, fsynced and renamed over it (`os.replace` is atomic on
POSIX). Directories are built under a staging name and swapped in with two renames; if a crash falls
between them, `recover_directory` puts the previous version back. On object stores (any non-local
`UPath`) an object only becomes visible when its upload completes, which gives the same guarantee
per file; directory swaps there are best-effort and documented as such.
"""

import contextlib
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from upath import UPath

STAGING_MARK = ".staging-"
PREVIOUS_MARK = ".previous-"


def is_local(path: UPath | Path) -> bool:
    return isinstance(path, Path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: UPath | Path, failed_destination: UPath | Path | None = None) -> Iterator[IO[bytes]]:
    """Open `path` for binary writing; the content replaces the target only if the block completes.

    If the block raises, the partial file is moved to `failed_destination` (when given) for inspection.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not is_local(path):
        with path.open("wb") as handle:
            yield handle
        return
    local = Path(path)
    temp = local.with_name(f".{local.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        with open(temp, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, local)
        _fsync_dir(local.parent)
    except BaseException:
        if failed_destination is not None and temp.exists():
            move_aside(temp, failed_destination)
        raise
    finally:
        temp.unlink(missing_ok=True)


def atomic_write_bytes(path: UPath | Path, data: bytes) -> str:
    """Write `data` atomically and return its sha256."""
    with atomic_writer(path) as handle:
        handle.write(data)
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: UPath | Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def staging_directory(final: UPath | Path) -> UPath | Path:
    """A fresh, empty sibling directory to build `final` in."""
    staging = final.parent / f".{final.name}{STAGING_MARK}{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True, exist_ok=False)
    return staging


def recover_directory(final: UPath | Path) -> None:
    """Undo a swap interrupted between its two renames: bring the previous version back."""
    if final.exists() or not final.parent.exists():
        return
    previous = sorted(final.parent.glob(f".{final.name}{PREVIOUS_MARK}*"))
    if previous:
        previous[-1].rename(final)


def commit_directory(staging: UPath | Path, final: UPath | Path) -> None:
    """Swap a completed staging directory in for `final`, keeping the old one until the new is in place."""
    recover_directory(final)
    if not is_local(final):
        if final.exists():
            final.fs.rm(final.path, recursive=True)
        staging.fs.mv(staging.path, final.path, recursive=True)
        return
    final_local, staging_local = Path(final), Path(staging)
    previous = final_local.parent / f".{final_local.name}{PREVIOUS_MARK}{uuid.uuid4().hex[:8]}"
    if final_local.exists():
        os.rename(final_local, previous)
    os.rename(staging_local, final_local)
    _fsync_dir(final_local.parent)
    shutil.rmtree(previous, ignore_errors=True)


def discard_path(path: UPath | Path) -> None:
    """Remove a file or a directory tree if it exists."""
    if not path.exists():
        return
    if is_local(path):
        if Path(path).is_dir():
            shutil.rmtree(Path(path), ignore_errors=True)
        else:
            Path(path).unlink(missing_ok=True)
    else:
        path.fs.rm(path.path, recursive=True)


def move_aside(source: UPath | Path, destination: UPath | Path) -> None:
    """Move a partial output somewhere a reader will not take it for the real artifact."""
    if not source.exists():
        return
    destination.parent.mkdir(parents=True, exist_ok=True)
    discard_path(destination)
    if is_local(source):
        os.replace(Path(source), Path(destination))
    else:
        source.fs.mv(source.path, destination.path, recursive=True)
