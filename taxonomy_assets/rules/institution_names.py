"""Remove the institution's own name from a unit name: 'Georgia Tech Professional Education' at the
Georgia Institute of Technology is 'Professional Education', 'Berkeley Law' at UC Berkeley is 'Law'.

Brands built from the institution's name ('Weill Cornell Medicine', 'Stanford Medicine', 'MIT Sloan')
otherwise become labels. Removed: distinctive words of the institution's name that name no field, its
initials ('UIUC', 'EPFL'), abbreviations of its words next to them ('Tech' beside 'Georgia'), and
eponyms before it ('Weill' in 'Weill Cornell Medicine').
"""

import re
from functools import lru_cache

from taxonomy_assets.policy.text_sections import ExtractionPolicy
from taxonomy_assets.rules.vocabulary import FieldVocabulary, word_key

_TOKEN = re.compile(r"\S+")
MIN_ABBREVIATION = 3
CACHE_SIZE = 4096
TEXT_CACHE_SIZE = 65536


def _word_keys(text: str) -> frozenset[str]:
    return frozenset(word_key(token) for token in _TOKEN.findall(text))


class InstitutionNameStripper:
    """Strips an institution's name words from the unit names it publishes."""

    def __init__(self, extraction: ExtractionPolicy) -> None:
        self._generic = frozenset(word_key(word) for word in extraction.institution_generic_words)
        self._vocabulary = FieldVocabulary(extraction)
        self._names = lru_cache(maxsize=CACHE_SIZE)(self._name_words)
        self._text_keys = lru_cache(maxsize=TEXT_CACHE_SIZE)(_word_keys)

    def _name_words(self, institution: str) -> tuple[frozenset[str], tuple[str, ...], frozenset[str]]:
        """(distinctive words, all words, initials) of an institution's name."""
        words = [word_key(part) for part in re.split(r"[\s,\-–/]+", institution) if word_key(part)]
        distinctive = frozenset(
            word
            for word in words
            if word not in self._generic and len(word) >= 3 and not self._vocabulary.is_field_like(word)
        )
        initials = "".join(
            word[0] for word in words if word not in {"of", "the", "at", "de", "du", "la", "di"}
        )
        alternatives = {initials} if len(initials) >= 3 else set()
        return distinctive, tuple(words), frozenset(alternatives)

    def strip(self, text: str, institution: str) -> str:
        """`text` without the institution's name words; unchanged when nothing else would remain."""
        if not institution.strip():
            return text
        distinctive, words, initials = self._names(institution)
        # most unit names share no word with their institution's name; nothing is removed from them
        keys = self._text_keys(text)
        if distinctive.isdisjoint(keys) and initials.isdisjoint(keys):
            return text
        tokens = list(_TOKEN.finditer(text))
        removed = [
            word_key(token.group(0)) in distinctive or word_key(token.group(0)) in initials
            for token in tokens
        ]
        for index, token in enumerate(tokens):
            key = word_key(token.group(0))
            beside = (index > 0 and removed[index - 1]) or (index + 1 < len(tokens) and removed[index + 1])
            if (
                not removed[index]
                and beside
                and len(key) >= MIN_ABBREVIATION
                and token.group(0)[:1].isupper()
            ):
                removed[index] = any(word != key and word.startswith(key) for word in words)
        if not any(removed):
            return text
        first = removed.index(True)
        for index in range(first):
            # 'Weill Cornell Medicine', 'Carle Illinois College of Medicine': a name before the
            # institution's name is the brand's eponym
            if not self._vocabulary.is_field_like(word_key(tokens[index].group(0))):
                removed[index] = True
        for index in range(first + 1, len(tokens)):
            # 'UIUC Grainger Engineering': so is a name right after it ('Professional' is no name)
            key = word_key(tokens[index].group(0))
            if removed[index]:
                continue
            if self._vocabulary.is_field_like(key) or key in self._vocabulary.non_field_words:
                break
            removed[index] = True
        kept = [token.group(0) for token, gone in zip(tokens, removed, strict=True) if not gone]
        if not any(any(ch.isalpha() for ch in word) for word in kept):
            return text
        return " ".join(kept)
