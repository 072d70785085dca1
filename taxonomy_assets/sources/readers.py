"""One document in, blocks and row rejections out: bounded read, format by bytes and content, metadata.

A document is never read past `max_document_bytes`: its size is checked before opening and the read
itself stops one byte beyond the limit, so a 50 MB single-line file costs nothing to refuse. Files are
opened without following a final symlink and without blocking, and must still be regular files once
open, so a file swapped for a FIFO or a link after the walk cannot stall or redirect the read.
"""

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

from taxonomy_assets.policy.models import RawExtractionPolicy
from taxonomy_assets.sources.blocks import DocumentError, RawBlock, RowRejection
from taxonomy_assets.sources.decoding import decode_text
from taxonomy_assets.sources.formats import container_format, text_format
from taxonomy_assets.sources.html_reader import html_blocks, meta_from_html, parse_html
from taxonomy_assets.sources.jsonl_reader import read_jsonl
from taxonomy_assets.sources.metadata import (
    SIDECAR_SUFFIX,
    DocumentMeta,
    parse_sidecar,
    require_meta,
    split_front_matter,
)
from taxonomy_assets.sources.tabular import read_csv, read_xlsx
from taxonomy_assets.sources.text_reader import markdown_blocks, text_blocks

OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def read_bounded(path: Path, max_bytes: int, where: str) -> bytes:
    """The file's bytes, or DocumentError when it is empty, not a regular file, or larger than `max_bytes`
    (never read whole)."""
    try:
        descriptor = os.open(path, OPEN_FLAGS)
    except OSError as exc:
        raise DocumentError("unreadable", f"{where}: cannot open: {exc.strerror}") from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise DocumentError("special_file", f"{where}: not a regular file")
        if info.st_size > max_bytes:
            raise DocumentError(
                "oversized_document", f"{where}: {info.st_size} bytes exceeds max_document_bytes {max_bytes}"
            )
        try:
            data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise DocumentError("unreadable", f"{where}: cannot read: {exc.strerror}") from None
    if len(data) > max_bytes:
        raise DocumentError(
            "oversized_document", f"{where}: grew beyond max_document_bytes {max_bytes} while read"
        )
    if not data:
        raise DocumentError("empty_document", f"{where}: file is empty")
    return data


def read_sidecar(sidecar: Path | None, max_bytes: int, where: str) -> DocumentMeta:
    if sidecar is None:
        return DocumentMeta()
    try:
        data = read_bounded(sidecar, max_bytes, f"{where} sidecar")
    except DocumentError as exc:
        if exc.reason == "empty_document":
            return DocumentMeta()
        raise DocumentError("bad_metadata", exc.detail) from None
    return parse_sidecar(data, sidecar.name)


def read_document(
    path: Path,
    relative_name: str,
    level: str,
    policy: RawExtractionPolicy,
    sidecar_path: Path | None = None,
    look_beside: bool = True,
) -> Iterator[RawBlock | RowRejection]:
    """Blocks of one document; raises DocumentError when the whole document is unusable.

    The sidecar is `sidecar_path`, else (with `look_beside`) a regular `<file>.meta.yaml` next to it;
    the S0 walk passes the sidecar it vetted and `look_beside=False`.
    """
    data = read_bounded(path, policy.max_document_bytes, relative_name)
    beside = path.with_name(path.name + SIDECAR_SUFFIX)
    if sidecar_path is None and look_beside and beside.is_file() and not beside.is_symlink():
        sidecar_path = beside
    sidecar = read_sidecar(sidecar_path, policy.max_document_bytes, relative_name)
    if container_format(path, data, relative_name) == "xlsx":
        yield from read_xlsx(data, sidecar, level, relative_name, policy)
        return
    decoded = decode_text(data, relative_name)
    text = decoded.text
    if not text.strip():
        raise DocumentError("empty_document", f"{relative_name}: only whitespace")
    for line in decoded.undecodable_lines:
        yield RowRejection(
            "mixed_encoding",
            "line is not UTF-8 while the rest of the file is; re-save it as UTF-8",
            f"{relative_name}:{line.number}",
            line.payload,
        )
    kind = text_format(path, text)
    default_url = f"file:{relative_name}"
    if kind == "csv":
        delimiter = "\t" if path.suffix.lower() == ".tsv" else None
        yield from read_csv(text, sidecar, level, relative_name, delimiter)
    elif kind == "jsonl":
        yield from read_jsonl(text, sidecar, level, relative_name)
    elif kind == "html":
        soup = parse_html(text)
        meta = require_meta(meta_from_html(soup).overlay(sidecar), level, relative_name, default_url)
        markers = [re.compile(marker) for marker in policy.html_boilerplate_markers]
        yield from html_blocks(soup, meta, relative_name, markers)
    else:
        embedded, body = split_front_matter(text, relative_name)
        meta = require_meta(embedded.overlay(sidecar), level, relative_name, default_url)
        segment = markdown_blocks if kind == "markdown" else text_blocks
        yield from segment(body, meta, relative_name)
