"""Field families (SPEC §7): which group of disciplines a field belongs to, and how well a parent fits.

"Arts and Sciences" names two parents; astrophysics belongs under `sciences`, English under `arts`.
The lexicon maps words and phrases to families ('astrophysics' -> physical sciences) and broad unit
labels to the families they house ('arts' -> humanities, arts, social sciences). Matching is on folded
words (plural and spelling), so 'Earth Sciences' and 'earth science' read alike.
"""

from collections.abc import Callable
from functools import lru_cache

from taxonomy_assets.policy.concept_sections import FamilyLexicon

MIN_COMPOUND_TERM = 6
CACHE_SIZE = 65536

FIT_PRIMARY = 3
FIT_OWN = 2
FIT_HOUSED = 1
FIT_NONE = 0
FIT_NAMES = {FIT_PRIMARY: "primary family", FIT_OWN: "family", FIT_HOUSED: "housed family", FIT_NONE: "none"}


class FieldFamilies:
    """Family lookups over folded labels; `fold` is the concept keyer's fold (plural, spelling)."""

    def __init__(self, lexicon: FamilyLexicon, fold: Callable[[str], str]) -> None:
        self._fold = fold
        self._terms = {fold(term): tuple(families) for term, families in lexicon.terms.items() if fold(term)}
        self._umbrellas = {fold(term): frozenset(families) for term, families in lexicon.umbrellas.items()}
        self._houses = {family: frozenset(housed) for family, housed in lexicon.houses.items()}
        self._longest = max((len(term.split()) for term in self._terms), default=1)
        self._compound_terms = sorted(
            (term for term in self._terms if " " not in term and len(term) >= MIN_COMPOUND_TERM),
            key=len,
            reverse=True,
        )
        self.families = lru_cache(maxsize=CACHE_SIZE)(self._families)
        self.own = lru_cache(maxsize=CACHE_SIZE)(self._own)

    def _matches(self, label: str) -> list[tuple[str, ...]]:
        """Families of each matched term, rightmost (the head) first."""
        words = self._fold(label).split()
        found: list[tuple[str, ...]] = []
        end = len(words)
        while end > 0:
            for start in range(max(0, end - self._longest), end):
                families = self._terms.get(" ".join(words[start:end]))
                if families:
                    found.append(families)
                    end = start
                    break
            else:
                word = words[end - 1]
                compound = next((term for term in self._compound_terms if word.endswith(term)), None)
                if compound is not None:
                    found.append(self._terms[compound])
                end -= 1
        return found

    def _families(self, label: str) -> tuple[str, ...]:
        """Every family the label's terms mark, primary (the head's) first; () when none is known."""
        ordered: dict[str, None] = {}
        for families in self._matches(label):
            ordered.update(dict.fromkeys(families))
        return tuple(ordered)

    def _own(self, label: str) -> frozenset[str]:
        """Families a parent unit of this label houses as its own field(s)."""
        umbrella = self._umbrellas.get(self._fold(label))
        if umbrella is not None:
            return umbrella
        matches = self._matches(label)
        return frozenset(matches[0]) if matches else frozenset()

    def housed(self, label: str) -> frozenset[str]:
        """Families units of this label commonly house besides their own."""
        own = self.own(label)
        return frozenset(family for owned in own for family in self._houses.get(owned, ())) - own

    def fit(self, child: str, parent: str) -> int:
        """How well `parent` fits `child` by meaning: FIT_PRIMARY > FIT_OWN > FIT_HOUSED > FIT_NONE."""
        families = self.families(child)
        if not families:
            return FIT_NONE
        own = self.own(parent)
        if families[0] in own:
            return FIT_PRIMARY
        if own.intersection(families):
            return FIT_OWN
        if self.housed(parent).intersection(families):
            return FIT_HOUSED
        return FIT_NONE
