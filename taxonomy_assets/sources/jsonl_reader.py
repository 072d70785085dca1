"""JSONL reader: one object per line with `text` and optional record facts; bad lines are rejected alone."""

import json
from collections.abc import Iterator

from taxonomy_assets.sources.blocks import RawBlock, RowRejection
from taxonomy_assets.sources.metadata import DocumentMeta

FIELDS = {
    "institution": "institution",
    "parent": "parent",
    "parent_hint": "parent",
    "url": "url",
    "language": "language",
    "fetched_at": "fetched_at",
}


def read_jsonl(text: str, meta: DocumentMeta, level: str, where: str) -> Iterator[RawBlock | RowRejection]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        location = f"{where}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield RowRejection(
                "malformed_jsonl", f"not JSON: {exc.msg} at column {exc.colno}", location, line[:500]
            )
            continue
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            yield RowRejection(
                "malformed_jsonl", "line must be an object with a string `text`", location, line[:500]
            )
            continue
        values = {field: str(row[key]).strip() for key, field in FIELDS.items() if row.get(key)}
        row_meta = meta.overlay(DocumentMeta(**values))
        if not row_meta.institution:
            yield RowRejection("missing_institution", "line names no institution", location, line[:500])
            continue
        if level != "L0" and not row_meta.parent:
            yield RowRejection("missing_parent", f"{level} line names no parent unit", location, line[:500])
            continue
        yield RawBlock(
            text=row["text"],
            institution=row_meta.institution,
            url=row_meta.url or where,
            section=str(row.get("section") or ""),
            parent_hint=row_meta.parent,
            fetched_at=row_meta.fetched_at,
            language=row_meta.language,
            location=location,
        )
