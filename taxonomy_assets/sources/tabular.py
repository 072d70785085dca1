"""CSV and XLSX readers: one block per row; the header must name a unit column (`unit`, `text` or `name`).

Row-level columns (`institution`, `parent`, `url`, `section`, `language`, `fetched_at`) override the
document's metadata. A table with no institution column and no document institution (or, above L0,
no parent) is refused whole; a row that leaves its own cell empty is rejected alone. Malformed CSV
rows (bad quoting, a quote left open by a truncated file) are rejected one by one; the rest is read.
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from taxonomy_assets.policy.models import RawExtractionPolicy
from taxonomy_assets.sources.blocks import DocumentError, RawBlock, RowRejection, clean_text
from taxonomy_assets.sources.metadata import RECORD_FIELDS, SIDECAR_SUFFIX, DocumentMeta

if TYPE_CHECKING:
    from openpyxl import Workbook

TEXT_COLUMNS = ("unit", "text", "name")
DELIMITERS = (",", "\t", ";", "|")
PAYLOAD_SEPARATOR = " | "

Cell = object


def _column_name(cell: Cell) -> str:
    return clean_text(_cell_text(cell)).lower()


def _cell_text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def detect_delimiter(header_line: str) -> str | None:
    """The delimiter under which the header line names a unit column, or None."""
    for delimiter in DELIMITERS:
        try:
            names = next(csv.reader([header_line], delimiter=delimiter), [])
        except csv.Error:
            continue
        if any(_column_name(name) in TEXT_COLUMNS for name in names):
            return delimiter
    return None


@dataclass(frozen=True)
class TableLayout:
    """Where the unit text, the metadata columns and the section sit in a table's rows."""

    text_index: int
    meta_index: dict[str, int] = field(default_factory=dict)
    section_index: int | None = None

    @classmethod
    def from_header(cls, header: Iterable[Cell], meta: DocumentMeta, level: str, where: str) -> "TableLayout":
        names = [_column_name(cell) for cell in header]
        text_index = next((names.index(name) for name in TEXT_COLUMNS if name in names), None)
        if text_index is None:
            raise DocumentError(
                "missing_columns",
                f"{where}: no unit column; the header must name one of {', '.join(TEXT_COLUMNS)}, "
                f"found {[name for name in names if name]}",
            )
        meta_index = {key: names.index(column) for column, key in RECORD_FIELDS.items() if column in names}
        if "institution" not in meta_index and not meta.institution:
            raise DocumentError(
                "missing_institution",
                f"{where}: no institution column and no document institution; add an `institution` "
                f"column or a {SIDECAR_SUFFIX} sidecar",
            )
        if level != "L0" and "parent" not in meta_index and not meta.parent:
            raise DocumentError(
                "missing_parent",
                f"{where}: {level} tables need a `parent` column or `parent:` in their {SIDECAR_SUFFIX}",
            )
        section_index = names.index("section") if "section" in names else None
        return cls(text_index, meta_index, section_index)

    def block(
        self, row: list[Cell], meta: DocumentMeta, level: str, where: str, location: str
    ) -> RawBlock | RowRejection:
        cells = [clean_text(_cell_text(cell)) for cell in row]
        payload = PAYLOAD_SEPARATOR.join(cells)
        text = cells[self.text_index] if self.text_index < len(cells) else ""
        if not text:
            return RowRejection(
                "empty_text", f"unit column #{self.text_index + 1} is empty", location, payload
            )
        values = {key: cells[index] for key, index in self.meta_index.items() if index < len(cells)}
        row_meta = meta.overlay(DocumentMeta(**values))
        if not row_meta.institution:
            return RowRejection(
                "missing_institution",
                "row names no institution and the document sets none",
                location,
                payload,
            )
        if level != "L0" and not row_meta.parent:
            return RowRejection("missing_parent", f"{level} row names no parent unit", location, payload)
        in_range = self.section_index is not None and self.section_index < len(cells)
        return RawBlock(
            text=text,
            institution=row_meta.institution,
            url=row_meta.url or f"file:{where}",
            section=cells[self.section_index] if in_range and self.section_index is not None else "",
            parent_hint=row_meta.parent,
            fetched_at=row_meta.fetched_at,
            language=row_meta.language,
            location=location,
        )


def _is_blank(row: Sequence[Cell]) -> bool:
    # openpyxl pads missing rows with None; the count is C-speed for a million padded rows
    return row.count(None) == len(row) or not any(clean_text(_cell_text(cell)) for cell in row)


