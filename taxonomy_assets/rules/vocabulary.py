"""Word classes for reading unit names: does a word name a field, modify a head, or name no field at all?

Coordination ("Electrical and Computer Engineering") and eponym trimming ("Harvard Law School") both
hinge on these questions; answering them in one place keeps the two rules consistent.
"""

import re
from collections.abc import Iterable

from taxonomy_assets.policy.text_sections import ExtractionPolicy

_WORD_KEY = re.compile(r"[^a-z0-9+#]")
_POSSESSIVE = re.compile(r"'s?$")


def word_key(word: str) -> str:
    """Lower-case lookup key of one surface word: 'Women's' -> 'women', 'Dept.' -> 'dept'."""
    return _WORD_KEY.sub("", _POSSESSIVE.sub("", word.lower().replace("’", "'")))


def is_possessive(word: str) -> bool:
    """'Women's', 'Children's': a possessive always modifies the head that follows."""
    return bool(_POSSESSIVE.search(word.lower().replace("’", "'")))


def _keys(words: Iterable[str]) -> frozenset[str]:
    return frozenset(word_key(word) for word in words)


class FieldVocabulary:
    """Lexicon lookups plus suffix morphology, all from `extraction` policy data."""

    def __init__(self, extraction: ExtractionPolicy) -> None:
        coordination = extraction.coordination
        self.known_fields = _keys([*extraction.fields.broad, *extraction.fields.narrow])
        self.generic_heads = _keys(coordination.generic_heads)
        self.shared_heads = _keys(coordination.shared_heads) | self.generic_heads
        self.modifier_nouns = _keys(coordination.modifier_nouns)
        self.adjectives = _keys(coordination.adjectives)
        self.non_field_words = _keys(extraction.non_field_words)
        self.non_field_heads = _keys(extraction.non_field_heads)
        self.administrative_heads = _keys(extraction.administrative_heads)
        self.rewrite_keys = _keys(key for key in extraction.head_rewrites if " " not in key)
        self._adjective_suffixes = tuple(sorted(coordination.adjective_suffixes, key=len, reverse=True))
        self._field_suffixes = tuple(sorted(coordination.field_suffixes, key=len, reverse=True))
        self._compound_suffixes = tuple(
            sorted(coordination.compound_modifier_suffixes, key=len, reverse=True)
        )
        self.broad_fields = _keys(extraction.fields.broad)
        self.forward_blockers = _keys(coordination.forward_blockers)
        self.compound_heads = frozenset(
            " ".join(word_key(word) for word in head.split()) for head in coordination.compound_heads
        )
        self.combining_forms = tuple(
            sorted((form.lower() for form in coordination.combining_forms), key=len, reverse=True)
        )
        self._no_share_heads = _keys(coordination.no_share_heads)
        self.inverted_gerunds = _keys(coordination.inverted_gerunds)
        self._process_suffixes = tuple(sorted(coordination.process_suffixes, key=len, reverse=True))
        self._quality_suffixes = tuple(sorted(coordination.quality_suffixes, key=len, reverse=True))

    @staticmethod
    def _has_suffix(key: str, suffixes: tuple[str, ...]) -> bool:
        # A suffix needs a stem of three letters, so 'plan' or 'red' are not read as adjectives. Most
        # words end in none of them, which one C-level `endswith` over the tuple tells.
        return key.endswith(suffixes) and any(
            key.endswith(suffix) and len(key) >= len(suffix) + 3 for suffix in suffixes
        )

    def is_adjective_like(self, key: str) -> bool:
        """A modifier by form (-al, -ic, ...) or by the curated list."""
        return key in self.adjectives or self._has_suffix(key, self._adjective_suffixes)

    def has_field_suffix(self, key: str) -> bool:
        return self._has_suffix(key, self._field_suffixes)

    def is_field_noun(self, key: str) -> bool:
        """Names a field on its own: in the lexicon, or shaped like one (-ology, -ics, -ing, ...)."""
        if key in self.known_fields or key in self.shared_heads:
            return True
        if key in self.modifier_nouns or key in self.non_field_words:
            return False
        return self.has_field_suffix(key) and not self.is_adjective_like(key)

    def is_field_like(self, key: str) -> bool:
        """Could be part of a field name (field noun, modifier or adjective); eponyms are not."""
        if key in self.non_field_words and key not in self.known_fields:
            return False
        return (
            key in self.known_fields
            or key in self.shared_heads
            or key in self.modifier_nouns
            or key in self.rewrite_keys
            or self.is_adjective_like(key)
            or self.has_field_suffix(key)
        )

    def names_no_field(self, keys: Iterable[str]) -> bool:
        """Only organisational words ('Graduate Studies', 'Student Services'), or a delivery mode of
        teaching ('Continuing Education'), or nothing at all."""
        words = [key for key in keys if key]
        if len(words) >= 2 and words[-1] in self.non_field_heads:
            words = words[:-1]
        return all(key in self.non_field_words for key in words)

    def has_administrative_head(self, keys: Iterable[str]) -> bool:
        """The last word is an administrative noun: the phrase names an office or a service."""
        words = [key for key in keys if key]
        if not words or words[-1] not in self.administrative_heads:
            return False
        # 'Engineering Society' is a student society; 'Society' alone ('Education and Society') a field
        return len(words) > 1 or words[-1] not in self.known_fields

    def takes_shared_head(self, key: str, head: str) -> bool:
        """Whether a one-word conjunct before '... head' is a modifier of that head."""
        if key in self.modifier_nouns:
            # 'Health and Rehabilitation Sciences' shares; 'Health and Human Development' does not,
            # because 'health' also names a field and 'development' is no discipline head.
            standalone = key in self.known_fields or key in self.shared_heads
            return head in self.shared_heads if standalone else True
        if key in self.adjectives:
            return True
        if key in self.shared_heads or key in self.known_fields:
            return False
        if self.is_adjective_like(key):
            return True
        if self.has_field_suffix(key) or self._is_plural(key):
            return False
        return head in self.shared_heads

    def is_modifier_word(self, key: str) -> bool:
        """An adjective or a modifier noun: something that needs a head after it."""
        if key in self.modifier_nouns or key in self.adjectives:
            return True
        return self.is_adjective_like(key) and not self.is_field_noun(key)

    def ends_compound_modifier(self, key: str) -> bool:
        """Last word of a multi-word modifier: 'American' (Latin American), 'Cell' (Stem Cell)."""
        if key in self.adjectives:
            return True
        if key in self.modifier_nouns:
            return not self._is_plural(key)
        return self._has_suffix(key, self._compound_suffixes) and not self.is_field_noun(key)

    @staticmethod
    def _is_plural(key: str) -> bool:
        return len(key) > 3 and key.endswith("s") and not key.endswith(("ss", "us", "is"))

    def takes_list_head(self, key: str, head: str, compound: bool) -> bool:
        """In a topic list, whether a one-word conjunct shares the head of the item after it: nouns do
        ('GPU and accelerator scheduling', 'Stream and complex event processing'), gerunds name their
        own activity ('Crowdsourcing and human computation'), and a noun that already names a field takes
        only a compound head ('Diffusion and flow-based generative models')."""
        if key in self.modifier_nouns or key in self.adjectives or self.is_adjective_like(key):
            return True
        if key in self.known_fields or key in self.shared_heads:
            return False
        if key.endswith("ing") and len(key) > 5:
            return False
        if self.has_field_suffix(key):
            # 'Approximation and online algorithms', 'Diffusion and flow-based generative models'
            return compound or self._is_plural(head)
        return not self._is_plural(key)  # 'transformers', 'containers' are whole nouns

    def _kind(self, key: str) -> str:
        if self._has_suffix(key, self._process_suffixes):
            return "process"
        if self._has_suffix(key, self._quality_suffixes):
            return "quality"
        if self._is_plural(key):
            return "plural"
        return ""

    def continues(self, head: str, word: str) -> bool:
        """Whether a one-word list item after 'X head' means 'X word': two activities ('processing',
        'optimization'), two properties ('privacy', 'security') or two plurals ('attacks', 'defenses');
        an activity and an unknown noun ('synthesis', 'repair'). Modifiers, broad fields and class heads
        ('learning', 'systems') never continue."""
        if head in self._no_share_heads or not word or word == head:
            return False
        if word in self.modifier_nouns or word in self.adjectives or word in self.broad_fields:
            return False
        if word in self.non_field_words:
            return False
        if self.is_adjective_like(word) and not self._kind(word):
            return False
        head_kind, word_kind = self._kind(head), self._kind(word)
        if head_kind and head_kind == word_kind:
            return head_kind != "plural" or word not in self.known_fields
        if word in self.known_fields:
            return False
        return (head_kind == "process" and not word_kind) or (word_kind == "process" and not head_kind)
