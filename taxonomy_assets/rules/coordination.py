"""Split a coordinated field phrase and distribute the shared head over its conjuncts.

"Molecular, Cellular and Developmental Biology" -> three biologies; "Computer Science and Engineering"
-> computer science, computer engineering; "Engineering and Applied Science" stays two fields, because
"Engineering" names a field on its own. The decisions are word-class rules (FieldVocabulary), never
per-name exceptions; names that must not be split are policy data.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from taxonomy_assets.policy.text_sections import CoordinationPolicy
from taxonomy_assets.rules.vocabulary import FieldVocabulary, is_possessive, word_key

_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_PROTECTED = re.compile("\ue000(\\d+)\ue001")
_ALIAS = re.compile("\\s*\ue002(\\d+)\ue003")
_PARENTHETICAL = re.compile(r"\s*\(([^()]*)\)")
# Dashes separate when spaced, when em, or when an unspaced en dash ends a coordination
# ('Otolaryngology–Head and Neck Surgery', 'Physics–Astronomy'; \ue000N\ue001 stands for a protected
# phrase); otherwise an unspaced en dash joins a compound modifier ('Human–Computer Interaction').
_SEPARATOR = re.compile(
    r"\s*,\s*(?:(?:and|&|\+)\s+)?|\s*;\s*|(?<=\w\w)\s*/\s*(?=\w\w)|\s+(?:and|&|\+)\s+"
    r"|(?<=\S)(?:\s+[–—]\s*|\s*[–—]\s+|—)(?=\S)"
    r"|(?<=\w)–(?=(?:[\w'’-]+|\ue000\d+\ue001)(?:\s*(?:[,;&/(]|\band\b)|\s*$))",
    re.IGNORECASE,
)
_ACRONYM = re.compile(r"[A-Za-z0-9][A-Za-z0-9&+./-]{0,11}")
_STRAY = re.compile(r"[()\[\]{}]")
# an unspaced hyphen or en dash joins a compound ('Human–Computer Interaction'); spaced dashes separate
_HYPHENATED = re.compile(r"(?<=\w)[-‐‑–](?=\w)")
_LEADING_AND = re.compile(r"^(?:and|&)\s+", re.IGNORECASE)
_COMPLEMENT_PREPOSITIONS = frozenset({"for", "of", "in", "on", "to", "under", "with"})
_CAMEL_CASE = re.compile(r"^[A-Za-z]+[a-z][A-Z][A-Za-z]*$")
_TRAILING_HYPHEN = re.compile(r"[-‐‑–]\s*$")
# A hyphenated word with a function word inside is a complete name ('Text-to-SQL', 'Processing-in-memory').
_INNER_FUNCTION_WORD = re.compile(r"[-‐‑–](?:to|in|of|on|for|and|vs|by)[-‐‑–]", re.IGNORECASE)


@dataclass(frozen=True)
class Conjunct:
    """One field of a coordinated phrase: its words, the aliases seen with it, and whether it is fixed.

    `prefix` marks a hyphenated prefix waiting for its word ('Self-' in 'Self- and semi-supervised').
    """

    words: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    fixed: bool = False
    prefix: bool = False

    @property
    def surface(self) -> str:
        return " ".join(self.words)


def _singular(word: str) -> str:
    """'graphs' -> 'graph' for the object of an inverted activity; '-ss', '-us', '-is' stay."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-3] + "y" if word.endswith("ies") else word[:-1]
    return word


def _is_acronym(text: str) -> bool:
    return bool(_ACRONYM.fullmatch(text)) and sum(ch.isupper() for ch in text) >= 2


