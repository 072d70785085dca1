"""Read a unit name down to the phrase that names its field(s).

"Columbia University - Mailman School of Public Health" -> "Public Health"; "Harvard Law School" -> "Law";
"Office of Student Services" -> nothing. Institution prefixes, eponyms, unit boilerplate and unit chains
("Department of Physics, College of Arts and Sciences") are removed here; splitting coordinated fields
is the coordinator's job.
"""

import re

from taxonomy_assets.policy.text_sections import ExtractionPolicy, LabelPolicy
from taxonomy_assets.rules.vocabulary import FieldVocabulary, word_key

_SEGMENT_SPLIT = re.compile(r"\s+[-–—|]\s+|\s*\|\s*|\s*::?\s+")
_COMMA_OUTSIDE_PARENS = re.compile(r",(?![^()]*\))")
_WORD = re.compile(r"[^\s]+")
_SENTENCE_END = re.compile(r"[.!?]\s*$")
_WORD_PARTS = re.compile(r"[-‐–]")
# Function words that may sit inside a field name ('History of Art', 'Arts and Sciences').
_CONNECTORS = frozenset({"and", "of", "for", "in", "on", "the", ""})


def _alternation(words: list[str]) -> str:
    ordered = sorted({word.strip() for word in words if word.strip()}, key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(part) for part in word.split()) for word in ordered)


