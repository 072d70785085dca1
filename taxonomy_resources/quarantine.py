"""Quarantine files: what a stage could not use, one JSON line per entry, with the reason.

Entries stream to a hidden file beside `quarantine/<stage>/<level>.jsonl` and are committed
atomically when the stage finishes, so memory stays flat and a crash leaves the previous file.
"""

import collections
import os
import uuid
from pathlib import Path
from types import TracebackType

from upath import UPath

from taxonomy_assets.contracts import QuarantineEntry, to_json_line
from taxonomy_assets.sources.blocks import SURROGATE, writable
from taxonomy_resources.atomic_files import atomic_write_bytes, is_local


class QuarantineLog:
    """Collects quarantine entries for one stage and level; use as a context manager."""

    def __init__(self, path: UPath) -> None:
        self.path = path
        self.reasons: collections.Counter[str] = collections.Counter()
        self._buffer: list[str] = []
        self._temp: Path | None = None
        if is_local(path):
            path.parent.mkdir(parents=True, exist_ok=True)
            self._temp = Path(path).with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
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
        line = to_json_line(entry)
        if self._temp is None:
            self._buffer.append(line)
        else:
            self._handle.write(line)

    @property
    def count(self) -> int:
        return sum(self.reasons.values())

    def commit(self) -> UPath | None:
        """Publish the entries (or remove a stale file when there are none); returns the path if written."""
        if self._temp is None:
            if self.count:
                atomic_write_bytes(self.path, "".join(self._buffer).encode("utf-8"))
                return self.path
            if self.path.exists():
                self.path.unlink()
            return None
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        if self.count:
            self._temp.replace(Path(self.path))
            return self.path
        self._temp.unlink(missing_ok=True)
        Path(self.path).unlink(missing_ok=True)
        return None

    def discard(self) -> None:
        if self._temp is not None:
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