class Coordinator:
    """Splits on commas, 'and', '&', '/', ';' and dashes, then shares heads forward and backward."""

    def __init__(
        self, coordination: CoordinationPolicy, vocabulary: FieldVocabulary, strip: Callable[[str], str]
    ) -> None:
        self._vocabulary = vocabulary
        self._strip = strip
        self._acronyms = dict(coordination.acronyms)
        joiner = r"(?:\s*,\s*(?:(?:and|&)\s+)?|\s+(?:(?:and|&)\s+)?|\s*[-/]\s*)"
        fixed = []
        for phrase in coordination.unsplittable_phrases:
            words = [word for word in phrase.split() if word.lower() not in {"and", "&"}]
            if words:
                fixed.append(r"\b" + joiner.join(re.escape(word) for word in words) + r"\b")
        self._fixed = re.compile("|".join(fixed), re.IGNORECASE) if fixed else None
        separated = sorted((key for key in self._acronyms if _SEPARATOR.search(key)), key=len, reverse=True)
        self._fixed_acronyms = (
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(key) for key in separated) + r")(?!\w)")
            if separated
            else None
        )

    def conjuncts(self, phrase: str, expand_acronyms: bool = True, list_item: bool = False) -> list[Conjunct]:
        """The fields a phrase coordinates, heads distributed, in order of appearance.

        `list_item` marks a research-area or topic list item, where topic-style coordination applies:
        shared first words ('Query processing and optimization') and nouns sharing a head
        ('GPU and accelerator scheduling').
        """
        protected: list[str] = []
        aliases: list[str] = []
        text = self._protect(_PRIVATE_USE.sub("", phrase), protected, aliases)
        parts = self._split(text, protected, aliases, expand_acronyms)
        return self._distribute(parts, list_item)

    def _protect(self, text: str, protected: list[str], aliases: list[str]) -> str:
        def keep(match: re.Match[str]) -> str:
            protected.append(match.group(0))
            return f"\ue000{len(protected) - 1}\ue001"

        def alias(match: re.Match[str]) -> str:
            inner = match.group(1).strip()
            if not _is_acronym(inner):
                return " "
            aliases.append(inner)
            return f" \ue002{len(aliases) - 1}\ue003"

        text = _PARENTHETICAL.sub(alias, text)
        text = _STRAY.sub(" ", text)
        if self._fixed_acronyms is not None:
            text = self._fixed_acronyms.sub(keep, text)
        if self._fixed is not None:
            text = self._fixed.sub(keep, text)
        return text

    def _split(
        self, text: str, protected: list[str], aliases: list[str], expand_acronyms: bool
    ) -> list[Conjunct]:
        parts: list[Conjunct] = []
        for raw in _SEPARATOR.split(text):
            found = tuple(aliases[int(index)] for index in _ALIAS.findall(raw))
            raw = _ALIAS.sub("", raw)
            fixed = bool(_PROTECTED.search(raw))
            prefix = bool(_TRAILING_HYPHEN.search(raw)) and len(raw.split()) == 1
            surface = self._strip(_PROTECTED.sub(lambda m: protected[int(m.group(1))], raw))
            surface = _LEADING_AND.sub("", surface)
            if not surface:
                continue
            expansion = self._acronyms.get(surface) if expand_acronyms else None
            if expansion is not None:
                parts.extend(self._expand(surface, expansion, found))
                continue
            parts.append(Conjunct(tuple(surface.split()), found, fixed, prefix))
        return parts

    def _expand(self, acronym: str, expansion: str, aliases: tuple[str, ...]) -> list[Conjunct]:
        expanded = self.conjuncts(expansion, expand_acronyms=False)
        if len(expanded) == 1:
            only = expanded[0]
            return [Conjunct(only.words, (*aliases, acronym), fixed=True)]
        return [Conjunct(part.words, part.aliases, fixed=True) for part in expanded]

    def _distribute(self, parts: list[Conjunct], list_item: bool) -> list[Conjunct]:
        if len(parts) < 2:
            return parts
        parts = self._attach_prefixes(parts)
        forward = self._distribute_forward(parts)
        if forward is not None:
            return forward
        if list_item:
            inverted = self._invert_gerund(parts)
            if inverted is not None:
                return inverted
        parts = self._distribute_backward(parts, list_item)
        return self._share_first_words(parts) if list_item else parts

    def _invert_gerund(self, parts: list[Conjunct]) -> list[Conjunct] | None:
        """'Mining sequences, streams, text and graphs' -> sequence mining, stream mining, ..."""
        first = parts[0]
        if len(first.words) < 2 or word_key(first.words[0]) not in self._vocabulary.inverted_gerunds:
            return None
        if any(part.fixed or len(part.words) > 2 for part in parts[1:]):
            return None
        gerund = first.words[0].lower()
        objects = [first.words[1:], *(part.words for part in parts[1:])]
        return [
            Conjunct((*words[:-1], _singular(words[-1]), gerund), part.aliases)
            for words, part in zip(objects, parts, strict=True)
        ]

    def _attach_prefixes(self, parts: list[Conjunct]) -> list[Conjunct]:
        """'Self-, semi- and weakly-supervised learning' -> self-supervised learning, ...;
        'Micro- and Nanosystems' -> microsystems (the prefix replaces a combining form)."""
        if not any(part.prefix for part in parts):
            return parts
        result = list(parts)
        for index in range(len(parts) - 2, -1, -1):
            part = parts[index]
            if not part.prefix:
                continue
            donor = next((later for later in result[index + 1 :] if not later.prefix), None)
            if donor is None or not donor.words:
                continue
            first, rest = donor.words[0], donor.words[1:]
            pieces = _HYPHENATED.split(first, maxsplit=1)
            stem = part.words[0].rstrip("-‐‑–")
            if len(pieces) == 2:
                joined = f"{stem}-{pieces[1]}"
            else:
                lowered = first.lower()
                form = next(
                    (
                        f
                        for f in self._vocabulary.combining_forms
                        if lowered.startswith(f) and len(first) > len(f) + 2
                    ),
                    None,
                )
                if form is None:
                    continue
                joined = stem + first[len(form) :]
            result[index] = Conjunct((joined, *rest), part.aliases)
        return result

    def _distribute_forward(self, parts: list[Conjunct]) -> list[Conjunct] | None:
        """'Urban Studies and Planning' -> urban planning: a modifier reaches a bare generic head.

        Not when the modifier makes a fixed compound with its own head ('Applied Science and
        Engineering' is applied science and engineering, never applied engineering)."""
        if len(parts) != 2 or parts[0].fixed or parts[1].fixed:
            return None
        first, second = parts
        heads = self._vocabulary.generic_heads
        if len(first.words) < 2 or len(second.words) != 1:
            return None
        first_head, second_head = word_key(first.words[-1]), word_key(second.words[0])
        if first_head not in heads or second_head not in heads or first_head == second_head:
            return None
        if any(word_key(word) in self._vocabulary.forward_blockers for word in first.words[:-1]):
            return None
        return [first, Conjunct((*first.words[:-1], second.words[0]), second.aliases)]

    def _head_words(self, provider: Conjunct) -> tuple[tuple[str, ...], bool]:
        """The head a provider conjunct shares: its head noun with the complement that follows it
        ('Low-Resource Methods for NLP' -> Methods for NLP), a known compound head ('reinforcement
        learning'), or its last word."""
        keys = [word_key(word) for word in provider.words]
        preposition = next(
            (index for index, key in enumerate(keys) if index >= 2 and key in _COMPLEMENT_PREPOSITIONS), None
        )
        if preposition is not None:
            return provider.words[preposition - 1 :], False
        for size in range(min(3, len(keys) - 1), 1, -1):
            if " ".join(keys[-size:]) in self._vocabulary.compound_heads:
                return provider.words[-size:], True
        return provider.words[-1:], False

    def _distribute_backward(self, parts: list[Conjunct], list_item: bool) -> list[Conjunct]:
        """'Electrical and Computer Engineering' -> each modifier takes the head of the nearest
        multi-word conjunct to its right ('Web, usable and database security and privacy')."""
        result = list(parts)
        provider: Conjunct | None = None
        last = parts[-1]
        if len(last.words) == 1 and not last.fixed:
            # 'Civil, Environmental and Geo-Engineering': the head is the last part of a hyphenated word.
            pieces = _HYPHENATED.split(last.words[0])
            if len(pieces) >= 2 and word_key(pieces[-1]) in self._vocabulary.shared_heads:
                provider = Conjunct((pieces[-1],))
        for index in range(len(parts) - 1, -1, -1):
            part = parts[index]
            if provider is not None and part is not last:
                head, compound = self._head_words(provider)
                if self._needs_head(part, head, list_item, compound):
                    result[index] = Conjunct((*part.words, *head), part.aliases)
            if len(result[index].words) >= 2 and not part.fixed:
                provider = result[index]
        return result

    def _share_first_words(self, parts: list[Conjunct]) -> list[Conjunct]:
        """'Query processing, optimization, and execution' -> query optimization, query execution:
        a one-word conjunct after a multi-word one continues it when both words are of one kind."""
        result: list[Conjunct] = []
        anchor: Conjunct | None = None
        for part in parts:
            if len(part.words) >= 2 and not part.fixed:
                anchor = part
            elif anchor is not None and len(part.words) == 1 and not part.fixed:
                word = part.words[0]
                if _HYPHENATED.search(word) or _CAMEL_CASE.search(word) or word.isupper():
                    result.append(part)
                    continue
                if self._vocabulary.continues(word_key(anchor.words[-1]), word_key(word)):
                    part = Conjunct((*anchor.words[:-1], part.words[0]), part.aliases)
            result.append(part)
        return result

    def _needs_head(self, part: Conjunct, head: tuple[str, ...], list_item: bool, compound: bool) -> bool:
        if part.fixed or not head:
            return False
        head_key = word_key(head[-1])
        vocabulary = self._vocabulary
        if not head_key or (
            head_key in vocabulary.non_field_words and head_key not in vocabulary.shared_heads
        ):
            return False
        keys = [word_key(word) for word in part.words]
        if not keys or not keys[-1] or keys[-1] == head_key:
            return False
        if len(keys) == 1:
            word = part.words[0]
            if _INNER_FUNCTION_WORD.search(word) or _CAMEL_CASE.search(word):
                return False  # 'Text-to-SQL', 'AutoML' are whole names
            if is_possessive(word) or (_HYPHENATED.search(word) and keys[0] not in vocabulary.known_fields):
                return True  # 'Women's and Gender Studies', 'Few-shot and zero-shot learning'
            if list_item:
                return vocabulary.takes_list_head(keys[0], head_key, compound=compound)
            return vocabulary.takes_shared_head(keys[0], head_key)
        if list_item:
            return False  # 'Semantic Web and linked data': a topic of several words is whole
        # 'Latin American and Caribbean Studies' and 'Stem Cell and Regenerative Biology' share the head;
        # 'Information Retrieval and Web Search' does not: 'Retrieval' is already a head noun, and neither
        # does 'Public Health and Longevity Science': a part ending in a field word is a field already.
        if keys[-1] in vocabulary.known_fields:
            return False
        return all(
            vocabulary.is_modifier_word(key) for key in keys[:-1]
        ) and vocabulary.ends_compound_modifier(keys[-1])
