"""Data contracts between stages (SPEC §5). Each model is also the column list of its artifact."""

import functools
import hashlib
import json
from collections.abc import Sequence
from json.encoder import encode_basestring
from typing import Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field

from taxonomy_assets.levels import Level


class Contract(BaseModel):
    """Rows are plain data: no extra fields sneak in, and instances are immutable once built."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# Built once: json.dumps with any non-default option builds a new encoder per call, which costs more
# than encoding a short row.
_CANONICAL_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def stable_id(*parts: str, length: int = 16) -> str:
    """A short, stable hash of its parts; parts are joined unambiguously so ('a','bc') != ('ab','c')."""
    return stable_id_of_spelled(list(map(encode_basestring, parts)), length)


def stable_id_of_spelled(spelled: Sequence[str], length: int = 16) -> str:
    """`stable_id` of parts already spelled as JSON strings (`encode_basestring`).

    The parts are hashed as `json.dumps(list(parts), ensure_ascii=False)` spells them, built from the
    string encoder that json uses for them: every S0 record gets an id, and a JSONEncoder call sets up a
    new C encoder each time (40% of the id's cost). S0 spells a record's fields once, for its id and
    its line."""
    return hashlib.sha256(("[" + ", ".join(spelled) + "]").encode("utf-8")).hexdigest()[:length]


class SourceRecord(Contract):
    """One block of source text (a unit name, a list item, a paragraph) with where it came from."""

    record_id: str
    level: Level
    text: str
    institution: str
    url: str
    section: str = ""
    parent_hint: str = ""
    fetched_at: str = ""
    language: str = ""
    source_file: str

    @staticmethod
    def make_id(institution: str, url: str, section: str, text: str) -> str:
        return stable_id(institution, url, section, text)


class ExtractedLabel(Contract):
    """One research field read from a text by an extractor, before it becomes a Candidate row."""

    label: str
    normalized: str
    aliases: list[str] = Field(default_factory=list)


class Candidate(Contract):
    """S1 row: one record x one extracted label, with the normalized parent anchor carried along."""

    level: Level
    label: str
    normalized: str
    concept_key: str = Field(
        description="Canonical key of the concept (plural, spelling, synonyms folded); S2 groups on it."
    )
    aliases: list[str]
    parent_anchor: str
    parent_anchor_labels: list[str] = Field(
        description="Concept keys of the parent level read from the parent hint; the hierarchy matches these."
    )
    record_id: str
    institution: str
    extractor: str
    confidence: float
    snippet: str
    text_key: str = Field(description="Fingerprint of the record text; mirrored pages share it.")


class FrequencyRow(Contract):
    """S2 row: support of one concept (canonical key) at one level, kept or dropped with the reason.

    `normalized` is the spelling most institutions use; `variants` lists every normalized spelling
    folded into the key with its record count.
    """

    level: Level
    concept_key: str
    normalized: str
    label: str
    inst_count: int
    src_count: int
    weight: float
    institutions: list[str]
    parent_anchors: dict[str, int]
    parent_anchor_groups: dict[str, int] = Field(
        description="Parent readings as recorded ('arts | sciences') -> distinct institutions; a reading "
        "with one label is an unambiguous vote for that parent."
    )
    variants: dict[str, int]
    aliases: list[str]
    record_ids: list[str]
    snippets: list[str]
    kept: bool
    drop_reason: str


VerificationMethod = Literal["rule", "llm", "bypass"]


class Verdict(Contract):
    """The verifier's decision about one label, with the gates it passed and why it ended where it did."""

    passed: bool
    gates: list[str]
    reason: str
    method: VerificationMethod


class Concept(Contract):
    """S3 row: a verified (or rejected) concept with a stable id; consolidation fills the merge fields."""

    concept_id: str
    level: Level
    concept_key: str
    normalized: str
    label: str
    aliases: list[str]
    variants: dict[str, int]
    parent_anchors: dict[str, int]
    parent_anchor_groups: dict[str, int]
    inst_count: int
    src_count: int
    weight: float
    passed: bool
    gates: list[str]
    reasons: list[str]
    min_institutions: int
    min_src_count: int
    verification_method: VerificationMethod
    institutions: list[str] = Field(default_factory=list)
    merged_from: list[str] = Field(
        default_factory=list, description="Concept keys consolidation merged into this one."
    )
    merge_reasons: list[str] = Field(default_factory=list, description="Why, one per `merged_from` entry.")
    split_from: str = Field("", description="Concept key this concept was split from by parent context.")

    @staticmethod
    def make_id(level: str, concept_key: str) -> str:
        return stable_id(level, concept_key)

    @classmethod
    def judged(
        cls,
        level: Level,
        row: FrequencyRow,
        verdict: Verdict,
        reasons: list[str],
        min_institutions: int,
        min_src_count: int,
    ) -> "Concept":
        """The concept S2's `row` becomes once the verifier has judged it (S3, and consolidation when
        joined phrasings reach the thresholds)."""
        return cls(
            concept_id=cls.make_id(level, row.concept_key),
            level=level,
            concept_key=row.concept_key,
            normalized=row.normalized,
            label=row.label,
            aliases=row.aliases,
            variants=row.variants,
            parent_anchors=row.parent_anchors,
            parent_anchor_groups=row.parent_anchor_groups,
            inst_count=row.inst_count,
            src_count=row.src_count,
            weight=row.weight,
            passed=verdict.passed,
            gates=verdict.gates,
            reasons=reasons,
            min_institutions=min_institutions,
            min_src_count=min_src_count,
            verification_method=verdict.method,
            institutions=row.institutions,
        )


class ConceptMerge(Contract):
    """One consolidation decision: a concept merged into another, or split off by its parent context."""

    level: Level
    kind: Literal["spelling", "merge", "split"]
    source_key: str
    source_label: str
    target_key: str
    target_label: str
    reason: str


class HierarchyNode(Contract):
    """A node of the assembled tree; `path` lists labels from L0 down to this node."""

    concept_id: str
    level: Level
    label: str
    parent_id: str | None
    path: list[str]
    parent_alternatives: list[str] = Field(default_factory=list)
    parent_basis: str = Field("", description="Why this parent was chosen (meaning, votes, support).")


class HierarchyEdge(Contract):
    """Parent -> child link; `kind` is `primary` or `cross_listed` (a policy multi-parent exception)."""

    parent_id: str
    child_id: str
    child_level: Level
    kind: Literal["primary", "cross_listed"]
    support: int
    basis: str = ""


class Orphan(Contract):
    """A passed concept whose parent could not be resolved, with the anchors that were tried."""

    concept_id: str
    level: Level
    label: str
    reason: str
    anchors: list[str]


class QuarantineEntry(Contract):
    """Something a stage could not use, kept with the reason so nothing is lost silently."""

    stage: str
    level: str
    reason: str
    detail: str = ""
    source_file: str = ""
    record_id: str = ""
    payload: str = ""


def canonical_json(value: object) -> str:
    """One deterministic JSON text: sorted keys, no spaces, UTF-8 kept as is."""
    return _CANONICAL_ENCODER.encode(value)


# JSON lets these line separators stand raw inside strings; escaped, no line-oriented reader (Python's
# str.splitlines, editors, jq) can split one record into two.
LINE_SEPARATOR_ESCAPES = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def to_json_line(row: BaseModel) -> str:
    """The row's canonical JSON on one line. Rows whose fields are all text (source records, the bulk of
    every run) are filled into their contract's line template: the same bytes, 10x faster."""
    fields = _text_fields(type(row))
    if fields is not None:
        return text_row_lines(type(row)).line(tuple(encode_basestring(getattr(row, name)) for name in fields))
    return _one_line(canonical_json(row.model_dump(mode="json")))


def _one_line(text: str) -> str:
    # the separators are not ASCII: most lines have none to escape and skip the per-character table
    return (text if text.isascii() else text.translate(LINE_SEPARATOR_ESCAPES)) + "\n"


class TextRowLines:
    """Canonical JSON lines of a contract whose fields all hold text, from each field's JSON spelling.

    A template with the keys in sorted order (`fields`), filled with `encode_basestring(value)` per
    field, gives the bytes of `canonical_json` (then the line-separator escapes and the newline). A
    caller that needs a spelling for something else too (S0 hashes a record's id from the same
    spellings) makes it once."""

    def __init__(self, model: type[BaseModel]) -> None:
        fields = _text_fields(model)
        if fields is None:
            raise TypeError(f"{model.__name__} has fields that do not hold text")
        self.fields = fields
        self._template = "{" + ",".join(f"{encode_basestring(name)}:%s" for name in fields) + "}"

    def line(self, spelled: tuple[str, ...]) -> str:
        """The line of the row whose fields, in `fields` order, `spelled` holds as JSON strings."""
        if len(spelled) != len(self.fields):
            raise ValueError(f"{len(spelled)} values for the {len(self.fields)} fields {self.fields}")
        return _one_line(self._template % spelled)


@functools.cache
def text_row_lines(model: type[BaseModel]) -> TextRowLines:
    return TextRowLines(model)


def _is_text(annotation: object) -> bool:
    if annotation is str:
        return True
    return get_origin(annotation) is Literal and all(isinstance(arg, str) for arg in get_args(annotation))


@functools.cache
def _text_fields(model: type[BaseModel]) -> tuple[str, ...] | None:
    """The model's field names in sorted order when every field holds text, else None."""
    fields = model.model_fields
    if not all(_is_text(field.annotation) for field in fields.values()):
        return None
    return tuple(sorted(fields))
