"""CSV and XLSX readers: one block per row, `unit` (or `text`/`name`) column required.

Row-level columns (`institution`, `parent`, `url`, `section`, `language`, `fetched_at`) override the
document's metadata; a row that still lacks an institution (or a parent above L0) is rejected alone.
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator

from taxonomy_assets.sources.blocks import DocumentError, RawBlock, RowRejection
from taxonomy_assets.sources.metadata import DocumentMeta

TEXT_COLUMNS = ("unit", "text", "name")
META_COLUMNS = {
    "institution": "institution",
    "parent": "parent",
    "parent_hint": "parent",
    "url": "url",
    "language": "language",
    "fetched_at": "fetched_at",
}


def _header_map(header: list[str], where: str) -> tuple[int, dict[str, int], int | None]:
    names = [str(cell or "").strip().lower() for cell in header]
    text_index = next((names.index(name) for name in TEXT_COLUMNS if name in names), None)
    if text_index is None:
        raise DocumentError(
            "missing_columns",
            f"{where}: no unit column; expected one of {', '.join(TEXT_COLUMNS)} in the header, "
            f"found {names}",
        )
    meta_index = {field: names.index(column) for column, field in META_COLUMNS.items() if column in names}
    section_index = names.index("section") if "section" in names else None
    return text_index, meta_index, section_index


def rows_to_blocks(
    rows: Iterable[list[str]], meta: DocumentMeta, level: str, where: str
) -> Iterator[RawBlock | RowRejection]:
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None:
        raise DocumentError("empty_document", f"{where}: no header row")
    text_index, meta_index, section_index = _header_map(header, where)
    for number, row in enumerate(iterator, start=2):
        location = f"{where}:{number}"
        cells = ["" if cell is None else str(cell).strip() for cell in row]
        if not any(cells):
            continue
        if len(cells) <= text_index:
            yield RowRejection(
                "short_row",
                f"row has {len(cells)} cells, unit column is #{text_index + 1}",
                location,
                ",".join(cells),
            )
            continue
        values = {
            field: cells[index] for field, index in meta_index.items() if index < len(cells) and cells[index]
        }
        row_meta = meta.overlay(DocumentMeta(**values))
        text = cells[text_index]
        if not row_meta.institution:
            yield RowRejection(
                "missing_institution", "row names no institution and the document sets none", location, text
            )
            continue
        if level != "L0" and not row_meta.parent:
            yield RowRejection("missing_parent", f"{level} row names no parent unit", location, text)
            continue
        section = cells[section_index] if section_index is not None and section_index < len(cells) else ""
        yield RawBlock(
            text=text,
            institution=row_meta.institution,
            url=row_meta.url or where,
            section=section,
            parent_hint=row_meta.parent,
            fetched_at=row_meta.fetched_at,
            language=row_meta.language,
            location=location,
        )


def read_csv(text: str, meta: DocumentMeta, level: str, where: str) -> Iterator[RawBlock | RowRejection]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        yield from rows_to_blocks(reader, meta, level, where)
    except csv.Error as exc:
        raise DocumentError("malformed_csv", f"{where}: {exc}") from exc


def read_xlsx(data: bytes, meta: DocumentMeta, level: str, where: str) -> Iterator[RawBlock | RowRejection]:
    """Every worksheet is read in order; each must have its own header row."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DocumentError(
            "corrupt_xlsx",
            f"{where}: not a readable XLSX workbook ({exc.__class__.__name__}: "
            f"{exc}); password-protected workbooks are not supported",
        ) from exc
    try:
        for sheet in workbook.worksheets:
            rows = ([cell for cell in row] for row in sheet.iter_rows(values_only=True))
            yield from rows_to_blocks(rows, meta, level, f"{where}#{sheet.title}")
    finally:
        workbook.close()
