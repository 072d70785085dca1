"""The head noun of a label and whether it is a discipline or topic head (SPEC §6 S3).

A research field has a disciplinary head ('atmospheric sciences', 'operating systems', 'anomaly detection')
or is a known field; 'job openings', 'site map' and 'maria gonzalez' have none. The head is the last word,
or the last word before a preposition ('theory of computation'); it is judged by the policy lexicons first
and by its ending ('-ology', '-tion', '-ics') second, so unseen fields of a known shape pass too.
"""

from collections.abc import Iterable

from taxonomy_assets.policy.text_sections import FieldHeadPolicy, FieldLexicon
from taxonomy_assets.rules.normalize import LabelNormalizer

# Words before the head that are no part of it ('the', 'a').
_LEADING = frozenset({"the", "a", "an", "and", "of", "in", "on", "for", "to"})
# A suffix needs a stem this long, so 'king' or 'lucy' are not read as '-ing' or '-cy' nouns.
_MIN_STEM = 3


def plural_variants(word: str) -> set[str]:
    """The word and its likely singulars: 'theories' -> theory, 'processes' -> process."""
    variants = {word}
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        variants.add(word[:-1])
        if word.endswith("ies"):
            variants.add(word[:-3] + "y")
        if word.endswith(("ses", "xes", "ches", "shes")):
            variants.add(word[:-2])
    return variants


class FieldHeads:
    """Discipline and topic heads, known one-word fields, and field-noun morphology, from policy data."""

    def __init__(self, heads: FieldHeadPolicy, fields: FieldLexicon, normalizer: LabelNormalizer) -> None:
        def keys(words: Iterable[str]) -> frozenset[str]:
            return frozenset(filter(None, (normalizer.normalize(word) for word in words)))

        self.discipline_heads = keys(heads.discipline_heads)
        self.topic_heads = keys(heads.topic_heads)
        self.known_fields = keys([*fields.broad, *fields.narrow])
        self._prepositions = keys(heads.head_prepositions)
        self._suffixes = tuple(sorted(keys(heads.field_suffixes), key=len, reverse=True))
        self._single_suffixes = tuple(sorted(keys(heads.single_word_suffixes), key=len, reverse=True))
        self.required_levels = frozenset(heads.head_required_levels)

    def head_of(self, tokens: list[str]) -> str:
        """The last word before the first preposition after the start, else the last word."""
        start = 0
        while start < len(tokens) - 1 and tokens[start] in _LEADING:
            start += 1
        for index in range(start + 1, len(tokens)):
            if tokens[index] in self._prepositions:
                return tokens[index - 1]
        return tokens[-1] if tokens else ""

    def lexicon_kind(self, word: str) -> str:
        """'discipline head', 'topic head', 'known field' or '' for a word the lexicons do not hold."""
        variants = plural_variants(word)
        if variants & self.known_fields:
            return "known field"
        if variants & self.discipline_heads:
            return "discipline head"
        if variants & self.topic_heads:
            return "topic head"
        return ""

    def field_suffix(self, word: str, single: bool = False) -> str:
        """The field-noun ending of `word` ('' if none); `single` uses only the strong endings."""
        for suffix in self._single_suffixes if single else self._suffixes:
            for variant in sorted(plural_variants(word)):
                if variant.endswith(suffix) and len(variant) >= len(suffix) + _MIN_STEM:
                    return suffix
        return ""

    def is_field_word(self, word: str) -> bool:
        """Known to the lexicons or shaped like a field noun: such a word is no person's name or place."""
        return bool(self.lexicon_kind(word) or self.field_suffix(word))
