"""Every entry under a level folder, classified without opening anything: a document to read, an entry
that describes documents (ignored by design), or an entry refused with a reason.

The walk never follows a link out of the sources root and never reads what a refused entry points
at, so nothing outside the root is ingested or quoted. Symlinked files and folders inside the root are
followed (a folder only if it is not one of its own ancestors); FIFOs, sockets and devices are refused
before anything could block on them. Names are shown as text that is always writable: undecodable
bytes of a file name become `\\xNN`, invisible and control characters `\\uNNNN`.
"""

import errno
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Literal

from taxonomy_assets.sources.metadata import SIDECAR_SUFFIX

NOT_DOCUMENTS = frozenset({"readme.md", "readme.txt", "readme"})
SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)
EntryKind = Literal["document", "ignored", "refused"]


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """One walked entry. `path` is what to open (a link's target) and is set for documents only."""

    name: str
    kind: EntryKind
    reason: str = ""
    detail: str = ""
    path: Path | None = None
    sidecar: Path | None = None


def display_name(part: str) -> str:
    """A file name as writable, unambiguous text."""
    text = os.fsencode(part).decode("utf-8", "backslashreplace")
    return "".join(
        char
        if char.isprintable()
        else (f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}")
        for char in text
    )


def _special_kind(mode: int) -> str | None:
    return next((kind for test, kind in SPECIAL_KINDS if test(mode)), None)


def _inside(path: Path, roots: tuple[Path, ...]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


@dataclass(frozen=True)
class _Folder:
    path: Path
    name: PurePosixPath
    ancestors: frozenset[tuple[int, int]]


class _Walk:
    def __init__(self, level_dir: Path, sources_root: Path) -> None:
        self.roots = (sources_root.resolve(), level_dir.resolve())
        self.folders = 0

    def resolve_link(self, path: Path) -> Path | SourceEntry:
        """The link's target inside the sources root, or the reason to refuse the link."""
        try:
            target = Path(os.path.realpath(path, strict=True))
        except FileNotFoundError:
            return SourceEntry("", "refused", "broken_symlink", "symbolic link to nothing")
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return SourceEntry(
                    "", "refused", "symlink_loop", "symbolic links point at each other in a loop"
                )
            return SourceEntry("", "refused", "unreadable", f"cannot resolve the link: {exc.strerror}")
        if not _inside(target, self.roots):
            return SourceEntry(
                "", "refused", "outside_sources_root", "symbolic link to a place outside the sources root"
            )
        return target

    def walk(self, level_dir: Path) -> list[SourceEntry]:
        start = level_dir.stat()
        stack = [_Folder(level_dir, PurePosixPath(), frozenset({(start.st_dev, start.st_ino)}))]
        entries: list[SourceEntry] = []
        while stack:
            folder = stack.pop()
            self.folders += 1
            try:
                children = list(os.scandir(folder.path))
            except OSError as exc:
                entries.append(
                    _named(
                        folder.name,
                        SourceEntry("", "refused", "unreadable", f"folder cannot be listed: {exc.strerror}"),
                    )
                )
                continue
            found: dict[str, SourceEntry] = {}
            for child in children:
                outcome = self.classify(folder, child)
                if isinstance(outcome, _Folder):
                    stack.append(outcome)
                else:
                    found[child.name] = outcome
            names = {child.name for child in children}
            entries.extend(
                _named(folder.name / name, _with_sidecar(name, entry, found, names))
                for name, entry in found.items()
            )
        return sorted(entries, key=lambda entry: entry.name)

    def classify(self, folder: _Folder, child: os.DirEntry[str]) -> SourceEntry | _Folder:
        if child.name.startswith((".", "_")):
            return SourceEntry("", "ignored", "hidden")
        path = Path(child.path)
        try:
            mode = child.stat(follow_symlinks=False).st_mode
            target = path
            if stat.S_ISLNK(mode):
                resolved = self.resolve_link(path)
                if isinstance(resolved, SourceEntry):
                    return resolved
                target = resolved
                mode = target.stat().st_mode
        except OSError as exc:
            return SourceEntry("", "refused", "unreadable", f"cannot stat: {exc.strerror}")
        if stat.S_ISDIR(mode):
            info = target.stat()
            identity = (info.st_dev, info.st_ino)
            if identity in folder.ancestors:
                return SourceEntry(
                    "", "refused", "symlink_loop", "symbolic link to a folder that contains it"
                )
            return _Folder(path, folder.name / child.name, folder.ancestors | {identity})
        special = _special_kind(mode)
        if special is not None:
            return SourceEntry("", "refused", "special_file", f"{special}, not a document")
        if child.name.endswith(SIDECAR_SUFFIX):
            return SourceEntry("", "ignored", "sidecar", path=target)
        if child.name.lower() in NOT_DOCUMENTS:
            return SourceEntry("", "ignored", "readme")
        return SourceEntry("", "document", path=target)


def _named(relative: PurePosixPath, entry: SourceEntry) -> SourceEntry:
    return replace(entry, name="/".join(display_name(part) for part in relative.parts))


def _with_sidecar(
    name: str, entry: SourceEntry, found: dict[str, SourceEntry], names: set[str]
) -> SourceEntry:
    """Documents get their usable sidecar; a refused sidecar refuses its document; orphans are refused."""
    if entry.kind == "ignored" and entry.reason == "sidecar":
        described = name.removesuffix(SIDECAR_SUFFIX)
        if described in names:
            return replace(entry, path=None)
        return SourceEntry(
            "", "refused", "orphan_sidecar", f"no document named {display_name(described)!r} beside it"
        )
    if entry.kind != "document":
        return entry
    sidecar = found.get(name + SIDECAR_SUFFIX)
    if sidecar is None:
        return entry
    if sidecar.kind == "refused":
        return SourceEntry(
            "", "refused", "bad_metadata", f"its sidecar is refused ({sidecar.reason}: {sidecar.detail})"
        )
    return replace(entry, sidecar=sidecar.path)


@dataclass(frozen=True)
class WalkResult:
    entries: list[SourceEntry]
    folders: int


def walk_level(level_dir: Path, sources_root: Path | None = None) -> WalkResult:
    """Every entry under `level_dir` in a stable order (by displayed name), folders not listed."""
    walk = _Walk(level_dir, sources_root or level_dir.parent)
    entries = walk.walk(level_dir)
    return WalkResult(entries, walk.folders)
