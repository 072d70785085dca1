"""Why two concept keys of one level may name the same field: one finder per kind of evidence.

Each finder looks at the keys of a level and proposes (source, target, reason) pairs; the caller decides
which side survives. Evidence is general: spacing ('micro engineering' / 'microengineering'), a light
trailing noun ('learned index structures' / 'learned indexes'), an acronym matching one concept's
initials, the same words in another order, and one-letter typos in long words that share a parent.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz.distance import DamerauLevenshtein

from taxonomy_assets.policy.concept_sections import ConsolidationPolicy

INITIAL_SKIP = frozenset({"of", "for", "in", "on", "to", "and", "the", "a", "an"})
COMPLEMENT_PREPOSITIONS = frozenset({"of", "for", "in", "on", "to", "under"})


@dataclass(frozen=True)
class Evidence:
    """A proposed merge of `first` and `second` (concept keys) with its reason; `prefer` names the key
    to keep when support cannot decide (an acronym's expansion)."""

    first: str
    second: str
    reason: str
    prefer: str = ""
    minority_only: bool = False  # absorb only a phrasing that does not stand on its own support


@dataclass(frozen=True)
class KeyFacts:
    """What the finders may look at for one concept key."""

    key: str
    normalized: str
    aliases: tuple[str, ...]
    anchors: frozenset[str]


def _pairs_by(keys: Iterable[KeyFacts], signature: Callable[[KeyFacts], str | None]) -> list[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for facts in keys:
        value = signature(facts)
        if value:
            groups[value].append(facts.key)
    pairs = []
    for members in groups.values():
        ordered = sorted(members)
        pairs.extend((ordered[0], other) for other in ordered[1:])
    return pairs


class EvidenceFinder:
    """Proposes merges among the keys of one level, in a fixed order, deterministically."""

    def __init__(
        self, policy: ConsolidationPolicy, fold_word: Callable[[str], str], complements: bool = False
    ) -> None:
        self._policy = policy
        self._complements = complements
        self._tails = frozenset(fold_word(tail) for tail in policy.light_tails)

    def find(self, facts: Mapping[str, KeyFacts]) -> list[Evidence]:
        items = [facts[key] for key in sorted(facts)]
        found: list[Evidence] = []
        for first, second in _pairs_by(items, lambda f: f.key.replace(" ", "")):
            found.append(Evidence(first, second, "same letters apart from spacing"))
        found.extend(self._light_tails(facts))
        found.extend(self._acronyms(items))
        for first, second in _pairs_by(
            items, lambda f: " ".join(sorted(f.key.split())) if " " in f.key else None
        ):
            found.append(Evidence(first, second, "same words in another order"))
        found.extend(self._typos(items))
        if self._complements:
            found.extend(self._complement_phrases(facts))
        return found

    def _complement_phrases(self, facts: Mapping[str, KeyFacts]) -> list[Evidence]:
        """'formal verification of systems software', 'fairness in nlp' -> the topic before the complement,
        when that topic is a concept of the level too."""
        found = []
        for key in sorted(facts):
            words = key.split()
            for index, word in enumerate(words[1:-1], start=1):
                if word in COMPLEMENT_PREPOSITIONS:
                    topic = " ".join(words[:index])
                    if topic in facts:
                        reason = f"'{key}' is '{topic}' with the complement '{' '.join(words[index:])}'"
                        found.append(Evidence(key, topic, reason, prefer=topic, minority_only=True))
                    break
        return found

    def _light_tails(self, facts: Mapping[str, KeyFacts]) -> list[Evidence]:
        found = []
        for key in sorted(facts):
            words = key.split()
            if len(words) >= 2 and words[-1] in self._tails:
                shorter = " ".join(words[:-1])
                if shorter in facts:
                    found.append(Evidence(key, shorter, f"differs only by the trailing '{words[-1]}'"))
        return found

    def _acronyms(self, items: list[KeyFacts]) -> list[Evidence]:
        by_initials: dict[str, list[str]] = defaultdict(list)
        for facts in items:
            words = [word for word in facts.key.split() if word not in INITIAL_SKIP]
            if len(words) >= 2:
                by_initials["".join(word[0] for word in words)].append(facts.key)
        found = []
        for facts in items:
            token = facts.key
            if " " in token or not 2 <= len(token) <= self._policy.acronym_max_chars:
                continue
            written_as_acronym = any(
                alias.replace(".", "").upper() == alias.replace(".", "")
                and alias.lower().replace(".", "") == token
                for alias in facts.aliases
            )
            expansions = by_initials.get(token, [])
            if written_as_acronym and len(expansions) == 1:
                reason = f"'{token.upper()}' is the initials of '{expansions[0]}'"
                found.append(Evidence(token, expansions[0], reason, prefer=expansions[0]))
        return found

    def _typos(self, items: list[KeyFacts]) -> list[Evidence]:
        policy = self._policy
        by_shape: dict[tuple[int, str], list[KeyFacts]] = defaultdict(list)
        for facts in items:
            words = facts.key.split()
            for index in range(len(words)):
                shape = " ".join([*words[:index], "*", *words[index + 1 :]])
                by_shape[(index, shape)].append(facts)
        found = []
        for (index, _), group in sorted(by_shape.items()):
            for position, first in enumerate(group):
                for second in group[position + 1 :]:
                    a, b = first.key.split()[index], second.key.split()[index]
                    if min(len(a), len(b)) < policy.typo_min_chars:
                        continue
                    prefix = policy.typo_protected_prefix
                    if a[:prefix] != b[:prefix] or DamerauLevenshtein.distance(a, b) != 1:
                        continue
                    if first.anchors and second.anchors and not first.anchors & second.anchors:
                        continue
                    found.append(
                        Evidence(first.key, second.key, f"one-letter spelling variant ('{a}' / '{b}')")
                    )
        return found
