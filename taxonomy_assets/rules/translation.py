"""A pre-pass of the rule extractor: a unit name in a language with a lexicon becomes its English reading,
one in a language without a lexicon becomes a quarantine entry (SPEC §6 S1).

"Fakultät für Informatik" -> "Faculty of Computer Science"; "Departamento de Biología Celular y Molecular"
-> "Department of Cell and Molecular Biology" (postposed adjectives move in front of their noun);
"Geowissenschaften" -> "Geosciences" (compounds split into known parts). The English rules then read the
result as they read any unit name, so coordination, boilerplate and eponyms work the same in every language.
A name is only read as foreign on evidence: a unit or function word that is not English plus a field word
the lexicon knows, so "Art", "Design" or "Physique" alone stay English.
"""

import re
import unicodedata
from dataclasses import dataclass

from taxonomy_assets.labelers import LabelingError
from taxonomy_assets.policy.text_sections import LanguageLexicon, TranslationPolicy

UNSUPPORTED_LANGUAGE = "unsupported_language"
_SEGMENTS = re.compile(r"(\s+[-–—|:]\s+|\s*,\s*|\s*/\s*)")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_LIGATURES = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "þ": "th", "ı": "i"}
)
_LONGEST_PHRASE = 4
_MIN_COMPOUND_PART = 3


