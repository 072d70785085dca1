"""Conditional writes of small objects: create-if-absent, replace-if-unchanged, delete-if-unchanged.

The run-folder commit pointer and the partition lock need writes that fail when another writer got
there first. S3 and S3-compatible servers do this atomically (`If-None-Match: *`, `If-Match: <etag>`),
which is what these functions send for `s3://` paths. Other fsspec stores (e.g. `memory://`) get a
compare-then-write that is only safe within one process; they are not offered for shared use.
"""

import hashlib
from dataclasses import dataclass

from upath import UPath

PRECONDITION_CODES = {"PreconditionFailed", "412", "ConditionalRequestConflict", "409"}


@dataclass(frozen=True)
class Versioned:
    """An object's bytes and the version a conditional write compares against."""

    data: bytes
    version: str


def _is_s3(path: UPath) -> bool:
    protocols = path.fs.protocol
    return "s3" in ((protocols,) if isinstance(protocols, str) else protocols)


def _bucket_key(path: UPath) -> tuple[str, str]:
    bucket, key, _ = path.fs.split_path(path.path)
    return bucket, key


def _precondition_failed(error: BaseException) -> bool:
    """True when S3 refused a conditional request because the object changed (or already exists)."""
    for candidate in (error, error.__cause__, error.__context__):
        if isinstance(candidate, FileExistsError):
            return True
        response = getattr(candidate, "response", None)
        if isinstance(response, dict):
            return str(response.get("Error", {}).get("Code")) in PRECONDITION_CODES
    return "PreconditionFailed" in str(error)


def read_versioned(path: UPath) -> Versioned | None:
    """The object's bytes with its version, or None when it does not exist.

    The version is read before the bytes, so a concurrent replace makes it stale (never too new) and
    a later conditional write based on it fails safely.
    """
    if _is_s3(path):
        bucket, key = _bucket_key(path)
        try:
            head = path.fs.call_s3("head_object", Bucket=bucket, Key=key)
            data = path.fs.cat_file(path.path)
        except FileNotFoundError:
            return None
        return Versioned(data, str(head["ETag"]))
    try:
        data = path.fs.cat_file(path.path)
    except FileNotFoundError:
        return None
    return Versioned(data, hashlib.sha256(data).hexdigest())


def _s3_conditional(
    path: UPath, operation: str, gone_means_refused: bool = True, **params: str | bytes
) -> bool:
    """Send one conditional S3 request for `path`; False when S3 refuses it because the object changed,
    already exists or (for replace/delete) is gone."""
    bucket, key = _bucket_key(path)
    try:
        path.fs.call_s3(operation, Bucket=bucket, Key=key, **params)
    except FileNotFoundError:
        if gone_means_refused:
            return False
        raise
    except Exception as error:
        if _precondition_failed(error):
            return False
        raise
    path.fs.invalidate_cache(path.path)
    return True


def _still(path: UPath, expected: Versioned) -> bool:
    """Compare-then-act for stores without conditional requests (one process only)."""
    current = read_versioned(path)
    return current is not None and current.version == expected.version


def create_exclusive(path: UPath, data: bytes) -> bool:
    """Write the object only if none exists; False when one does."""
    if _is_s3(path):
        return _s3_conditional(path, "put_object", gone_means_refused=False, Body=data, IfNoneMatch="*")
    if path.fs.exists(path.path):
        return False
    path.fs.pipe_file(path.path, data)
    return True


def replace_if_unchanged(path: UPath, data: bytes, expected: Versioned | None) -> bool:
    """Write the object only if it still is `expected` (None: only if it does not exist)."""
    if expected is None:
        return create_exclusive(path, data)
    if _is_s3(path):
        return _s3_conditional(path, "put_object", Body=data, IfMatch=expected.version)
    if not _still(path, expected):
        return False
    path.fs.pipe_file(path.path, data)
    return True


def delete_if_unchanged(path: UPath, expected: Versioned) -> bool:
    """Delete the object only if it still is `expected`; False when it changed or is gone."""
    if _is_s3(path):
        return _s3_conditional(path, "delete_object", IfMatch=expected.version)
    if not _still(path, expected):
        return False
    path.fs.rm_file(path.path)
    return True
