"""The offline S1 extractor: research fields named by a unit name or list item, by deterministic rules.

Pipeline per record: items (list levels) -> unit name reading (institution, eponym, boilerplate) ->
coordination (split, share heads, acronyms) -> rewrites, no-field filter, normalization, de-duplication.
Every word list comes from the policy, so the same code serves every level and every corpus.
"""

import re
from collections.abc import Callable
from functools import lru_cache

from taxonomy_assets.contracts import ExtractedLabel
from taxonomy_assets.levels import Level
from taxonomy_assets.policy.models import Policy
from taxonomy_assets.policy.text_sections import ExtractionPolicy, LabelPolicy
from taxonomy_assets.rules.coordination import Conjunct, Coordinator
from taxonomy_assets.rules.items import RecordItems
from taxonomy_assets.rules.normalize import LabelNormalizer
from taxonomy_assets.rules.translation import UnitNameTranslator
from taxonomy_assets.rules.units import UnitNameReader
from taxonomy_assets.rules.vocabulary import FieldVocabulary, word_key

_CONJUNCTS = re.compile(r"\s*,\s*(?:(?:and|&)\s+)?|\s+(?:and|&)\s+", re.IGNORECASE)
_SMALL_WORDS = frozenset({"and", "of", "the", "for", "in", "on", "at", "to", "a", "an"})
# Distinct unit texts remembered per extractor; real corpora repeat them across institutions.
EXTRACTION_CACHE_SIZE = 65536


def _recase(surface: str) -> str:
    """All-caps sources ('SCHOOL OF MEDICINE') read better title-cased; acronyms stay as they are."""
    if any(ch.islower() for ch in surface) or len(surface) <= 4:
        return surface
    words = surface.split()
    return " ".join(
        word.lower() if index and word.lower() in _SMALL_WORDS else word.capitalize()
        for index, word in enumerate(words)
    )


def _cased_like(target: str, surface: str) -> str:
    if surface[:1].isupper():
        return " ".join(
            word if word.lower() in _SMALL_WORDS else word.capitalize() for word in target.split()
        )
    return target


