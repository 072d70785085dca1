"""One document from bytes to verdicts: read it, judge every block, flag near-duplicates.

This is all the work that depends on a document's content, so S0 runs it inside the reader process
under the per-document budget (`reader_process`), down to the JSONL line of each kept block's record
(`record_lines`); the step itself only writes the lines and turns the dropped blocks into quarantine
entries. A document is taken whole or not at all, so the answer is either a `JudgedDocument` with the
verdict of every block or one `DocumentFailure`.
"""

from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path

from taxonomy_assets.levels import Level
from taxonomy_assets.policy.models import RawExtractionPolicy
from taxonomy_assets.sources.block_filters import BlockFilter, NearDuplicateFilter
from taxonomy_assets.sources.blocks import (
    REPLACEMENT_CHARACTER,
    DocumentError,
    RawBlock,
    RowRejection,
    writable,
)
from taxonomy_assets.sources.readers import read_document
from taxonomy_assets.sources.record_lines import SourceRecordLines

PAYLOAD_CHARS = 500
# Block fields besides the text that end up in records; U+FFFD there means an unencodable character.
META_FIELDS = ("institution", "parent_hint", "section", "url", "fetched_at", "language")
_meta_values = attrgetter(*META_FIELDS)


@dataclass(frozen=True, slots=True)
class DocumentJob:
    name: str
    path: Path
    sidecar: Path | None = None


@dataclass(frozen=True)  # no slots: pickled per block from the reader, 2x faster without
class DroppedBlock:
    reason: str
    detail: str
    payload: str


@dataclass(frozen=True, slots=True)
class DocumentFailure:
    reason: str
    detail: str


@dataclass(frozen=True)
class JudgedDocument:
    """The verdicts on a document's blocks: each kept block as its SourceRecord line (in order), the kept
    blocks counted by language, and the dropped ones (in order). Plain strings, so the reader's answer
    pickles as one list of lines rather than an object per block."""

    lines: list[str]
    languages: dict[str, int]
    dropped: list[DroppedBlock]


Verdicts = JudgedDocument | DocumentFailure


def _unencodable_field(block: RawBlock) -> str | None:
    if REPLACEMENT_CHARACTER not in "".join(_meta_values(block)):  # nearly always: one scan, not six
        return None
    return next((name for name in META_FIELDS if REPLACEMENT_CHARACTER in getattr(block, name)), None)


class DocumentJudge:
    """Callable the reader process runs per document; holds the level's policy and filters."""

    def __init__(self, level: Level, policy: RawExtractionPolicy) -> None:
        self.level = level
        self.policy = policy
        self.block_filter = BlockFilter(policy)

    def read(self, job: DocumentJob) -> list[RawBlock | RowRejection]:
        items: list[RawBlock | RowRejection] = []
        limit = self.policy.max_document_blocks
        for item in read_document(
            job.path, job.name, self.level, self.policy, job.sidecar, look_beside=False
        ):
            items.append(item)
            if len(items) > limit:
                raise DocumentError(
                    "budget_exceeded", f"{job.name}: blocks: more than max_document_blocks {limit} blocks"
                )
        if not items:
            raise DocumentError(
                "no_records", f"{job.name}: the document holds no blocks (only metadata, a header or markup)"
            )
        return items

    def __call__(self, job: DocumentJob) -> Verdicts:
        try:
            return self.judge(self.read(job), job.name)
        except DocumentError as exc:
            return DocumentFailure(exc.reason, writable(exc.detail))
        except MemoryError:
            raise
        except Exception as exc:  # a reader bug (a record field that is not text) or exotic input
            return DocumentFailure("reader_error", writable(f"{job.name}: {exc.__class__.__name__}: {exc}"))

    def judge(self, items: list[RawBlock | RowRejection], source_file: str) -> JudgedDocument:
        records = SourceRecordLines(self.level, source_file)
        judged = JudgedDocument([], {}, [])
        duplicates = NearDuplicateFilter(
            self.policy.near_duplicate_threshold, (item.text for item in items if isinstance(item, RawBlock))
        )
        for item in items:
            if isinstance(item, RowRejection):
                judged.dropped.append(_dropped(item.reason, f"{item.location}: {item.detail}", item.payload))
                continue
            verdict = self.block_filter.judge(item.text, item.language)
            reason, detail = verdict.reason, f"{item.location}: {verdict.detail}"
            field = _unencodable_field(item) if reason is None else None
            if field is not None:
                reason = "invalid_characters"
                detail = f"{item.location}: {field} contains U+FFFD (an unencodable or undecodable character)"
            if reason is None and duplicates.is_duplicate(item.text, (item.institution, item.parent_hint)):
                reason, detail = "near_duplicate", f"{item.location}: repeats an earlier block"
            if reason is None:
                judged.lines.append(records.line(item, verdict.language))
                judged.languages[verdict.language] = judged.languages.get(verdict.language, 0) + 1
            else:
                judged.dropped.append(_dropped(reason, detail, item.text))
        return judged


def _dropped(reason: str, detail: str, payload: str) -> DroppedBlock:
    return DroppedBlock(reason, writable(detail), writable(payload[:PAYLOAD_CHARS]))
