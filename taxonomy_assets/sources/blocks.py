"""What a reader yields: raw blocks of text with the document facts they inherit, or row rejections.

Every reader passes its text through `clean_text`, so a block's text is never empty, is NFC, and has
its whitespace collapsed to single spaces; the same unit written two ways then gets one record id.
"""

import re
import unicodedata
from dataclasses import dataclass

WHITESPACE = re.compile(r"\s+")
SECTION_SEPARATOR = " > "
# Invisible characters that split otherwise equal names ("Physics\u200b" vs "Physics").
INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


class DocumentError(ValueError):
    """A whole document cannot be used; `reason` is a short machine-readable quarantine reason."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def clean_text(text: str) -> str:
    """NFC, invisible characters removed, whitespace runs collapsed to one space, ends trimmed."""
    return WHITESPACE.sub(" ", INVISIBLE.sub("", unicodedata.normalize("NFC", text))).strip()


def with_heading(headings: list[str], depth: int, text: str) -> list[str]:
    """Heading path after a heading of `depth` (1-based): deeper ones close, skipped depths stay empty."""
    kept = headings[: depth - 1]
    return [*kept, *[""] * (depth - 1 - len(kept)), text]


def section_path(headings: list[str]) -> str:
    return SECTION_SEPARATOR.join(heading for heading in headings if heading)


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class RowRejection:
    """A single bad row or line inside an otherwise usable document (e.g. a malformed JSONL line)."""

    reason: str
    detail: str
    location: str
    payload: str = ""
