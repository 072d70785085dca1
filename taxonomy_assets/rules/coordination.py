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
    r"\s*,\s*(?:(?:and|&|\+)\s+)?|\s*;\s*|\s*/\s*|\s+(?:and|&|\+)\s+"
    r"|(?<=\S)(?:\s+[–—]\s*|\s*[–—]\s+|—)(?=\S)"
    r"|(?<=\w)–(?=(?:[\w'’-]+|\ue000\d+\ue001)(?:\s*(?:[,;&/(]|\band\b)|\s*$))",
    re.IGNORECASE,
)
_ACRONYM = re.compile(r"[A-Za-z0-9][A-Za-z0-9&+./-]{0,11}")
_STRAY = re.compile(r"[()\[\]{}]")
# an unspaced hyphen or en dash joins a compound ('Human–Computer Interaction'); spaced dashes separate
_HYPHENATED = re.compile(r"(?<=\w)[-‐‑–](?=\w)")
_LEADING_AND = re.compile(r"^(?:and|&)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Conjunct:
    """One field of a coordinated phrase: its words, the aliases seen with it, and whether it is fixed."""

    words: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    fixed: bool = False

    @property
    def surface(self) -> str:
        return " ".join(self.words)


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
        joiner = r"(?:\s*,\s*(?:(?:and|&)\s+)?|\s+(?:(?:and|&)\s+)?|\s*-\s*)"
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

    def conjuncts(self, phrase: str, expand_acronyms: bool = True) -> list[Conjunct]:
        """The fields a phrase coordinates, heads distributed, in order of appearance."""
        protected: list[str] = []
        aliases: list[str] = []
        text = self._protect(_PRIVATE_USE.sub("", phrase), protected, aliases)
        parts = self._split(text, protected, aliases, expand_acronyms)
        return self._distribute(parts)

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
            surface = self._strip(_PROTECTED.sub(lambda m: protected[int(m.group(1))], raw))
            surface = _LEADING_AND.sub("", surface)
            if not surface:
                continue
            expansion = self._acronyms.get(surface) if expand_acronyms else None
            if expansion is not None:
                parts.extend(self._expand(surface, expansion, found))
                continue
            parts.append(Conjunct(tuple(surface.split()), found, fixed))
        return parts

    def _expand(self, acronym: str, expansion: str, aliases: tuple[str, ...]) -> list[Conjunct]:
        expanded = self.conjuncts(expansion, expand_acronyms=False)
        if len(expanded) == 1:
            only = expanded[0]
            return [Conjunct(only.words, (*aliases, acronym), fixed=True)]
        return [Conjunct(part.words, part.aliases, fixed=True) for part in expanded]

    def _distribute(self, parts: list[Conjunct]) -> list[Conjunct]:
        if len(parts) < 2:
            return parts
        forward = self._distribute_forward(parts)
        if forward is not None:
            return forward
        return self._distribute_backward(parts)

    def _distribute_forward(self, parts: list[Conjunct]) -> list[Conjunct] | None:
        """'Urban Studies and Planning' -> urban planning: a modifier reaches a bare generic head."""
        if len(parts) != 2 or parts[0].fixed or parts[1].fixed:
            return None
        first, second = parts
        heads = self._vocabulary.generic_heads
        if len(first.words) < 2 or len(second.words) != 1:
            return None
        first_head, second_head = word_key(first.words[-1]), word_key(second.words[0])
        if first_head not in heads or second_head not in heads or first_head == second_head:
            return None
        return [first, Conjunct((*first.words[:-1], second.words[0]), second.aliases)]

    def _distribute_backward(self, parts: list[Conjunct]) -> list[Conjunct]:
        """'Electrical and Computer Engineering' -> each modifier takes the last conjunct's head."""
        last = parts[-1]
        if last.fixed or not last.words:
            return parts
        head = last.words[-1]
        if len(last.words) < 2:
            # 'Civil, Environmental and Geo-Engineering': the head is the last part of a hyphenated word.
            pieces = _HYPHENATED.split(head)
            if len(pieces) < 2 or word_key(pieces[-1]) not in self._vocabulary.shared_heads:
                return parts
            head = pieces[-1]
        head_key = word_key(head)
        vocabulary = self._vocabulary
        if not head_key or (
            head_key in vocabulary.non_field_words and head_key not in vocabulary.shared_heads
        ):
            return parts
        distributed = [
            Conjunct((*part.words, head), part.aliases) if self._needs_head(part, head_key) else part
            for part in parts[:-1]
        ]
        return [*distributed, last]

    def _needs_head(self, part: Conjunct, head_key: str) -> bool:
        if part.fixed:
            return False
        keys = [word_key(word) for word in part.words]
        if not keys or not keys[-1] or keys[-1] == head_key:
            return False
        vocabulary = self._vocabulary
        if len(keys) == 1:
            word = part.words[0]
            if is_possessive(word) or (_HYPHENATED.search(word) and keys[0] not in vocabulary.known_fields):
                return True  # 'Women's and Gender Studies', 'Few-shot and zero-shot learning'
            return vocabulary.takes_shared_head(keys[0], head_key)
        # 'Latin American and Caribbean Studies' and 'Stem Cell and Regenerative Biology' share the head;
        # 'Information Retrieval and Web Search' does not: 'Retrieval' is already a head noun, and neither
        # does 'Public Health and Longevity Science': a part ending in a field word is a field already.
        if keys[-1] in vocabulary.known_fields:
            return False
        return all(
            vocabulary.is_modifier_word(key) for key in keys[:-1]
        ) and vocabulary.ends_compound_modifier(keys[-1])
