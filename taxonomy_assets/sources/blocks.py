"""What a reader yields: raw blocks of text with the document facts they inherit, or row rejections.

Every reader passes its text through `clean_text`, so a block's text is never empty, is NFC, and has
its whitespace collapsed to single spaces; the same unit written two ways then gets one record id.
Text is also made safe to write anywhere: format characters (Unicode category Cf: zero-width spaces
and joiners, soft hyphens, bidi embeddings, overrides and isolates, tag characters) are removed, since
they are invisible, split equal names and can reorder or hide what a label says; lone surrogates
(from `\\udfff` escapes in JSON or YAML, or `_xDFFF_` in XLSX) cannot be encoded as UTF-8 and become
U+FFFD, which the block filter rejects as `invalid_characters`.
"""

import re
import unicodedata
from dataclasses import dataclass

WHITESPACE = re.compile(r"\s+")
SECTION_SEPARATOR = " > "
REPLACEMENT_CHARACTER = "\ufffd"
SURROGATE = re.compile("[\ud800-\udfff]")
# Format characters live in planes 0, 1 and 14 (tags); scanning those is enough and takes ~20 ms once.
_FORMAT_PLANES = (range(0x20000), range(0xE0000, 0xE1000))


def _format_character_class() -> str:
    ranges: list[tuple[int, int]] = []
    for plane in _FORMAT_PLANES:
        for code in plane:
            if unicodedata.category(chr(code)) != "Cf":
                continue
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(
        re.escape(chr(low)) + ("-" + re.escape(chr(high)) if high > low else "") for low, high in ranges
    )


INVISIBLE = re.compile(f"[{_format_character_class()}]")


class DocumentError(ValueError):
    """A whole document cannot be used; `reason` is a short machine-readable quarantine reason."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def clean_text(text: str) -> str:
    """NFC, lone surrogates -> U+FFFD, format characters removed, whitespace runs collapsed, ends trimmed."""
    if text.isascii():  # no surrogate, format character or composable pair in ASCII: only whitespace to do
        if "  " not in text and text.isprintable():  # its only whitespace is single spaces
            return text.strip()
        return WHITESPACE.sub(" ", text).strip()
    text = SURROGATE.sub(REPLACEMENT_CHARACTER, text)
    return WHITESPACE.sub(" ", INVISIBLE.sub("", unicodedata.normalize("NFC", text))).strip()


def writable(text: str) -> str:
    """`text` with lone surrogates replaced, so it encodes as UTF-8 (for details and payloads)."""
    return SURROGATE.sub(REPLACEMENT_CHARACTER, text)


def with_heading(headings: list[str], depth: int, text: str) -> list[str]:
    """Heading path after a heading of `depth` (1-based): deeper ones close, skipped depths stay empty."""
    kept = headings[: depth - 1]
    return [*kept, *[""] * (depth - 1 - len(kept)), text]


def section_path(headings: list[str]) -> str:
    return SECTION_SEPARATOR.join(heading for heading in headings if heading)


@dataclass(frozen=True)  # no slots: pickled per block from the reader, 2x faster without
class RawBlock:
    """One candidate record before filtering: a unit name, a list item, a table cell or a paragraph."""

    text: str
    institution: str
    url: str
    section: str = ""
    parent_hint: str = ""
    fetched_at: str = ""
    language: str = ""
    location: str = ""


@dataclass(frozen=True, slots=True)
class RowRejection:
    """A single bad row or line inside an otherwise usable document (e.g. a malformed JSONL line)."""

    reason: str
    detail: str
    location: str
    payload: str = ""
