"""Where a path lives: the local disk or an object store.

Output roots are strings: a local folder, a `file://` URL (also the local disk), or an fsspec URL such
as `s3://bucket/taxonomy`. Local ones become absolute `UPath`s that are also `pathlib.Path`s, so the
rename-and-fsync machinery applies to them; anything else is reached through its fsspec filesystem,
which takes its endpoint and credentials from the standard variables (`AWS_ENDPOINT_URL`,
`AWS_ACCESS_KEY_ID`, … for S3) and never from this project's configuration files.
"""

import os
from pathlib import Path

from upath import UPath

LOCAL_PROTOCOLS = ("", "file", "local")


def resolve_location(value: str | os.PathLike[str]) -> UPath:
    """A local path (absolute) or an object-store URL, as a `UPath`.

    Object stores are reached without fsspec's listings cache: other processes rewrite pointers,
    manifests and quarantine files, and a cached listing would hand out their old versions.
    """
    path = UPath(value)
    if path.protocol in LOCAL_PROTOCOLS:
        return UPath(os.path.abspath(os.path.expanduser(path.path)))
    return UPath(value, use_listings_cache=False)


def is_local(path: UPath | Path) -> bool:
    return isinstance(path, Path)


def child_location(root: str, *names: str) -> str:
    """`root/names…` as a string, keeping the URL scheme of an object-store root intact."""
    return str(resolve_location(root).joinpath(*names))
