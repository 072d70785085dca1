"""Crash-safe file operations: a reader sees either the previous complete file or the new complete one.

Local files are written beside their target, fsynced and renamed over it (`os.replace` is atomic on
POSIX). Local directories are built under a staging name and swapped in with two renames; if a crash
falls between them, `recover_directory` puts the previous version back.

Object stores have no rename, but a single object only becomes visible once its upload completes:
small files are sent in one PUT, streamed ones are spooled to local scratch space and uploaded only
when the writer finished. Multi-file artifacts on object stores are published by the commit pointer
in `artifact_commits`, never by moving folders.
"""

import contextlib
import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from upath import UPath

from taxonomy_resources.locations import is_local

STAGING_MARK = ".staging-"
PREVIOUS_MARK = ".previous-"


def fsync_path(path: Path) -> None:
    """Flush a file's content, or a folder's entries, to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: Path) -> None:
    """Flush every file below `path` (and the folders holding them) to disk."""
    for folder, _, files in os.walk(path):
        for name in files:
            fsync_path(Path(folder) / name)
        fsync_path(Path(folder))


@contextlib.contextmanager
def atomic_writer(path: UPath | Path, failed_destination: UPath | Path | None = None) -> Iterator[IO[bytes]]:
    """Open `path` for binary writing; the content replaces the target only if the block completes.

    If the block raises, the partial file is moved to `failed_destination` (when given) for inspection.
    """
    if not is_local(path):
        with tempfile.TemporaryDirectory(prefix="taxonomy-upload-") as scratch:
            spool = Path(scratch) / path.name
            with open(spool, "wb") as handle:
                try:
                    yield handle
                except BaseException:
                    handle.close()
                    if failed_destination is not None:
                        failed_destination.fs.put_file(str(spool), failed_destination.path)
                    raise
            path.fs.put_file(str(spool), path.path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    local = Path(path)
    temp = local.with_name(f".{local.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        with open(temp, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, local)
        fsync_path(local.parent)
    except BaseException:
        if failed_destination is not None and temp.exists():
            move_aside(temp, failed_destination)
        raise
    finally:
        temp.unlink(missing_ok=True)


def atomic_write_bytes(path: UPath | Path, data: bytes) -> str:
    """Write `data` atomically (one PUT on object stores) and return its sha256."""
    if is_local(path):
        with atomic_writer(path) as handle:
            handle.write(data)
    else:
        path.fs.pipe_file(path.path, data)
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: UPath | Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def staging_directory(final: Path) -> Path:
    """A fresh, empty sibling directory to build `final` in (local disk)."""
    staging = final.parent / f".{final.name}{STAGING_MARK}{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True, exist_ok=False)
    return staging


def recover_directory(final: Path) -> None:
    """Undo a swap interrupted between its two renames: bring the previous version back."""
    if final.exists() or not final.parent.exists():
        return
    previous = sorted(final.parent.glob(f".{final.name}{PREVIOUS_MARK}*"))
    if previous:
        previous[-1].rename(final)


def commit_directory(staging: Path, final: Path) -> None:
    """Swap a completed staging directory in for `final`, keeping the old one until the new is in place."""
    if not (is_local(staging) and is_local(final)):
        raise ValueError(f"{final}: object stores have no directory rename; publish through a commit pointer")
    recover_directory(final)
    final_local, staging_local = Path(final), Path(staging)
    previous = final_local.parent / f".{final_local.name}{PREVIOUS_MARK}{uuid.uuid4().hex[:8]}"
    if final_local.exists():
        os.rename(final_local, previous)
    os.rename(staging_local, final_local)
    fsync_path(final_local.parent)
    shutil.rmtree(previous, ignore_errors=True)


def discard_path(path: UPath | Path) -> None:
    """Remove a file or a directory tree (every object under a prefix) if it exists."""
    if is_local(path):
        if Path(path).is_dir():
            shutil.rmtree(Path(path), ignore_errors=True)
        else:
            Path(path).unlink(missing_ok=True)
        return
    files = path.fs.find(path.path)
    if files:
        path.fs.rm(files)


def move_aside(source: UPath | Path, destination: UPath | Path) -> None:
    """Move a partial output somewhere a reader will not take it for the real artifact.

    On object stores every object is copied server-side and then deleted, one by one: there is no
    directory key to move.
    """
    if is_local(source):
        if not Path(source).exists():
            return
        Path(destination).parent.mkdir(parents=True, exist_ok=True)
        discard_path(destination)
        os.replace(Path(source), Path(destination))
        return
    fs = source.fs
    prefix = source.path.rstrip("/")
    files = fs.find(prefix)
    if not files:
        return
    discard_path(destination)
    target = destination.path.rstrip("/")
    for name in files:
        relative = name[len(prefix) :].lstrip("/")
        fs.copy(name, f"{target}/{relative}" if relative else target)
    fs.rm(files)
