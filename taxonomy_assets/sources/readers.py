"""One document in, blocks and row rejections out: bounded read, format by bytes and content, metadata.

A document is never read past `max_document_bytes`: its size is checked before opening and the read
itself stops one byte beyond the limit, so a 50 MB single-line file costs nothing to refuse.
"""

import re
from collections.abc import Iterator
from pathlib import Path

from taxonomy_assets.policy.models import RawExtractionPolicy
from taxonomy_assets.sources.blocks import DocumentError, RawBlock, RowRejection
from taxonomy_assets.sources.decoding import decode_text
from taxonomy_assets.sources.formats import container_format, text_format
from taxonomy_assets.sources.html_reader import html_blocks, meta_from_html, parse_html
from taxonomy_assets.sources.jsonl_reader import read_jsonl
from taxonomy_assets.sources.metadata import SIDECAR_SUFFIX, read_sidecar, require_meta, split_front_matter
from taxonomy_assets.sources.tabular import read_csv, read_xlsx
from taxonomy_assets.sources.text_reader import markdown_blocks, text_blocks

NOT_DOCUMENTS = frozenset({"readme.md", "readme.txt", "readme"})


def is_source_document(path: Path, level_dir: Path) -> bool:
    """Sidecars, READMEs and anything hidden (or under a hidden folder) describe documents; they are not."""
    relative = path.relative_to(level_dir)
    return (
        path.is_file()
        and not any(part.startswith((".", "_")) for part in relative.parts)
        and not path.name.endswith(SIDECAR_SUFFIX)
        and path.name.lower() not in NOT_DOCUMENTS
    )


def read_bounded(path: Path, max_bytes: int, where: str) -> bytes:
    """The file's bytes, or DocumentError when it is empty or larger than `max_bytes` (never read whole)."""
    size = path.stat().st_size
    if size > max_bytes:
        raise DocumentError(
            "oversized_document", f"{where}: {size} bytes exceeds max_document_bytes {max_bytes}"
        )
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DocumentError(
            "oversized_document", f"{where}: grew beyond max_document_bytes {max_bytes} while read"
        )
    if not data:
        raise DocumentError("empty_document", f"{where}: file is empty")
    return data


def read_document(
    path: Path, relative_name: str, level: str, policy: RawExtractionPolicy
) -> Iterator[RawBlock | RowRejection]:
    """Blocks of one document; raises DocumentError when the whole document is unusable."""
    data = read_bounded(path, policy.max_document_bytes, relative_name)
    sidecar = read_sidecar(path)
    if container_format(path, data, relative_name) == "xlsx":
        yield from read_xlsx(data, sidecar, level, relative_name)
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
