"""Which reader a document needs, judged by its bytes and text as well as its file name.

Snapshots arrive misnamed: a saved web page ends in `.txt`, a spreadsheet export in `.csv` is an
XLSX, a PDF or an image gets a text extension. Containers are recognised by magic bytes before any
decoding (a password-protected XLSX is an OLE2 file holding an `EncryptedPackage` stream); after
decoding, HTML markup wins over a text-ish suffix, and files without a known suffix are sniffed.
"""

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Literal

from taxonomy_assets.sources.blocks import DocumentError
from taxonomy_assets.sources.tabular import detect_delimiter

TextFormat = Literal["csv", "jsonl", "html", "markdown", "text"]

TEXT_SUFFIXES: dict[str, TextFormat] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
}
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
BINARY_SIGNATURES = (
    (b"%PDF-", "PDF document"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
)
SNIFF_CHARS = 4096
HTML_START = re.compile(
    r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S
)
HTML_SKELETON = re.compile(r"<(?:html|head|body)\b[^>]*>", re.I)


def _is_workbook_zip(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def container_format(path: Path, data: bytes, where: str) -> Literal["xlsx"] | None:
    """'xlsx' for workbooks, None for text to decode; DocumentError for containers no reader takes."""
    is_xlsx_name = path.suffix.lower() in XLSX_SUFFIXES
    if data.startswith(OLE2_MAGIC):
        if ENCRYPTED_PACKAGE in data:
            raise DocumentError(
                "encrypted_xlsx", f"{where}: the workbook is password-protected; save an unprotected copy"
            )
        raise DocumentError(
            "unsupported_format",
            f"{where}: a legacy Office (OLE2) file such as .xls; save it as .xlsx or CSV",
        )
    if data.startswith(ZIP_MAGIC):
        if is_xlsx_name or _is_workbook_zip(data):
            return "xlsx"
        raise DocumentError("unsupported_format", f"{where}: a ZIP archive that holds no XLSX workbook")
    for signature, kind in BINARY_SIGNATURES:
        if data.startswith(signature):
            raise DocumentError("binary_content", f"{where}: {kind} data, not a text document")
    if is_xlsx_name:
        raise DocumentError("corrupt_xlsx", f"{where}: not a ZIP container, so not an XLSX workbook")
    return None


def _first_line_is_json_object(head: str) -> bool:
    first = next((line for line in head.split("\n") if line.strip()), "")
    try:
        return isinstance(json.loads(first), dict)
    except (ValueError, RecursionError):
        return False


def text_format(path: Path, text: str) -> TextFormat:
    """Reader for decoded text: HTML markup wins over text-ish suffixes; unknown suffixes are sniffed."""
    by_suffix = TEXT_SUFFIXES.get(path.suffix.lower())
    head = text[:SNIFF_CHARS]
    if HTML_START.match(head) or (by_suffix in (None, "text") and HTML_SKELETON.search(head)):
        return "html"
    if by_suffix is not None:
        return by_suffix
    if _first_line_is_json_object(head):
        return "jsonl"
    first_line = head.lstrip().split("\n", 1)[0]
    if detect_delimiter(first_line) is not None:
        return "csv"
    return "text"
