"""Canonical concept keys (SPEC §6 S1): one key per field, whatever spelling a source uses.

"Computer Sciences", "computer science" and "Computing Science" name one field; S2 must count their
support together. A key folds, word by word, the plural ('databases' -> 'database'), spelling variants
('modelling' -> 'modeling'), drops '&'/'and'/'the', and then maps policy synonyms (scoped by level) to
their canonical key. Keys are for grouping only: the label a node shows stays a real surface form.
"""

from functools import lru_cache

from taxonomy_assets.levels import LEVELS, Level
from taxonomy_assets.policy.concept_sections import ConceptPolicy
from taxonomy_assets.policy.text_sections import LabelPolicy
from taxonomy_assets.rules.normalize import LabelNormalizer

KEY_CACHE_SIZE = 262144
_PROTECTED_ENDINGS = ("ss", "us", "is", "ics", "ous", "'s")


class ConceptKeyer:
    """normalized label -> canonical key, per level; also reports which folds made two labels one."""

    def __init__(self, concepts: ConceptPolicy, label: LabelPolicy) -> None:
        self._normalize = LabelNormalizer(label).normalize
        self._stopwords = frozenset(concepts.key_stopwords)
        self._invariant = frozenset(concepts.plural.invariant)
        self._irregular = dict(concepts.plural.irregular)
        self._spelling = dict(concepts.spelling.words)
        self._suffixes = sorted(concepts.spelling.suffixes.items(), key=lambda item: -len(item[0]))
        self.fold = lru_cache(maxsize=KEY_CACHE_SIZE)(self._fold)
        self._synonyms: dict[Level, dict[str, str]] = {level: {} for level in LEVELS}
        for group in concepts.synonyms:
            canonical = self.fold(self._normalize(group.canonical))
            for variant in group.variants:
                folded = self.fold(self._normalize(variant))
                for level in group.levels:
                    if folded and folded != canonical:
                        self._synonyms[level][folded] = canonical
        self.key = lru_cache(maxsize=KEY_CACHE_SIZE)(self._key)

    def _key(self, normalized: str, level: Level) -> str:
        """The canonical key of a normalized label at `level` ("" stays "")."""
        folded = self.fold(normalized)
        return self._synonyms[level].get(folded, folded)

    def synonym_of(self, normalized: str, level: Level) -> str:
        """The canonical key a policy synonym maps this label to, or "" when none does."""
        return self._synonyms[level].get(self.fold(normalized), "")

    def _fold(self, normalized: str) -> str:
        """Plural, spelling and stopwords folded, synonyms not applied (`fold`, cached)."""
        return " ".join(self.fold_word(word) for word in normalized.split() if word not in self._stopwords)

    def fold_word(self, word: str) -> str:
        return self.singular(self.spelling(word))

    def spelling(self, word: str) -> str:
        if word in self._spelling:
            return self._spelling[word]
        for ending, canonical in self._suffixes:
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                return word[: -len(ending)] + canonical
        return word

    def singular(self, word: str) -> str:
        """English plural -> singular by suffix rules; policy irregulars and invariants first."""
        if word in self._irregular:
            return self._irregular[word]
        if (
            word in self._invariant
            or len(word) <= 3
            or not word.endswith("s")
            or word.endswith(_PROTECTED_ENDINGS)
        ):
            return word
        if word.endswith("ies") and len(word) > 4:
            return word[:-3] + "y"
        if word.endswith(("yses", "eses")):
            return word[:-2] + "is"
        if word.endswith(("xes", "ches", "shes", "sses", "zzes")):
            return word[:-2]
        return word[:-1]

    def fold_kinds(self, first: str, second: str) -> list[str]:
        """Why two normalized labels share a key: each fold that brought them closer, then 'synonym'."""
        steps = (
            ("and/&/the", lambda text: " ".join(w for w in text.split() if w not in self._stopwords)),
            ("spelling", lambda text: " ".join(self.spelling(w) for w in text.split())),
            ("plural", lambda text: " ".join(self.singular(w) for w in text.split())),
        )
        kinds: list[str] = []
        left, right = first, second
        for name, step in steps:
            if left == right:
                break
            new_left, new_right = step(left), step(right)
            if (new_left, new_right) != (left, right):
                kinds.append(name)
            left, right = new_left, new_right
        if left != right:
            kinds.append("synonym")
        return kinds
