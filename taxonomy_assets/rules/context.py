"""Read a bare heading inside its department: 'Systems' under computer science is computer systems.

Research-area pages list headings that only make sense with their department ("Theory", "Organic",
"Condensed Matter"). S1 knows the parent unit (the record's parent hint, read with the level above's
rules), so the heading is qualified here, for every extractor alike, through the policy lexicon
`concepts.contexts`:

1. an explicit reading for the department ('vision' in computer science -> computer vision);
2. a heading made only of modifiers takes the department's head ('Organic' -> organic chemistry,
   'Macro' -> macroeconomics when the modifier is a combining form);
3. a generic noun takes the department's adjective ('Analysis' in mathematics -> mathematical analysis).

The heading as written stays an alias, so the evidence is never lost.
"""

from collections.abc import Sequence
from functools import lru_cache

from taxonomy_assets.concepts.keys import ConceptKeyer
from taxonomy_assets.contracts import ExtractedLabel
from taxonomy_assets.levels import Level
from taxonomy_assets.policy.concept_sections import ConceptPolicy, DepartmentContext
from taxonomy_assets.policy.text_sections import ExtractionPolicy, LabelPolicy
from taxonomy_assets.rules.normalize import LabelNormalizer
from taxonomy_assets.rules.vocabulary import FieldVocabulary

CONTEXT_CACHE_SIZE = 65536


class ContextQualifier:
    """Qualifies extracted labels by the department (parent labels) they were listed under."""

    def __init__(self, concepts: ConceptPolicy, extraction: ExtractionPolicy, label: LabelPolicy) -> None:
        self._normalize = LabelNormalizer(label).normalize
        self._fold = ConceptKeyer(concepts, label).fold
        policy = concepts.contexts
        self._levels = frozenset(policy.levels)
        self._vocabulary = FieldVocabulary(extraction)
        self._adjective_nouns = frozenset(
            self._fold(self._normalize(noun)) for noun in policy.adjective_nouns
        )
        self._combining = frozenset(self._normalize(form) for form in policy.joined_prefixes)
        self._contexts: dict[str, DepartmentContext] = {}
        self._readings: dict[int, dict[str, str]] = {}
        for context in policy.contexts:
            readings = {
                self._fold(self._normalize(heading)): self._normalize(field)
                for heading, field in context.qualify.items()
            }
            self._readings[id(context)] = readings
            for field in context.fields:
                self._contexts.setdefault(self._fold(self._normalize(field)), context)
        # records under one parent share its reading: its contexts, and how they read each heading, are
        # worked out once per parent
        self._contexts_of = lru_cache(maxsize=CONTEXT_CACHE_SIZE)(self._find_contexts)
        self._first_reading = lru_cache(maxsize=CONTEXT_CACHE_SIZE)(self._read_first)

    def _find_contexts(self, parent_labels: tuple[str, ...]) -> tuple[DepartmentContext, ...]:
        """The department contexts of the parent's labels, in order ('Electrical Engineering and
        Computer Sciences' has two)."""
        found: list[DepartmentContext] = []
        for parent in parent_labels:
            context = self._contexts.get(self._fold(parent))
            if context is not None and all(context is not seen for seen in found):
                found.append(context)
        return tuple(found)

    def qualify(
        self, labels: Sequence[ExtractedLabel], parent_labels: Sequence[str], level: Level
    ) -> list[ExtractedLabel]:
        """Labels read in their department; merged when two headings name the same field there."""
        parents = tuple(parent_labels)
        if level not in self._levels or not self._contexts_of(parents):
            return list(labels)
        found: dict[str, ExtractedLabel] = {}
        for extracted in labels:
            reading = self._first_reading(extracted.normalized, parents)
            if reading and reading != extracted.normalized:
                extracted = ExtractedLabel(
                    label=reading,
                    normalized=reading,
                    aliases=sorted({*extracted.aliases, extracted.label}),
                )
            previous = found.get(extracted.normalized)
            if previous is not None:
                extracted = previous.model_copy(
                    update={"aliases": sorted({*previous.aliases, *extracted.aliases})}
                )
            found[extracted.normalized] = extracted
        return list(found.values())

    def _read_first(self, normalized: str, parent_labels: tuple[str, ...]) -> str:
        """The heading read by the first of the parent's contexts that reads it, else ""."""
        # the first context that reads the heading wins: 'Security' under EECS is computer security
        readings = (self._reading(normalized, context) for context in self._contexts_of(parent_labels))
        return next((text for text in readings if text), "")

    def _reading(self, normalized: str, context: DepartmentContext) -> str:
        folded = self._fold(normalized)
        explicit = self._readings[id(context)].get(folded)
        if explicit:
            return explicit
        words = normalized.split()
        if context.head and words and self._modifiers_only(words):
            if len(words) == 1 and words[0] in self._combining and " " not in context.head:
                return self._normalize(words[0] + context.head)
            return self._normalize(f"{normalized} {context.head}")
        if context.adjective and folded in self._adjective_nouns:
            return self._normalize(f"{context.adjective} {normalized}")
        return ""

    def _modifiers_only(self, words: list[str]) -> bool:
        """'organic', 'materials', 'atomic': modifiers with no head noun to carry the field. Of several
        words the last must be an adjective: 'embedded systems' already has its head."""
        vocabulary = self._vocabulary
        if len(words) > 1 and not vocabulary.is_adjective_like(words[-1]):
            return False
        return all(
            (word in self._combining or vocabulary.is_modifier_word(word))
            and not vocabulary.is_field_noun(word)
            for word in words
        )
