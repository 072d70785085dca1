"""Quarantine files: what a stage could not use, one JSON line per entry, with the reason.

Entries stream to a scratch file and are committed atomically when the stage finishes, so memory
stays flat and a crash leaves the previous file: locally the scratch file sits beside
`quarantine/<stage>/<level>.jsonl` and is renamed over it; for object stores it lives in local
scratch space and is uploaded whole (an object appears only when its upload completes).
"""

import collections
import os
import tempfile
import uuid
from pathlib import Path
from types import TracebackType

from upath import UPath

from taxonomy_assets.contracts import QuarantineEntry, to_json_line
from taxonomy_assets.sources.blocks import SURROGATE, writable
from taxonomy_resources.locations import is_local


class QuarantineLog:
    """Collects quarantine entries for one stage and level; use as a context manager."""

    def __init__(self, path: UPath) -> None:
        self.path = path
        self.reasons: collections.Counter[str] = collections.Counter()
        if is_local(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            self._temp = Path(path).with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
        else:
            handle, name = tempfile.mkstemp(prefix="taxonomy-quarantine-", suffix=".jsonl")
            os.close(handle)
            self._temp = Path(name)
        # held open across add() calls so entries stream to disk; closed by commit() or discard()
        self._handle = open(self._temp, "w", encoding="utf-8")  # noqa: SIM115

    def add(self, entry: QuarantineEntry) -> None:
        """Record one entry; lone surrogates in its text (which UTF-8 cannot encode) become U+FFFD."""
        unwritable = {
            key: writable(value)
            for key, value in entry.model_dump().items()
            if isinstance(value, str) and SURROGATE.search(value)
        }
        if unwritable:
            entry = entry.model_copy(update=unwritable)
        self.reasons[entry.reason] += 1
        self._handle.write(to_json_line(entry))

    @property
    def count(self) -> int:
        return sum(self.reasons.values())

    def commit(self) -> UPath | None:
        """Publish the entries (or remove a stale file when there are none); returns the path if written."""
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        try:
            if self.count and is_local(self.path):
                self._temp.replace(Path(self.path))
                return self.path
            if self.count:
                self.path.fs.put_file(str(self._temp), self.path.path)
                return self.path
            if self.path.exists():
                self.path.unlink()
            return None
        finally:
            self._temp.unlink(missing_ok=True)

    def discard(self) -> None:
        self._handle.close()
        self._temp.unlink(missing_ok=True)

    def __enter__(self) -> "QuarantineLog":
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()
