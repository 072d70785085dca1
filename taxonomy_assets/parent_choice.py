"""Choose each concept's parent by meaning first (SPEC §7), with the basis and alternatives recorded.

A concept's records name parent units; their readings give candidate parents one level up. Candidates
are ranked by:
1. meaning: whether the child's discipline family fits the parent, as its own field or one its units
   commonly house (astrophysics fits `sciences`, not `arts`; computer science fits `engineering`);
2. where institutions hang it without ambiguity: readings that name a single parent (after meaning has
   removed the parents that do not fit) are votes for that parent;
3. support: distinct institutions whose records name the parent;
4. ties: the shorter label, then alphabetical.
A concept is never its own parent: a candidate with the same concept key or label as the child is set
aside (statistics does not hang under statistics); when it was the only candidate, the concept is an
orphan and the orphan policy applies.
"""

import collections
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from taxonomy_assets.concepts.families import FIT_NAMES, FIT_NONE, FieldFamilies
from taxonomy_assets.contracts import Concept, HierarchyNode
from taxonomy_assets.levels import Level

SELF_PARENT_REASON = (
    "its only candidate parent is the same field one level up (a concept is not its own child)"
)


@dataclass(frozen=True)
class Candidate:
    node: HierarchyNode
    fit: int
    votes: int
    support: int

    @property
    def fits(self) -> bool:
        """The child's family is the parent's own or one its units house; how closely is not ranked, so
        that where institutions hang the concept decides among parents that all make sense."""
        return self.fit > FIT_NONE

    def rank(self) -> tuple[bool, int, int, int, str]:
        return (not self.fits, -self.votes, -self.support, len(self.node.label), self.node.label)

    def describe(self) -> str:
        return f"{self.node.label} (fit: {FIT_NAMES[self.fit]}, votes {self.votes}, support {self.support})"


@dataclass(frozen=True)
class ParentChoice:
    """The chosen parent (None: orphan), ranked alternatives, support for the edge and the basis."""

    parent: HierarchyNode | None
    alternatives: list[Candidate]
    support: int
    basis: str
    orphan_reason: str = ""


class ParentIndex:
    """Previous level's nodes by concept key, by merged-away keys and by alias keys."""

    def __init__(
        self,
        nodes: list[HierarchyNode],
        concepts: Mapping[str, Concept],
        key: Callable[[str, Level], str],
        level: Level,
    ) -> None:
        primary: dict[str, set[str]] = collections.defaultdict(set)
        secondary: dict[str, set[str]] = collections.defaultdict(set)
        self._nodes = {node.concept_id: node for node in nodes}
        self._keys = {node.concept_id: concepts[node.concept_id].concept_key for node in nodes}
        for node in nodes:
            concept = concepts[node.concept_id]
            for name in (concept.concept_key, *concept.merged_from):
                primary[name].add(node.concept_id)
            for name in (*concept.aliases, *concept.variants, concept.split_from):
                alias_key = key(name, level) if name else ""
                if alias_key:
                    secondary[alias_key].add(node.concept_id)
        self._index = {name: ids for name, ids in secondary.items()}
        self._index.update(primary)

    def lookup(self, anchor: str) -> list[HierarchyNode]:
        return [self._nodes[node_id] for node_id in sorted(self._index.get(anchor, ()))]

    def concept_key(self, node: HierarchyNode) -> str:
        return self._keys[node.concept_id]


class ParentChooser:
    """Ranks candidate parents for the concepts of one level."""

    def __init__(self, families: FieldFamilies) -> None:
        self._families = families

    def choose(self, concept: Concept, index: ParentIndex) -> ParentChoice:
        support: dict[str, int] = {}
        nodes: dict[str, HierarchyNode] = {}
        for anchor, count in concept.parent_anchors.items():
            for node in index.lookup(anchor):
                nodes[node.concept_id] = node
                support[node.concept_id] = max(support.get(node.concept_id, 0), count)
        own = {
            node_id
            for node_id, node in nodes.items()
            if node.label == concept.normalized or index.concept_key(node) == concept.concept_key
        }
        fits = {
            node_id: self._families.fit(concept.normalized, node.label) for node_id, node in nodes.items()
        }
        votes: collections.Counter[str] = collections.Counter()
        for reading, count in concept.parent_anchor_groups.items():
            named = {node.concept_id for anchor in reading.split(" | ") for node in index.lookup(anchor)}
            named = (named & nodes.keys()) - own
            if not named:
                continue
            fitting = [node_id for node_id in named if fits[node_id] > FIT_NONE] or list(named)
            if len(fitting) == 1:
                votes[fitting[0]] += count
        ranked = sorted(
            (
                Candidate(nodes[node_id], fits[node_id], votes[node_id], support[node_id])
                for node_id in nodes
                if node_id not in own
            ),
            key=Candidate.rank,
        )
        if not ranked:
            reason = (
                SELF_PARENT_REASON
                if own
                else (
                    "no parent anchor matches a concept of the level above"
                    if concept.parent_anchors
                    else "record carried no parent anchor"
                )
            )
            return ParentChoice(None, [], 0, "", orphan_reason=reason)
        winner, rest = ranked[0], ranked[1:]
        return ParentChoice(winner.node, rest, winner.support, self._basis(concept, winner, rest))

    def _basis(self, concept: Concept, winner: Candidate, rest: list[Candidate]) -> str:
        families = self._families.families(concept.normalized)
        if not rest:
            basis = f"only candidate ({winner.support} institution(s))"
        elif winner.fits and not rest[0].fits:
            family = families[0] if families else "?"
            basis = (
                f"meaning: '{concept.normalized}' ({family}) fits '{winner.node.label}' "
                f"({FIT_NAMES[winner.fit]}) better than '{rest[0].node.label}' ({FIT_NAMES[rest[0].fit]})"
            )
        elif winner.votes > rest[0].votes:
            basis = f"{winner.votes} institution(s) hang it under '{winner.node.label}' alone"
        elif winner.support > rest[0].support:
            basis = (
                f"support: {winner.support} institution(s) vs {rest[0].support} for '{rest[0].node.label}'"
            )
        else:
            basis = f"tie with '{rest[0].node.label}': shorter label, then alphabetical"
        return basis