def read_csv(
    text: str, meta: DocumentMeta, level: str, where: str, delimiter: str | None = None
) -> Iterator[RawBlock | RowRejection]:
    """Rows of a CSV/TSV; the delimiter is the one under which the header names a unit column."""
    first_line = next((line for line in text.split("\n") if line.strip()), "")
    delimiter = delimiter or detect_delimiter(first_line) or ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    layout: TableLayout | None = None
    physical_lines: list[str] | None = None
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            physical_lines = physical_lines or text.split("\n")
            line = physical_lines[min(reader.line_num, len(physical_lines)) - 1]
            yield RowRejection(
                "malformed_csv", f"{exc}", f"{where}:{reader.line_num}", line or "<end of file>"
            )
            continue
        if _is_blank(row):
            continue
        if layout is None:
            layout = TableLayout.from_header(row, meta, level, where)
            continue
        yield layout.block(row, meta, level, where, f"{where}:{reader.line_num}")
    if layout is None:
        raise DocumentError("empty_document", f"{where}: no header row")


def _open_workbook(data: bytes, where: str) -> "Workbook":
    # imported on the first workbook: openpyxl is a fifth of a second of every worker's start-up, and
    # most corpora hold no XLSX
    from openpyxl import load_workbook

    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl surfaces zip, zlib, XML and KeyError failures of broken files
        raise DocumentError(
            "corrupt_xlsx", f"{where}: not a readable XLSX workbook ({exc.__class__.__name__}: {exc})"
        ) from exc


def check_inflated_size(data: bytes, limit: int, where: str) -> None:
    """Refuse a ZIP container whose members inflate past `limit` before anything is decompressed.

    zipfile never yields more than a member's declared size (and fails the CRC if the stream is
    longer), so the declared sizes bound what parsing could inflate; every member counts, since the
    workbook's manifest may give shared strings any name.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocumentError("corrupt_xlsx", f"{where}: not a readable ZIP container ({exc})") from exc
    total = sum(member.file_size for member in members)
    if total > limit:
        largest = max(members, key=lambda member: member.file_size)
        raise DocumentError(
            "budget_exceeded",
            f"{where}: decompressed_bytes: parts inflate to {total} bytes > max_decompressed_bytes {limit} "
            f"(largest {largest.filename!r}: {largest.file_size} bytes)",
        )


def read_xlsx(
    data: bytes, meta: DocumentMeta, level: str, where: str, policy: RawExtractionPolicy
) -> Iterator[RawBlock | RowRejection]:
    """Every worksheet in order, each with its own header row; a sheet without one is rejected alone,
    and a workbook where no sheet has one is refused.

    A sheet's declared dimension is not trusted (`A1:XFD1048576` would pad every row to 16,384
    cells): rows are read as stored, at most `max_table_columns` wide.
    """
    check_inflated_size(data, policy.max_decompressed_bytes, where)
    workbook = _open_workbook(data, where)
    usable = 0
    sheet_errors: list[tuple[str, DocumentError, str]] = []
    try:
        for sheet in workbook.worksheets:
            sheet_where = f"{where}#{sheet.title}"
            layout: TableLayout | None = None
            sheet.reset_dimensions()
            rows = sheet.iter_rows(values_only=True, max_col=policy.max_table_columns)
            for number, row in enumerate(rows, start=1):
                if _is_blank(row):
                    continue
                cells = list(row)
                if layout is None:
                    try:
                        layout = TableLayout.from_header(cells, meta, level, sheet_where)
                    except DocumentError as exc:
                        header = PAYLOAD_SEPARATOR.join(clean_text(_cell_text(cell)) for cell in cells)
                        sheet_errors.append((sheet_where, exc, header))
                        break
                    usable += 1
                    continue
                yield layout.block(cells, meta, level, where, f"{sheet_where}:{number}")
    except Exception as exc:  # a sheet's XML or its compressed stream is damaged
        raise DocumentError(
            "corrupt_xlsx", f"{where}: a worksheet cannot be read ({exc.__class__.__name__}: {exc})"
        ) from exc
    finally:
        workbook.close()
    if not usable:
        if sheet_errors:
            raise sheet_errors[0][1]
        raise DocumentError("empty_document", f"{where}: no worksheet has any rows")
    for sheet_where, error, header in sheet_errors:
        yield RowRejection(error.reason, error.detail, sheet_where, header)
