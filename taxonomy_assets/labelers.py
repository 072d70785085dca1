"""What S1 and S3 need from a labeler, whichever provider (rules or an LLM) implements it."""

from typing import Protocol

from taxonomy_assets.contracts import ExtractedLabel, Verdict
from taxonomy_assets.levels import Level


class LabelingError(RuntimeError):
    """One item the labeler could not handle (e.g. an LLM reply that stayed invalid); it is quarantined."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class Extractor(Protocol):
    name: str

    def extract(self, text: str, level: Level) -> list[ExtractedLabel]: ...


class Verifier(Protocol):
    name: str

    def verify(self, label: str, level: Level) -> Verdict: ...
