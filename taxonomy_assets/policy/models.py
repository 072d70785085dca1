"""The effective policy: every section of SPEC §4 as a strict, frozen pydantic model."""

import re
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from taxonomy_assets.levels import LEVELS, Level
from taxonomy_assets.policy.base import StrictModel
from taxonomy_assets.policy.concept_sections import (
    ConceptPolicy,
    ConsolidationPolicy,
    FamilyLexicon,
    VenuePolicy,
)
from taxonomy_assets.policy.text_sections import ExtractionPolicy, LabelPolicy, VerificationPolicy


class LevelThresholds(StrictModel):
    """Support a label needs at one level to survive S2, and its weight formula constants."""

    min_institutions: int = Field(ge=1)
    min_src_count: int = Field(ge=1)
    institution_weight: float = Field(1.0, ge=0.0)
    source_weight: float = Field(0.3, ge=0.0)


class RawExtractionPolicy(StrictModel):
    """S0 block filters, language thresholds, HTML boilerplate markers and shard size."""

    min_chars: int = Field(2, ge=1)
    max_chars: int = Field(400, ge=2)
    max_document_bytes: int = Field(
        5_000_000, ge=1, description="Larger documents are quarantined whole, without being read."
    )
    max_decompressed_bytes: int = Field(
        50_000_000,
        ge=1,
        description="A container (XLSX) whose parts inflate to more is quarantined as budget_exceeded "
        "before anything is decompressed.",
    )
    max_document_seconds: float = Field(
        30.0,
        gt=0,
        description="Wall time to read and filter one document; the reading process is killed past it and "
        "the document quarantined as budget_exceeded.",
    )
    max_document_memory_bytes: int = Field(
        512 * 1024 * 1024,
        ge=32 * 1024 * 1024,
        description="Memory the reading process may add while reading one document (data segment above "
        "its size when it started); past it the document is quarantined as budget_exceeded.",
    )
    max_document_blocks: int = Field(
        200_000, ge=1, description="Blocks (rows, list items, lines) one document may yield."
    )
    max_table_columns: int = Field(
        256,
        ge=1,
        description="Worksheet columns read; a sheet's declared dimension is not trusted, cells further "
        "right are ignored.",
    )
    languages: list[str] = Field(
        default_factory=lambda: ["en"],
        description="Target languages (ISO 639-1); empty keeps every language. Blocks are tagged either way.",
    )
    language_min_confidence: float = Field(
        0.98,
        ge=0.0,
        le=1.0,
        description="Detector probability needed to tag a block's language or drop it as wrong_language.",
    )
    language_min_chars: int = Field(
        80,
        ge=1,
        description="Shorter blocks (unit names) never drop as wrong_language; detectors misjudge them.",
    )
    min_alpha_ratio: float = Field(0.5, ge=0.0, le=1.0, description="Share of letters among non-space chars.")
    disallowed_character_categories: list[str] = Field(
        default_factory=lambda: ["Cc", "Cs", "Co", "Cn"],
        description="Unicode general categories that make a block invalid_characters (U+FFFD always does).",
    )
    boilerplate_patterns: list[str] = Field(
        default_factory=list, description="Regexes; a matching block drops."
    )
    html_boilerplate_markers: list[str] = Field(
        default_factory=list,
        description="Regexes matched against each class name and the id of an HTML element; a match drops "
        "the element with everything inside it (cookie banners, menus, breadcrumbs).",
    )
    near_duplicate_threshold: float = Field(0.9, gt=0.0, le=1.0)
    shard_size: int = Field(1000, ge=1)

    UNICODE_CATEGORIES: ClassVar[frozenset[str]] = frozenset(
        {"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe"}
        | {"Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn"}
    )

    @model_validator(mode="after")
    def _settings_are_usable(self) -> "RawExtractionPolicy":
        if self.min_chars > self.max_chars:
            raise ValueError(f"min_chars {self.min_chars} exceeds max_chars {self.max_chars}")
        for pattern in [*self.boilerplate_patterns, *self.html_boilerplate_markers]:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a valid regex: {exc}") from exc
        unknown = sorted(set(self.disallowed_character_categories) - self.UNICODE_CATEGORIES)
        if unknown:
            raise ValueError(f"unknown Unicode general categories {unknown}; use two-letter codes such as Cc")
        return self


class InstitutionPolicy(StrictModel):
    """Identity resolution for institutions before S2 counts them."""

    aliases: dict[str, str] = Field(default_factory=dict, description="Alias -> canonical institution name.")
    systems: dict[str, list[str]] = Field(
        default_factory=dict, description="System name -> its campuses, e.g. University of California."
    )
    count_campuses_separately: bool = True
    unknown_placeholder: str = "__unknown__"
    venues: VenuePolicy = Field(default_factory=VenuePolicy, description="Venue levels and edition folding.")


class HierarchyPolicy(StrictModel):
    """How parents are resolved and what happens to concepts without one (SPEC §7)."""

    orphan_strategy: Literal["quarantine", "placeholder"] = "quarantine"
    cross_listing: Literal["single_parent"] = "single_parent"
    multi_parent_exceptions: list[str] = Field(
        default_factory=list, description="Normalized labels allowed to keep every resolved parent."
    )
    preview_nodes: int = Field(40, ge=1, description="Lines of the tree shown in the UI preview.")
    families: FamilyLexicon = Field(
        default_factory=FamilyLexicon, description="Discipline families: parents are chosen by meaning first."
    )


class LlmPolicy(StrictModel):
    """The optional LLM provider; the API key never lives here (it comes from the environment)."""

    provider: Literal["rules", "openai"] = "rules"
    model: str = "gpt-4o-mini"
    base_url: str | None = None
    temperature: float = Field(0.0, ge=0.0, le=0.0)
    seed: int = 20261125
    max_tokens: int = Field(512, ge=16)
    retries: int = Field(3, ge=0)
    timeout_seconds: float = Field(30.0, gt=0)
    max_concurrent_requests: int = Field(4, ge=1, le=64, description="Requests in flight per step.")
    cache: bool = True


class Policy(StrictModel):
    """All sections, validated together; `policy_version` names the reviewed release of this file."""

    policy_version: str = Field(min_length=1)
    levels: dict[Level, LevelThresholds]
    label: LabelPolicy
    extraction: ExtractionPolicy
    raw_extraction: RawExtractionPolicy
    institutions: InstitutionPolicy
    verification: VerificationPolicy
    hierarchy: HierarchyPolicy
    llm: LlmPolicy
    concepts: ConceptPolicy = Field(default_factory=ConceptPolicy)
    consolidation: ConsolidationPolicy = Field(default_factory=ConsolidationPolicy)

    @model_validator(mode="after")
    def _every_level_has_thresholds(self) -> "Policy":
        missing = [level for level in LEVELS if level not in self.levels]
        if missing:
            raise ValueError(f"levels: thresholds missing for {', '.join(missing)}")
        return self
