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
        self.rewrite_keys = _keys(key for key in extraction.head_rewrites if " " not in key)
        self._adjective_suffixes = tuple(sorted(coordination.adjective_suffixes, key=len, reverse=True))
        self._field_suffixes = tuple(sorted(coordination.field_suffixes, key=len, reverse=True))
        self._compound_suffixes = tuple(
            sorted(coordination.compound_modifier_suffixes, key=len, reverse=True)
        )

    @staticmethod
    def _has_suffix(key: str, suffixes: tuple[str, ...]) -> bool:
        # A suffix needs a stem of three letters, so 'plan' or 'red' are not read as adjectives.
        return any(key.endswith(suffix) and len(key) >= len(suffix) + 3 for suffix in suffixes)

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
