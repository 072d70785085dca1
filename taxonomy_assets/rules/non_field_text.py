"""Text that names no research field, whatever its length: instructions to a model, people, dates, places,
navigation, administration and event boilerplate (SPEC §6 S3).

Each kind answers with a reason naming what it saw, so a rejected label can be audited. Everything is read
from the `verification` policy; people and places also draw on maintained name lists and a gazetteer
(`reference_lists`), because no hand-kept list knows the next institution's faculty or the next venue's city.
"""

import re
from collections.abc import Iterable

from taxonomy_assets.policy.text_sections import NonFieldClass, PersonNamePolicy, PlacePolicy
from taxonomy_assets.rules.field_heads import FieldHeads, plural_variants
from taxonomy_assets.rules.normalize import LabelNormalizer
from taxonomy_assets.rules.reference_lists import normalized_person_names, place_names

_LONGEST_PLACE = 4
# A single-word place must be a country, state, continent or a city at least this large: smaller cities
# are named like words ('reading', 'mobile', 'split').
_SINGLE_WORD_CITY_POPULATION = 1_000_000


class _WordClass:
    """One `NonFieldClass`, compiled against normalized labels."""

    def __init__(self, spec: NonFieldClass, normalize: LabelNormalizer) -> None:
        self.name = spec.name
        self._phrases = sorted(
            {f" {key} " for key in map(normalize.normalize, spec.phrases) if key}, key=len, reverse=True
        )
        self._markers = frozenset(filter(None, map(normalize.normalize, spec.markers)))
        self._heads = frozenset(filter(None, map(normalize.normalize, spec.heads)))
        self._patterns = [re.compile(pattern) for pattern in spec.patterns]

    def claims_head(self, head: str) -> bool:
        return head in self._heads

    def evidence(self, normalized: str, tokens: list[str], head: str) -> str:
        """What makes the label one of this kind ('' when nothing does)."""
        padded = f" {normalized} "
        for phrase in self._phrases:
            if phrase in padded:
                return phrase.strip()
        for token in tokens:
            if token in self._markers:
                return token
        if head in self._heads:
            return head
        for pattern in self._patterns:
            match = pattern.search(normalized)
            if match:
                return match.group(0)
        return ""


class NonFieldReader:
    """Decides whether a normalized label is a person, a date, a place, navigation, administration or event
    boilerplate; `reason()` returns why, or '' when it is none of them."""

    def __init__(
        self,
        instruction_patterns: list[str],
        classes: list[NonFieldClass],
        people: PersonNamePolicy,
        places: PlacePolicy,
        generic_tokens: Iterable[str],
        heads: FieldHeads,
        normalizer: LabelNormalizer,
    ) -> None:
        self._instructions = [re.compile(pattern, re.IGNORECASE) for pattern in instruction_patterns]
        self._classes = [_WordClass(spec, normalizer) for spec in classes]
        self._heads = heads
        self._generic = frozenset(generic_tokens)
        normalize = normalizer.normalize
        self._titles = frozenset(filter(None, map(normalize, people.titles)))
        self._max_name_words = people.max_words
        names = normalized_person_names(people.name_lists, normalizer)
        extra = {normalize(name) for name in people.extra_names}
        self._given = names.given | extra
        self._surnames = names.surnames | extra
        gazetteer = place_names(places.gazetteer, places.min_city_population)
        regions = {normalize(name) for name in [*gazetteer.regions, *places.extra_places]}
        cities = {normalize(name) for name in gazetteer.cities}
        self._places = {tuple(key.split()) for key in regions | cities if key}
        self._single_word_places = {key for key in regions if key and " " not in key} | {
            normalize(name)
            for name, population in gazetteer.cities.items()
            if population >= _SINGLE_WORD_CITY_POPULATION and " " not in name.strip()
        }
        self._place_words = frozenset(filter(None, map(normalize, places.place_words)))

    def instruction(self, text: str) -> str:
        """The part of `text` that instructs a model, or ''."""
        for pattern in self._instructions:
            match = pattern.search(text)
            if match:
                return match.group(0)
        return ""

    def claims_head(self, head: str) -> bool:
        """A non-field head ('notification', 'openings') outranks an ending that looks like a field's."""
        return any(word_class.claims_head(head) for word_class in self._classes)

    def reason(self, normalized: str) -> str:
        """Why the label names no field ('' when no kind claims it): person, date, place, then the classes."""
        tokens = normalized.split()
        if not tokens:
            return ""
        person = self._person(tokens)
        if person:
            return f"'{normalized}' is a person's name ({person}), not a field"
        head = self._heads.head_of(tokens)
        for word_class in self._classes:
            evidence = word_class.evidence(normalized, tokens, head)
            if evidence:
                return f"'{normalized}' is {word_class.name} ('{evidence}'), not a field"
        place = self._place(tokens)
        if place:
            return f"'{normalized}' names a place ('{place}'), not a field"
        return ""

    def _is_name_word(self, token: str, with_initial: bool) -> bool:
        """A listed given name or surname; next to an initial ('p ivanova') any word not shaped like a
        field noun, since no list holds every surname."""
        if len(token) == 1 or token in self._given or token in self._surnames:
            return True
        return with_initial and not self._heads.field_suffix(token)

    def _person(self, tokens: list[str]) -> str:
        """'prof maria gonzalez' -> 'title prof'; 'rebecca l chen' -> 'given name rebecca'; else ''."""
        titled = 0
        while titled < len(tokens) - 1 and tokens[titled] in self._titles:
            titled += 1
        rest = tokens[titled:]
        if not 1 <= len(rest) <= self._max_name_words or (titled == 0 and len(rest) < 2):
            return ""
        if any(self._heads.lexicon_kind(t) or t in self._generic or not t.isalpha() for t in rest):
            return ""
        if titled:
            return f"title '{tokens[0]}'"
        with_initial = any(len(token) == 1 for token in rest)
        if len(rest[-1]) == 1 or not all(self._is_name_word(token, with_initial) for token in rest):
            return ""
        for token in rest:
            if len(token) == 1:
                return f"initial '{token}'"
            if token in self._given:
                return f"given name '{token}'"
        return ""

    def _place(self, tokens: list[str]) -> str:
        """The first place named when the label is only places and venue words ('vancouver canada')."""
        if len(tokens) == 1:
            return tokens[0] if tokens[0] in self._single_word_places else ""
        found: list[str] = []
        index = 0
        while index < len(tokens):
            for width in range(min(_LONGEST_PLACE, len(tokens) - index), 0, -1):
                words = tuple(tokens[index : index + width])
                if words in self._places and not (width == 1 and self._heads.is_field_word(words[0])):
                    found.append(" ".join(words))
                    index += width
                    break
            else:
                if tokens[index] not in self._place_words and tokens[index] not in {"and", "of", "the"}:
                    return ""
                index += 1
        return found[0] if found else ""


__all__ = ["NonFieldReader", "plural_variants"]