class UnitNameReader:
    """Turns one unit name (or list item) into the field phrases it names; [] when it names none."""

    def __init__(self, label: LabelPolicy, extraction: ExtractionPolicy, vocabulary: FieldVocabulary) -> None:
        self._vocabulary = vocabulary
        self._extraction = extraction
        units = _alternation(extraction.unit_types) or r"(?!x)x"
        prepositions = _alternation(extraction.unit_prepositions) or r"(?!x)x"
        self._unit_of = re.compile(
            rf"\b(?P<unit>{units})s?\.?\s+(?:{prepositions})\s+(?:(?:the|an?)\s+)?", re.IGNORECASE
        )
        self._trailing_unit = re.compile(rf"(?:^|\s+)(?P<unit>{units})s?\.?\s*$", re.IGNORECASE)
        leading = _alternation(extraction.leading_unit_types) or r"(?!x)x"
        # case-sensitive on the following word: 'Department Informatik', not 'department store'
        self._leading_unit = re.compile(rf"(?i:{leading})\.?\s+(?=[A-Z])")
        self._non_field_units = frozenset(word_key(unit) for unit in extraction.non_field_unit_types)
        self._prefixes = [re.compile(pattern, re.IGNORECASE) for pattern in label.institution_prefix_patterns]
        self._institutions = [
            re.compile(pattern, re.IGNORECASE) for pattern in extraction.institution_patterns
        ]
        self._unit_suffixes = [re.compile(pattern) for pattern in extraction.unit_suffix_patterns]
        self._boilerplate = [re.compile(pattern, re.IGNORECASE) for pattern in label.boilerplate_phrases]
        self._prose_markers = frozenset(word.lower() for word in extraction.prose_markers)
        self._acronyms = frozenset(extraction.coordination.acronyms)

    def field_phrases(self, text: str) -> list[str]:
        """Field phrases of the most specific segment that names a field ('Institution - Unit')."""
        text = self._strip_institution_prefix(text)
        for segment in reversed(_SEGMENT_SPLIT.split(text)):
            phrases = [p for p in (self.strip_boilerplate(p) for p in self._read_segment(segment)) if p]
            if phrases:
                return phrases
        return []

    def strip_boilerplate(self, phrase: str) -> str:
        """Remove policy boilerplate ('the study of', '... graduate program') until none is left."""
        phrase = phrase.strip(" ,.;:-")
        changed = True
        while changed and phrase:
            changed = False
            for pattern in self._boilerplate:
                stripped = pattern.sub("", phrase, count=1).strip(" ,.;:-")
                if stripped != phrase:
                    phrase, changed = stripped, True
        return phrase

    def is_prose(self, text: str) -> bool:
        """A sentence rather than a name: too long, a finite verb or pronoun, or a full stop after words."""
        words = _WORD.findall(text)
        if len(words) > self._extraction.max_item_words:
            return True
        for word in words:
            bare = word.strip(".,;:!?()\"'")
            if bare.lower() in self._prose_markers and not (bare.isupper() and len(bare) > 1):
                return True
        return len(words) >= 4 and bool(_SENTENCE_END.search(text))

    def _strip_institution_prefix(self, text: str) -> str:
        for _ in range(3):
            before = text
            for pattern in self._prefixes:
                text = pattern.sub("", text, count=1)
            if text == before:
                break
        return text.strip()

    def _is_institution(self, text: str) -> bool:
        text = text.strip(" ,.;")
        return any(pattern.fullmatch(text) for pattern in self._institutions)

    def _read_segment(self, segment: str) -> list[str]:
        segment = segment.strip(" ,;:")
        if not segment or self.is_prose(segment) or self._is_institution(segment):
            return []
        segment = self._drop_leading_institution(self._first_unit_of_chain(segment))
        unit_of = self._find_unit_of(segment)
        if unit_of is not None:
            return self._read_unit_of(segment, unit_of)
        trailing = self._trailing_unit.search(segment)
        if trailing is not None:
            return self._read_trailing_unit(segment)
        leading = self._leading_unit.match(segment)
        if leading is not None:
            return [segment[leading.end() :]]  # 'Department Computer Engineering' (no 'of')
        return [segment]

    def _drop_leading_institution(self, segment: str) -> str:
        """'California Institute of Technology Division of Biology' -> 'Division of Biology'."""
        for match in self._unit_of.finditer(segment):
            if match.start() and self._is_institution(segment[: match.start()]):
                return segment[match.start() :]
        return segment

    def _first_unit_of_chain(self, segment: str) -> str:
        """'Department of Physics, College of Arts and Sciences' -> the first, most specific unit."""
        parts = _COMMA_OUTSIDE_PARENS.split(segment)
        if len(parts) == 1:
            return segment
        kept: list[str] = []
        seen_unit = after_institution = False
        for part in parts:
            if self._is_institution(part):
                if kept:
                    break
                after_institution = True
                continue
            unit_like = self._find_unit_of(part) is not None or bool(self._trailing_unit.search(part))
            if after_institution and not kept and not unit_like:
                continue  # the campus of 'University of California, Berkeley, College of Chemistry'
            if unit_like:
                if seen_unit:
                    break
                seen_unit = True
            kept.append(part)
        return ",".join(kept)

    def _find_unit_of(self, text: str) -> re.Match[str] | None:
        # Unit names are title-cased ('Division of Humanities'); 'Division of labor' in sentence case is
        # a topic. Text in one case throughout gives no such signal and is read as a unit name.
        one_case = text == text.lower() or text == text.upper()
        for match in self._unit_of.finditer(text):
            following = text[match.end() : match.end() + 1]
            if one_case or (match.group("unit")[0].isupper() and not following.islower()):
                return match
        return None

    def _read_unit_of(self, segment: str, match: re.Match[str]) -> list[str]:
        if word_key(match.group("unit")) in self._non_field_units:
            return []
        field = segment[match.end() :]
        for pattern in self._unit_suffixes:
            field = pattern.sub("", field, count=1)
        field = self._first_unit_of_chain(field)
        inner = self._find_unit_of(field)
        if inner is not None:
            field = field[: inner.start()].strip(" ,")
        before = segment[: match.start()]
        if self._is_institution(field):
            field = ""  # 'Wharton School of the University of Pennsylvania'
        if before.strip() and not self._is_field_anchor_phrase(field):
            # 'Medical College of Wisconsin': the place after 'of' is no field; the word before is.
            fallback = self._trim_eponyms(before)
            if fallback:
                return [fallback]
        return [field]

    def _read_trailing_unit(self, segment: str) -> list[str]:
        residual = segment
        while True:
            match = self._trailing_unit.search(residual)
            if match is None:
                break
            if word_key(match.group("unit")) in self._non_field_units:
                return []
            residual = residual[: match.start()]
        trimmed = self._trim_eponyms(residual)
        return [trimmed] if trimmed else []

    def _trim_eponyms(self, text: str) -> str:
        """Keep the trailing run of field words: 'Robert Wood Johnson Medical' -> 'Medical',
        'Harvard Kennedy' -> '' (only names), 'History of Art' stays whole."""
        words = self.strip_boilerplate(text).split()
        start = len(words)
        for index in range(len(words) - 1, -1, -1):
            key = word_key(words[index])
            if self._is_field_word(words[index]):
                start = index
            elif index == start - 1 and key in self._vocabulary.non_field_words and key not in _CONNECTORS:
                # 'Lifelong Learning Centre': an organisational word is no eponym; keep it so the
                # no-field checks see the whole 'lifelong learning'
                start = index
                break
            elif key not in _CONNECTORS:
                break
        if start > 0 and word_key(words[start - 1]) in _CONNECTORS:
            # 'University of Michigan Medical': the words right after 'of' name the place.
            while start < len(words) - 1 and not self._is_field_anchor(word_key(words[start])):
                start += 1
        words = words[start:]
        if (
            len(words) == 1
            and words[0] not in self._acronyms
            and not self._is_field_anchor(word_key(words[0]))
        ):
            return ""
        return " ".join(words)

    def _is_field_word(self, word: str) -> bool:
        if any(ch.isdigit() for ch in word) or word in self._acronyms:
            return True
        return any(self._vocabulary.is_field_like(word_key(part)) for part in _WORD_PARTS.split(word) if part)

    def _is_field_anchor(self, key: str) -> bool:
        """Strictly field-shaped: lexicon, head, modifier, rewrite or field suffix (not an -an/-ern name)."""
        vocabulary = self._vocabulary
        return (
            vocabulary.is_field_noun(key)
            or key in vocabulary.modifier_nouns
            or key in vocabulary.adjectives
            or key in vocabulary.rewrite_keys
        )

    def _is_field_anchor_phrase(self, phrase: str) -> bool:
        words = [word_key(word) for word in phrase.split()]
        if len(words) != 1:
            return bool(words)
        return self._is_field_anchor(words[0])
