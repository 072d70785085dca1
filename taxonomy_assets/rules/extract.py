"""The offline S1 extractor: research fields named by a unit name or list item, by deterministic rules.

Pipeline per record: items (list levels) -> unit name reading (institution, eponym, boilerplate) ->
coordination (split, share heads, acronyms) -> rewrites, no-field filter, normalization, de-duplication.
Every word list comes from the policy, so the same code serves every level and every corpus.
"""

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

_SMALL_WORDS = frozenset({"and", "of", "the", "for", "in", "on", "at", "to", "a", "an"})


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

    name: str = "rules@2"

    def __init__(self, label: LabelPolicy, extraction: ExtractionPolicy) -> None:
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
        self._translator = UnitNameTranslator(extraction.translation)

    @classmethod
    def from_policy(cls, policy: Policy) -> "RuleExtractor":
        return cls(policy.label, policy.extraction)

    def extract(self, text: str, level: Level) -> list[ExtractedLabel]:
        """Fields named by `text`, in order of appearance; [] when it names none."""
        found: dict[str, tuple[str, set[str]]] = {}
        english = self._translator.read(text).text  # raises LabelingError for an unreadable language
        for item in self._items.items(english, level):
            for phrase in self._units.field_phrases(item):
                if self._normalizer.normalize(phrase) in self._no_field_units:
                    continue
                for conjunct in self._coordinator.conjuncts(phrase):
                    self._add(conjunct, found)
        original = {text.strip()} if english != text else set()
        return [
            ExtractedLabel(label=label, normalized=normalized, aliases=sorted(aliases | original))
            for normalized, (label, aliases) in found.items()
        ]

    def _add(self, conjunct: Conjunct, found: dict[str, tuple[str, set[str]]]) -> None:
        surface = conjunct.surface
        word_keys = [word_key(word) for word in conjunct.words]
        if self._vocabulary.names_no_field(word_keys) or all(key in self._venues for key in word_keys):
            return
        normalized = self._normalizer.normalize(surface)
        if not normalized or normalized in self._no_field_units or not any(ch.isalpha() for ch in normalized):
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
