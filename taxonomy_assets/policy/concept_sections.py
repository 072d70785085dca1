"""Policy sections about concept identity: canonical keys, department contexts, consolidation, families.

A concept is a research field, not a spelling: these sections say which surface forms name the same
field (plural, British spelling, synonyms), how a bare heading is read inside its department, when two
surviving concepts are near-duplicates, and which family of disciplines a field belongs to.
"""

import re

from pydantic import Field, model_validator

from taxonomy_assets.levels import LEVELS, Level
from taxonomy_assets.policy.base import StrictModel


class PluralPolicy(StrictModel):
    """How a word is folded to its singular in concept keys ('databases' and 'database' are one key)."""

    invariant: list[str] = Field(
        default_factory=list,
        description="Words kept as written: plurals that name another field ('arts' is not 'art').",
    )
    irregular: dict[str, str] = Field(
        default_factory=dict, description="Plural -> singular where the suffix rules would be wrong."
    )


class SpellingPolicy(StrictModel):
    """British/American and other spelling variants folded in keys ('modelling' -> 'modeling')."""

    words: dict[str, str] = Field(default_factory=dict, description="Variant word -> canonical word.")
    suffixes: dict[str, str] = Field(
        default_factory=dict,
        description="Word ending -> canonical ending, for regular patterns ('isation' -> 'ization').",
    )


class SynonymGroup(StrictModel):
    """Labels that name one field; the key of `canonical` stands for all of them."""

    canonical: str = Field(min_length=1)
    variants: list[str] = Field(min_length=1)
    levels: list[Level] = Field(
        default_factory=lambda: list(LEVELS), description="Levels where the variants mean the canonical."
    )


class DepartmentContext(StrictModel):
    """How a bare heading is read inside one kind of department ('Systems' in computer science)."""

    fields: list[str] = Field(
        min_length=1, description="Parent labels this context applies to (normalized field names)."
    )
    head: str = Field(
        "", description="Appended to a heading made only of modifiers: 'Organic' -> organic chemistry."
    )
    adjective: str = Field(
        "", description="Put before a generic noun heading: 'Theory' in economics -> economic theory."
    )
    qualify: dict[str, str] = Field(
        default_factory=dict, description="Heading -> the field it names here: 'vision' -> computer vision."
    )


class ContextPolicy(StrictModel):
    """Generic headings qualified by the department they belong to (SPEC §6 S1)."""

    levels: list[Level] = Field(
        default_factory=lambda: ["L1", "L2", "L3"], description="Levels whose headings are qualified."
    )
    adjective_nouns: list[str] = Field(
        default_factory=list,
        description="Generic nouns that take the department's adjective: theory, analysis, logic.",
    )
    joined_prefixes: list[str] = Field(
        default_factory=list,
        description="Prefixes joined to the department head without a space: 'Macro' in economics -> "
        "macroeconomics.",
    )
    contexts: list[DepartmentContext] = Field(default_factory=list)


class ConceptPolicy(StrictModel):
    """Canonical concept keys (what S2 counts support for) and department contexts."""

    key_stopwords: list[str] = Field(
        default_factory=lambda: ["and", "the"],
        description="Words dropped from keys, so '&' and 'and' or 'The' never split a concept.",
    )
    plural: PluralPolicy = Field(default_factory=PluralPolicy)
    spelling: SpellingPolicy = Field(default_factory=SpellingPolicy)
    synonyms: list[SynonymGroup] = Field(default_factory=list)
    contexts: ContextPolicy = Field(default_factory=ContextPolicy)


class ConsolidationPolicy(StrictModel):
    """When two concepts of one level are merged, and when one is split (SPEC §6 consolidation)."""

    light_tails: list[str] = Field(
        default_factory=list,
        description="Trailing nouns that add nothing to a field name when the rest is a concept: "
        "'learned index structures' -> learned indexes.",
    )
    typo_min_chars: int = Field(
        6, ge=3, description="A word must be this long before a one-letter difference counts as a typo."
    )
    typo_protected_prefix: int = Field(
        4, ge=0, description="Letters at the start of a word that may not differ (micro/macro, hyper/hypo)."
    )
    acronym_max_chars: int = Field(6, ge=2, description="Longest acronym matched against initials.")
    context_dependent_heads: list[str] = Field(
        default_factory=list,
        description="Headings whose meaning depends on the parent ('theory', 'systems'); split when their "
        "parents belong to different families.",
    )
    complement_levels: list[Level] = Field(
        default_factory=lambda: ["L3"],
        description="Levels where a phrasing with a complement ('formal verification of systems software') "
        "that lacks support of its own joins the topic it qualifies.",
    )
    max_rounds: int = Field(5, ge=1, description="Merge/split rounds until nothing changes.")


class FamilyLexicon(StrictModel):
    """Discipline families (SPEC §7): parents are chosen by meaning before support."""

    families: list[str] = Field(default_factory=list, description="Names of the families.")
    terms: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Word or phrase -> families of a field it marks, primary first ('psychology' -> social "
        "sciences, life sciences). A label's family comes from its last matching term.",
    )
    umbrellas: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Broad unit labels -> the families they house ('arts' houses humanities, arts, social "
        "sciences; 'sciences' the natural sciences and mathematics).",
    )
    houses: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Family -> other families its units commonly house (engineering houses computing).",
    )

    @model_validator(mode="after")
    def _families_are_known(self) -> "FamilyLexicon":
        known = set(self.families)
        for where, mapping in (("terms", self.terms), ("umbrellas", self.umbrellas), ("houses", self.houses)):
            for name, families in mapping.items():
                unknown = sorted(set(families) - known)
                if unknown:
                    raise ValueError(f"{where}.{name}: unknown families {unknown}")
        return self


class VenuePolicy(StrictModel):
    """At venue levels an 'institution' is a venue; editions of one venue count once (SPEC §4)."""

    levels: list[Level] = Field(
        default_factory=lambda: ["L3"], description="Levels whose sources are venues."
    )
    edition_patterns: list[str] = Field(
        default_factory=list,
        description="Regexes (case-insensitive) removed from a venue name to find the venue: years, "
        "ordinals, '-26'.",
    )

    @model_validator(mode="after")
    def _patterns_compile(self) -> "VenuePolicy":
        for pattern in self.edition_patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"edition pattern {pattern!r} is not a valid regex: {exc}") from exc
        return self