class RuleExtractor:
    """Deterministic rule extractor; `name` is recorded on every candidate (SPEC §5 `extractor`)."""

    name: str = "rules@3"
    # the answer depends on the text, level and policy only, not on the parent (`labelers.Extractor`)
    deterministic: bool = True
    reads_parent: bool = False

    def __init__(
        self,
        label: LabelPolicy,
        extraction: ExtractionPolicy,
        non_field: Callable[[str], str] | None = None,
    ) -> None:
        """`non_field` says why a phrase is certainly no field (the verifier's person, place, date and
        boilerplate gates); such phrases are dropped here so a call for papers' 'General Chairs: ...'
        or 'Vancouver, Canada' yields nothing."""
        self._non_field = non_field
        self._normalizer = LabelNormalizer(label)
        self._vocabulary = FieldVocabulary(extraction)
        self._items = RecordItems(extraction)
        self._units = UnitNameReader(label, extraction, self._vocabulary)
        self._coordinator = Coordinator(
            extraction.coordination, self._vocabulary, self._units.strip_boilerplate
        )
        normalize = self._normalizer.normalize
        self._rewrites = {normalize(key): value for key, value in extraction.head_rewrites.items()}
        self._no_field_units = frozenset(normalize(unit) for unit in extraction.no_field_units)
        self._venues = frozenset(word_key(venue) for venue in extraction.venue_names)
        self._list_levels = frozenset(extraction.list_item_levels)
        self._translator = UnitNameTranslator(extraction.translation)
        # Every institution lists a 'Department of Chemistry': the answer depends only on the text, the
        # level and the policy this instance was built from, so each distinct (text, level) is read once.
        # The cache lives and dies with the instance (one per step and pinned policy); errors are not kept.
        self._read = lru_cache(maxsize=EXTRACTION_CACHE_SIZE)(self._extract)

    @classmethod
    def from_policy(cls, policy: Policy) -> "RuleExtractor":
        from taxonomy_assets.rules.verify import RuleVerifier

        return cls(policy.label, policy.extraction, RuleVerifier.from_policy(policy).non_field_reason)

    def extract(self, text: str, level: Level, parent: str = "") -> list[ExtractedLabel]:
        """Fields named by `text`, in order of appearance; [] when it names none. The parent unit is
        applied after extraction, for every extractor alike (`concepts.reading.RecordReader`)."""
        return list(self._read(text, level))

    def _extract(self, text: str, level: Level) -> tuple[ExtractedLabel, ...]:
        found: dict[str, tuple[str, set[str]]] = {}
        list_item = level in self._list_levels
        english = self._translator.read(text).text  # raises LabelingError for an unreadable language
        for item in self._items.items(english, level):
            if list_item:
                item = self._heading_with_modifiers(item)
            for phrase in self._units.field_phrases(item):
                if not list_item and self._normalizer.normalize(phrase) in self._no_field_units:
                    continue
                conjuncts = self._coordinator.conjuncts(phrase, list_item=list_item)
                if (
                    not list_item
                    and len(conjuncts) > 1
                    and any(self._is_administrative(c) for c in conjuncts)
                ):
                    # 'Finance and Human Resources', 'Facilities and Operations': a unit name that joins an
                    # office to something else is an office; only multi-word fields survive in it
                    conjuncts = [c for c in conjuncts if len(c.words) > 1 and not self._is_administrative(c)]
                for conjunct in conjuncts:
                    self._add(conjunct, found, list_item)
        original = {text.strip()} if english != text else set()
        return tuple(
            ExtractedLabel(label=label, normalized=normalized, aliases=sorted(aliases | original))
            for normalized, (label, aliases) in found.items()
        )

    def _heading_with_modifiers(self, item: str) -> str:
        """'Semantics: Lexical and Sentence-Level' -> 'Lexical and Sentence-Level Semantics': a heading
        whose items are only modifiers is their head ('Vision: 3D reconstruction' stays as it is)."""
        heading, colon, rest = item.partition(":")
        words = heading.split()
        if not colon or not rest.strip() or len(words) != 1 or not any(ch.isalpha() for ch in heading):
            return item
        vocabulary = self._vocabulary

        def modifier(word: str) -> bool:
            key = word_key(word)
            return "-" in word or (
                vocabulary.is_adjective_like(key)
                and not vocabulary.is_field_noun(key)
                and key not in vocabulary.known_fields
            )

        conjuncts = [part.split() for part in _CONJUNCTS.split(rest.strip()) if part.split()]
        if not conjuncts or not all(modifier(part[-1]) for part in conjuncts):
            return item
        if not vocabulary.is_field_like(word_key(words[0])):
            return item
        return f"{rest.strip()} {heading.strip()}"

    def _is_administrative(self, conjunct: Conjunct, list_item: bool = False) -> bool:
        """Names no field: organisational words only, headed by an administrative noun ('Engineering
        Admissions', 'IT Support Services'), or a listed unit that names none ('Human Resources')."""
        keys = [word_key(word) for word in conjunct.words]
        vocabulary = self._vocabulary
        return (
            vocabulary.names_no_field(keys)
            or (not conjunct.fixed and vocabulary.has_administrative_head(keys))
            or (not list_item and self._normalizer.normalize(conjunct.surface) in self._no_field_units)
        )

    def _add(self, conjunct: Conjunct, found: dict[str, tuple[str, set[str]]], list_item: bool) -> None:
        surface = conjunct.surface
        word_keys = [word_key(word) for word in conjunct.words]
        if self._is_administrative(conjunct, list_item) or all(key in self._venues for key in word_keys):
            return
        normalized = self._normalizer.normalize(surface)
        no_field = not list_item and normalized in self._no_field_units
        if not normalized or no_field or not any(ch.isalpha() for ch in normalized):
            return
        if self._non_field is not None and self._non_field(surface):
            return
        label = _recase(surface)
        rewrite = self._rewrites.get(normalized)
        if rewrite is not None:
            rewritten = self._normalizer.normalize(rewrite)
            if not rewritten:
                return
            label, normalized = _cased_like(rewrite, label), rewritten
        _, aliases = found.setdefault(normalized, (label, set()))
        aliases.update({surface, label, *conjunct.aliases})
