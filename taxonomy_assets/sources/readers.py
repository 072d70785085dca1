"""Choose a reader by file type and content, and turn one document into blocks and row rejections."""

import json
from collections.abc import Iterator
from pathlib import Path

from taxonomy_assets.sources.blocks import DocumentError, RawBlock, RowRejection
from taxonomy_assets.sources.decoding import decode_text
from taxonomy_assets.sources.html_reader import html_blocks, meta_from_html, parse_html
from taxonomy_assets.sources.jsonl_reader import read_jsonl
from taxonomy_assets.sources.metadata import (
    SIDECAR_SUFFIX,
    DocumentMeta,
    read_sidecar,
    require_meta,
    split_front_matter,
)
from taxonomy_assets.sources.tabular import read_csv, read_xlsx
from taxonomy_assets.sources.text_reader import markdown_blocks, text_blocks

FORMATS_BY_SUFFIX = {
    ".csv": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
}
ZIP_MAGIC = b"PK\x03\x04"


def is_source_document(path: Path) -> bool:
    """Sidecars, hidden files and READMEs describe documents; they are not documents."""
    name = path.name
    return (
        path.is_file()
        and not name.startswith((".", "_"))
        and not name.endswith(SIDECAR_SUFFIX)
        and name.lower() not in ("readme.md", "readme.txt")
    )


def sniff_format(path: Path, head: bytes) -> str:
    """Format by suffix; unknown suffixes by content (XLSX zip, HTML tags, JSON lines, else text)."""
    by_suffix = FORMATS_BY_SUFFIX.get(path.suffix.lower())
    if by_suffix:
        return by_suffix
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    lowered = head[:512].lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        return "html"
    first_line = head.split(b"\n", 1)[0].strip()
    if first_line.startswith(b"{"):
        try:
            json.loads(first_line)
            return "jsonl"
        except ValueError:
            pass
    return "text"


def read_document(
    path: Path, relative_name: str, level: str, max_bytes: int
) -> Iterator[RawBlock | RowRejection]:
    """Blocks of one document; raises DocumentError when the whole document is unusable."""
    size = path.stat().st_size
    if size == 0:
        raise DocumentError("empty_document", f"{relative_name}: file is empty")
    if size > max_bytes:
        raise DocumentError(
            "oversized_document", f"{relative_name}: {size} bytes exceeds max_document_bytes {max_bytes}"
        )
    data = path.read_bytes()
    sidecar = read_sidecar(path)
    default_url = f"file:{relative_name}"
    kind = sniff_format(path, data[:4096])
    if kind == "xlsx":
        yield from read_xlsx(data, sidecar, level, relative_name)
        return
    text = decode_text(data, relative_name)
    if not text.strip():
        raise DocumentError("empty_document", f"{relative_name}: only whitespace")
    if kind == "csv":
        yield from read_csv(text, sidecar, level, relative_name)
    elif kind == "jsonl":
        yield from read_jsonl(text, sidecar, level, relative_name)
    elif kind == "html":
        soup = parse_html(text)
        meta = require_meta(meta_from_html(soup).overlay(sidecar), level, relative_name, default_url)
        yield from html_blocks(soup, meta, relative_name)
    else:
        embedded, body = split_front_matter(text, relative_name)
        meta = require_meta(embedded.overlay(sidecar), level, relative_name, default_url)
        reader = markdown_blocks if kind == "markdown" else text_blocks
        yield from reader(body, meta, relative_name)


__all__ = ["DocumentError", "DocumentMeta", "is_source_document", "read_document", "sniff_format"]
