"""JSONL reader: one object per line with `text` and optional record facts; bad lines are rejected alone.

Lines are split on `\\n` only: JSON strings may legally hold U+2028 and other characters that
`str.splitlines` would treat as line breaks.
"""

import json
from collections.abc import Iterator

from taxonomy_assets.sources.blocks import RawBlock, RowRejection, clean_text
from taxonomy_assets.sources.metadata import RECORD_FIELDS, DocumentMeta

STRING_KEYS = ("text", "section", *RECORD_FIELDS)
PAYLOAD_CHARS = 500


def _line_block(
    line: str, meta: DocumentMeta, level: str, where: str, location: str
) -> RawBlock | RowRejection:
    payload = line[:PAYLOAD_CHARS]
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return RowRejection(
            "malformed_jsonl", f"not JSON: {exc.msg} at column {exc.colno}", location, payload
        )
    except RecursionError:
        return RowRejection("malformed_jsonl", "JSON nested too deeply", location, payload)
    if not isinstance(row, dict):
        return RowRejection("malformed_jsonl", "line must be a JSON object", location, payload)
    wrong = [key for key in STRING_KEYS if row.get(key) is not None and not isinstance(row[key], str)]
    if wrong:
        return RowRejection("malformed_jsonl", f"fields {wrong} must be strings", location, payload)
    if "text" not in row:
        return RowRejection("malformed_jsonl", "line has no `text` field", location, payload)
    text = clean_text(row["text"])
    if not text:
        return RowRejection("empty_text", "`text` is empty", location, payload)
    # the line's own facts win over the document's (as DocumentMeta.overlay, without two objects per line)
    values = {field: clean_text(row[key]) for key, field in RECORD_FIELDS.items() if row.get(key)}
    institution = values.get("institution") or meta.institution
    if not institution:
        return RowRejection("missing_institution", "line names no institution", location, payload)
    parent = values.get("parent") or meta.parent
    if level != "L0" and not parent:
        return RowRejection("missing_parent", f"{level} line names no parent unit", location, payload)
    return RawBlock(
        text=text,
        institution=institution,
        url=values.get("url") or meta.url or f"file:{where}",
        section=clean_text(row.get("section") or ""),
        parent_hint=parent,
        fetched_at=values.get("fetched_at") or meta.fetched_at,
        language=values.get("language") or meta.language,
        location=location,
    )


def read_jsonl(text: str, meta: DocumentMeta, level: str, where: str) -> Iterator[RawBlock | RowRejection]:
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield _line_block(line.rstrip("\r"), meta, level, where, f"{where}:{number}")
