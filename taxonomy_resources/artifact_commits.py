"""Publishing an artifact whole: readers see the previous complete version or the new one, never a mix.

Every asset partition owns one artifact *slot*: a file (`S1/L1/candidates.parquet`) or a folder
(`S0/L1/`, `hierarchy/`). A writer fills an attempt, then publishes it in one atomic step:

- local disk: the attempt is built beside the target and renamed over it (`os.replace`, or the
  two-rename folder swap), so the documented paths hold the artifact itself;
- object stores, which cannot rename: the attempt is written under `<slot>/_attempts/<attempt id>/`
  and published by one conditional PUT of the pointer `<slot>/_commit.json` that names it, the way
  Delta and Iceberg commit. Readers follow the pointer. The PUT only succeeds if the pointer is still
  the one the attempt started from, so of two writers that got past the partition lock only one
  publishes; the other fails with `CommitConflictError`.

A failed attempt is moved under `quarantine/_failed/<dagster run id>/…`. On object stores each commit
keeps the attempt it replaced (a reader may still be on it), deletes older published attempts and
moves attempts that a killed writer left behind to the same quarantine folder.
"""

import contextlib
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from upath import UPath

from taxonomy_resources.atomic_files import (
    commit_directory,
    discard_path,
    fsync_path,
    fsync_tree,
    move_aside,
    recover_directory,
    staging_directory,
)
from taxonomy_resources.locations import is_local
from taxonomy_resources.object_store import Versioned, read_versioned, replace_if_unchanged

logger = logging.getLogger(__name__)

COMMIT_FILE = "_commit.json"
ATTEMPTS_DIR = "_attempts"


class ArtifactMissingError(FileNotFoundError):
    """An upstream artifact is not in the run folder (never materialized there, or removed)."""


class CommitConflictError(RuntimeError):
    """Another writer published the same slot while this attempt was being written."""


@dataclass(frozen=True)
class Attempt:
    """One try at writing a slot: write the file (or the folder's files) at `path`, then publish."""

    attempt_id: str
    dagster_run_id: str
    path: UPath
    base: Versioned | None = None


@dataclass(frozen=True)
class ArtifactSlot:
    """Where one asset partition's artifact lives and how a new version of it is published."""

    directory: UPath
    file_name: str | None
    failed_directory: Callable[[str], UPath]

    @property
    def local(self) -> bool:
        return is_local(self.directory)

    @property
    def pointer(self) -> UPath:
        return self.directory / COMMIT_FILE

    def _attempt_dir(self, attempt_id: str) -> UPath:
        return self.directory / ATTEMPTS_DIR / attempt_id

    def _in_attempt(self, attempt_id: str) -> UPath:
        folder = self._attempt_dir(attempt_id)
        return folder / self.file_name if self.file_name else folder

    def begin(self, dagster_run_id: str) -> Attempt:
        attempt_id = f"{dagster_run_id}.{uuid.uuid4().hex[:8]}"
        if self.local and self.file_name:
            self.directory.mkdir(parents=True, exist_ok=True)
            return Attempt(attempt_id, dagster_run_id, self.directory / f".{self.file_name}.tmp-{attempt_id}")
        if self.local:
            return Attempt(attempt_id, dagster_run_id, UPath(staging_directory(Path(self.directory))))
        return Attempt(attempt_id, dagster_run_id, self._in_attempt(attempt_id), read_versioned(self.pointer))

    def publish(self, attempt: Attempt) -> UPath:
        """Make the attempt the artifact; returns where readers now find it."""
        if self.local:
            if self.file_name:
                final = Path(self.directory) / self.file_name
                fsync_path(Path(attempt.path))
                os.replace(attempt.path, final)
                fsync_path(final.parent)
                return UPath(final)
            fsync_tree(Path(attempt.path))
            commit_directory(Path(attempt.path), Path(self.directory))
            return self.directory
        replaced = _pointed_attempt(attempt.base)
        record = {
            "attempt": attempt.attempt_id,
            "artifact": self.file_name,
            "dagster_run_id": attempt.dagster_run_id,
            "replaces": replaced,
        }
        data = (json.dumps(record, sort_keys=True, indent=2) + "\n").encode("utf-8")
        if not replace_if_unchanged(self.pointer, data, attempt.base):
            raise CommitConflictError(
                f"{self.directory}: another writer published this artifact while attempt "
                f"{attempt.attempt_id} was written; its output was not published"
            )
        try:
            self._tidy(keep={attempt.attempt_id, replaced}, superseded=_replaced_before(attempt.base))
        except Exception as error:  # housekeeping: the attempt is published whatever happens here
            logger.warning("could not tidy %s: %r", self.directory / ATTEMPTS_DIR, error)
        return self._in_attempt(attempt.attempt_id)

    def abandon(self, attempt: Attempt) -> UPath | None:
        """Move a failed attempt's partial output under quarantine/_failed/; returns where it went.

        Never raises: it runs while another error is propagating, which must stay the one reported.
        If the move fails, the attempt stays where it is (unpublished, so no reader takes it).
        """
        try:
            destination = self.failed_directory(attempt.dagster_run_id)
            if self.file_name:
                destination = destination / self.file_name
            if self.local or not self.file_name:
                move_aside(attempt.path, destination)
            else:
                move_aside(self._attempt_dir(attempt.attempt_id), destination.parent)
        except Exception as error:
            logger.warning("could not move failed attempt %s to quarantine/_failed: %r", attempt.path, error)
            return None
        return destination

    def committed(self) -> UPath:
        """Where readers find the published artifact; `ArtifactMissingError` if there is none."""
        if self.local:
            if not self.file_name:
                recover_directory(Path(self.directory))
            path = self.directory / self.file_name if self.file_name else self.directory
            if not path.exists():
                raise ArtifactMissingError(f"{path} does not exist; materialize that asset partition first")
            return path
        current = read_versioned(self.pointer)
        if current is None:
            raise ArtifactMissingError(
                f"no {COMMIT_FILE} in {self.directory}; materialize that asset partition first"
            )
        return self._in_attempt(str(json.loads(current.data)["attempt"]))

    @contextlib.contextmanager
    def writing(self, dagster_run_id: str) -> Iterator[Attempt]:
        """Begin an attempt, publish it if the block completes, abandon it if the block raises."""
        attempt = self.begin(dagster_run_id)
        try:
            yield attempt
        except BaseException:
            self.abandon(attempt)
            raise
        self.publish(attempt)

    def _tidy(self, keep: set[str | None], superseded: str | None) -> None:
        """Delete the attempt published two commits ago; quarantine attempts never published."""
        attempts = self.directory / ATTEMPTS_DIR
        fs = attempts.fs
        fs.invalidate_cache(attempts.path)
        try:
            entries = fs.ls(attempts.path, detail=False)
        except FileNotFoundError:
            return
        for entry in entries:
            attempt_id = entry.rstrip("/").rsplit("/", 1)[-1]
            if attempt_id in keep:
                continue
            folder = self._attempt_dir(attempt_id)
            if attempt_id == superseded:
                discard_path(folder)
            else:
                dagster_run_id = attempt_id.rsplit(".", 1)[0]
                move_aside(folder, self.failed_directory(dagster_run_id))


def _pointed_attempt(pointer: Versioned | None) -> str | None:
    return None if pointer is None else str(json.loads(pointer.data)["attempt"])


def _replaced_before(pointer: Versioned | None) -> str | None:
    return None if pointer is None else json.loads(pointer.data).get("replaces")
