"""What a reader yields: raw blocks of text with the document facts they inherit, or row rejections."""

from dataclasses import dataclass


class DocumentError(ValueError):
    """A whole document cannot be used; `reason` is a short machine-readable quarantine reason."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


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