def fold(word: str) -> str:
    """Lower case without accents: 'Fakultät' -> 'fakultat', so ASCII-folded input matches too."""
    decomposed = unicodedata.normalize("NFKD", word.lower().translate(_LIGATURES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> list[str]:
    # Apostrophes and hyphens separate words ("d'informatique", "Luft- und Raumfahrttechnik").
    return _WORD.findall(unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class _Item:
    """One read piece of a name: its English text and part of speech."""

    english: str
    kind: str  # unit | function | noun | adjective | ambiguous | unknown


class _Language:
    """One lexicon with folded keys."""

    def __init__(self, code: str, lexicon: LanguageLexicon, english_words: frozenset[str]) -> None:
        self.code = code
        self.name = lexicon.name
        self.postposed = lexicon.postposed_adjectives

        def folded(mapping: dict[str, str]) -> dict[tuple[str, ...], str]:
            return {
                tuple(fold(w) for w in _words(key)): value for key, value in mapping.items() if _words(key)
            }

        self.units = folded(lexicon.unit_words)
        self.functions = folded(lexicon.function_words)
        self.phrases = folded(lexicon.phrases)
        self.nouns = folded(lexicon.nouns)
        self.adjectives = folded(lexicon.adjectives)
        self.prefixes = {fold(key): value for key, value in lexicon.compound_prefixes.items()}
        self.modifiers = {fold(key): value for key, value in lexicon.compound_modifiers.items()}
        self.markers = {key for key in [*self.units, *self.functions] if " ".join(key) not in english_words}
        # Field nouns that are no English word ('informatik', 'elektrotechniek') are evidence on their own:
        # 'Department Informatik' mixes an English unit word with a German field.
        self.distinctive = {
            key
            for key in self.nouns
            if len(key) == 1 and key[0] not in english_words and fold(self.nouns[key]) != key[0]
        }

    def read(self, words: list[str]) -> list[tuple[_Item, tuple[str, ...]]]:
        """Longest-match reading of one segment's words; unknown words keep their surface form."""
        keys = [fold(word) for word in words]
        read: list[tuple[_Item, tuple[str, ...]]] = []
        index = 0
        while index < len(keys):
            for width in range(min(_LONGEST_PHRASE, len(keys) - index), 0, -1):
                key = tuple(keys[index : index + width])
                item = self._lookup(key)
                if item is not None:
                    read.append((item, key))
                    index += width
                    break
            else:
                compound = self._compound(keys[index])
                read.append((_Item(compound, "noun") if compound else _Item(words[index], "unknown"), ()))
                index += 1
        return read

    def _lookup(self, key: tuple[str, ...]) -> _Item | None:
        if key in self.phrases:
            return _Item(self.phrases[key], "noun")
        if key in self.units:
            return _Item(self.units[key], "unit")
        if key in self.functions:
            return _Item(self.functions[key], "function")
        if key in self.nouns and key in self.adjectives:
            return _Item(f"{self.nouns[key]}|{self.adjectives[key]}", "ambiguous")
        if key in self.nouns:
            return _Item(self.nouns[key], "noun")
        if key in self.adjectives:
            return _Item(self.adjectives[key], "adjective")
        return None

    def _compound(self, key: str) -> str:
        """'geowissenschaften' -> 'Geosciences', 'sozialwissenschaften' -> 'Social Sciences', else ''."""
        head = self.nouns.get((key,))
        if head is not None:
            return head
        for parts, attach in ((self.prefixes, True), (self.modifiers, False)):
            for part in sorted(parts, key=len, reverse=True):
                rest = key[len(part) :]
                if key.startswith(part) and len(rest) >= _MIN_COMPOUND_PART:
                    tail = self._compound(rest)
                    if tail:
                        return f"{parts[part]}{tail.lower()}" if attach else f"{parts[part]} {tail}"
        return ""


def _reorder(items: list[_Item]) -> list[_Item]:
    """Postposed adjectives in front of their nouns: 'Ingegneria Civile e Ambientale' -> 'Civile e
    Ambientale Ingegneria'; a word that is noun or adjective is an adjective right after a noun phrase."""
    resolved: list[_Item] = []
    for item in items:
        if item.kind == "ambiguous":
            noun, adjective = item.english.split("|")
            previous = [i for i in resolved if i.kind != "function" or i.english == "and"]
            before = (
                previous[-2] if previous and previous[-1].english == "and" and len(previous) > 1 else None
            )
            after_phrase = bool(previous) and previous[-1].kind in {"noun", "adjective"}
            as_adjective = after_phrase or (before is not None and before.kind == "adjective")
            item = _Item(adjective, "adjective") if as_adjective else _Item(noun, "noun")
        resolved.append(item)
    out: list[_Item] = []
    index = 0
    while index < len(resolved):
        if resolved[index].kind != "noun":
            out.append(resolved[index])
            index += 1
            continue
        nouns, end = _run(resolved, index, "noun")
        adjectives, after = _run(resolved, end, "adjective")
        out.extend([*adjectives, *nouns] if adjectives else nouns)
        index = after if adjectives else end
    return out


def _run(items: list[_Item], start: int, kind: str) -> tuple[list[_Item], int]:
    """Items of `kind` joined by 'and' from `start`: (the run, the index after it)."""
    run: list[_Item] = []
    index = start
    while index < len(items) and items[index].kind == kind:
        run.append(items[index])
        index += 1
        if index + 1 < len(items) and items[index].english == "and" and items[index + 1].kind == kind:
            run.append(items[index])
            index += 1
    return run, index


def _english(items: list[_Item]) -> str:
    """English word order needs 'of' after a unit word ('Departement Elektrotechniek' -> 'Department of
    Electrical Engineering'); dropped articles vanish and 'et de' reads 'and'."""
    words: list[str] = []
    for index, item in enumerate(items):
        text = item.english
        if not text or (text == "of" and words and words[-1] in {"and", "of"}):
            continue
        words.append(text)
        following = items[index + 1] if index + 1 < len(items) else None
        if item.kind == "unit" and following is not None and following.kind not in {"function", "unit"}:
            words.append("of")
    return " ".join(words)


@dataclass(frozen=True)
class Reading:
    """The text the English rules read, and the language it came from ('en' when untouched)."""

    text: str
    language: str


class UnitNameTranslator:
    """Recognises a unit name's language from policy lexicons and returns its English reading."""

    def __init__(self, policy: TranslationPolicy) -> None:
        english = frozenset(fold(word) for word in policy.english_words)
        self._english = english
        self._languages = [_Language(code, lexicon, english) for code, lexicon in policy.languages.items()]
        self._letters = frozenset(policy.unsupported.letters)
        self._unsupported = {
            code: {tuple(fold(w) for w in _words(marker)) for marker in markers}
            for code, markers in policy.unsupported.markers.items()
        }
        # Any evidence of another language starts with one of these words; most English names have none.
        self._evidence = frozenset(
            word for language in self._languages for marker in language.markers for word in marker
        ) | frozenset(word for markers in self._unsupported.values() for marker in markers for word in marker)
        self._evidence |= frozenset(
            word for language in self._languages for key in language.distinctive for word in key
        )

    def read(self, text: str) -> Reading:
        """The English reading of `text`; raises LabelingError('unsupported_language') for a name in a
        language without a lexicon; English text comes back unchanged."""
        words = _words(text)
        if not words or (text.isascii() and not any(fold(word) in self._evidence for word in words)):
            return Reading(text, "en")
        script = _other_script(words)
        if script:
            raise LabelingError(
                UNSUPPORTED_LANGUAGE, f"'{text[:80]}' is written in {script} script; no lexicon"
            )
        language = self._recognise(words)
        if language is not None:
            return Reading(self._translate(text, language), language.code)
        unsupported = self._unsupported_language(text, words)
        if unsupported:
            raise LabelingError(UNSUPPORTED_LANGUAGE, f"'{text[:80]}' reads as {unsupported}; no lexicon")
        return Reading(text, "en")

    def _recognise(self, words: list[str]) -> _Language | None:
        best: tuple[int, int, _Language] | None = None
        for order, language in enumerate(self._languages):
            read = language.read(words)
            # a foreign field noun is evidence only beside another word ('Department Informatik');
            # alone ('Physique') it may be an English word
            distinctive = language.distinctive if len(words) > 1 else set()
            markers = sum(1 for item, key in read if key in language.markers or key in distinctive)
            fields = sum(1 for item, _ in read if item.kind in {"noun", "adjective", "ambiguous"})
            unknown = sum(1 for item, _ in read if item.kind == "unknown")
            if markers and fields and unknown <= fields:
                score = (fields + markers - unknown, -order)
                if best is None or score > best[:2]:
                    best = (*score, language)
        return best[2] if best else None

    def _translate(self, text: str, language: _Language) -> str:
        """Segment by segment ('Universität X - Institut für Physik'), so separators survive."""
        parts = _SEGMENTS.split(text)
        out: list[str] = []
        for index, part in enumerate(parts):
            if index % 2 or not part.strip():
                out.append(part)
                continue
            read = [item for item, _ in language.read(_words(part))]
            known = any(item.kind in {"noun", "adjective", "ambiguous", "unit"} for item in read)
            if not known:
                out.append(part)
                continue
            out.append(_english(_reorder(read) if language.postposed else read))
        return "".join(out)

    def _unsupported_language(self, text: str, words: list[str]) -> str:
        """Evidence of a language without a lexicon, unless English words show the text is English with
        a foreign name in it ('Topics chaired by Paweł Nowak')."""
        if any(fold(word) in self._english for word in words):
            return ""
        if any(ch in self._letters for ch in text.lower()):
            return (
                "a language without a lexicon (letters "
                + "".join(sorted({ch for ch in text.lower() if ch in self._letters}))
                + ")"
            )
        keys = [fold(word) for word in words]
        for code, markers in sorted(self._unsupported.items()):
            for marker in markers:
                width = len(marker)
                if any(tuple(keys[i : i + width]) == marker for i in range(len(keys) - width + 1)):
                    return f"language '{code}' (unit word '{' '.join(marker)}')"
        return ""


def _other_script(words: list[str]) -> str:
    """The name of a non-Latin script that most letters are written in, or ''."""
    scripts: dict[str, int] = {}
    letters = 0
    for word in words:
        for ch in word:
            if not ch.isalpha():
                continue
            letters += 1
            name = unicodedata.name(ch, "")
            script = name.split(" ")[0] if name else "UNKNOWN"
            if script != "LATIN":
                scripts[script] = scripts.get(script, 0) + 1
    if not scripts or sum(scripts.values()) * 2 < letters:
        return ""
    return max(sorted(scripts), key=lambda script: scripts[script]).title()
