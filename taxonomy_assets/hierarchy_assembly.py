"""Pure hierarchy assembly and invariants (SPEC §7), free of Dagster and of file formats.

Each L1-L3 concept's parent is chosen among the previous level's nodes whose concept keys (or merged
keys, or aliases) its parent anchors name; `parent_choice` ranks them by meaning, unambiguous votes and
support, and the basis and alternatives are recorded on the node and edge.
"""

import collections
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from taxonomy_assets.concepts.families import FieldFamilies
from taxonomy_assets.contracts import Concept, HierarchyEdge, HierarchyNode, Orphan
from taxonomy_assets.levels import LEVELS, Level, level_index
from taxonomy_assets.parent_choice import ParentChooser, ParentIndex
from taxonomy_assets.policy.models import HierarchyPolicy

PLACEHOLDER_PREFIX = "placeholder::"
INVARIANTS = {
    "levels_are_l0_to_l3": "Nodes use exactly the levels L0-L3, each present.",
    "l0_has_no_parent": "L0 nodes are roots.",
    "parent_is_one_level_up": "Every other node's parent exists exactly one level up.",
    "no_cycles": "Following parents always reaches a root.",
    "unique_path": "Each node's path is its parent's path plus its label, and no two nodes share one.",
    "no_duplicate_sibling_labels": "Siblings have distinct labels.",
}


@dataclass
class Assembly:
    nodes: list[HierarchyNode] = field(default_factory=list)
    edges: list[HierarchyEdge] = field(default_factory=list)
    orphans: list[Orphan] = field(default_factory=list)


@dataclass(frozen=True)
class InvariantResult:
    name: str
    violations: int
    examples: list[str]

    @property
    def passed(self) -> bool:
        return self.violations == 0


def _placeholder_chain(level: Level, nodes: dict[str, HierarchyNode], assembly: Assembly) -> HierarchyNode:
    """The placeholder node at `level`, created with its own placeholder ancestors on first use."""
    concept_id = f"{PLACEHOLDER_PREFIX}{level}"
    if concept_id in nodes:
        return nodes[concept_id]
    index = level_index(level)
    parent = _placeholder_chain(LEVELS[index - 1], nodes, assembly) if index else None
    node = HierarchyNode(
        concept_id=concept_id,
        level=level,
        label=concept_id,
        parent_id=parent.concept_id if parent else None,
        path=[*(parent.path if parent else []), concept_id],
    )
    nodes[concept_id] = node
    assembly.nodes.append(node)
    if parent:
        assembly.edges.append(
            HierarchyEdge(
                parent_id=parent.concept_id, child_id=concept_id, child_level=level, kind="primary", support=0
            )
        )
    return node


def assemble_hierarchy(
    concepts_by_level: Mapping[Level, list[Concept]],
    policy: HierarchyPolicy,
    key: Callable[[str, Level], str],
    families: FieldFamilies,
) -> Assembly:
    """Build the tree level by level from passed concepts; orphans follow the policy's strategy.

    `key` is the concept keyer (normalized label, level) -> concept key, used to read parent aliases.
    """
    assembly = Assembly()
    nodes: dict[str, HierarchyNode] = {}
    concepts = {c.concept_id: c for level in LEVELS for c in concepts_by_level.get(level, [])}
    exceptions = set(policy.multi_parent_exceptions)
    chooser = ParentChooser(families)
    previous: list[HierarchyNode] = []
    for level in LEVELS:
        current: list[HierarchyNode] = []
        passed = sorted(
            (c for c in concepts_by_level.get(level, []) if c.passed),
            key=lambda c: (c.normalized, c.concept_id),
        )
        up = LEVELS[level_index(level) - 1] if level != "L0" else level
        index = ParentIndex(previous, concepts, key, up) if level != "L0" else None
        for concept in passed:
            if index is None:
                node = HierarchyNode(
                    concept_id=concept.concept_id,
                    level=level,
                    label=concept.normalized,
                    parent_id=None,
                    path=[concept.normalized],
                )
            else:
                choice = chooser.choose(concept, index)
                parent_node, alternatives, support, basis = (
                    choice.parent,
                    choice.alternatives,
                    choice.support,
                    choice.basis,
                )
                if parent_node is None:
                    if policy.orphan_strategy == "placeholder":
                        parent_node = _placeholder_chain(up, nodes, assembly)
                        basis = f"placeholder: {choice.orphan_reason}"
                    else:
                        assembly.orphans.append(
                            Orphan(
                                concept_id=concept.concept_id,
                                level=level,
                                label=concept.normalized,
                                reason=choice.orphan_reason,
                                anchors=sorted(concept.parent_anchors),
                            )
                        )
                        continue
                node = HierarchyNode(
                    concept_id=concept.concept_id,
                    level=level,
                    label=concept.normalized,
                    parent_id=parent_node.concept_id,
                    path=[*parent_node.path, concept.normalized],
                    parent_alternatives=[candidate.node.label for candidate in alternatives],
                    parent_basis=basis,
                )
                cross = alternatives if concept.normalized in exceptions else []
                assembly.edges.append(
                    HierarchyEdge(
                        parent_id=parent_node.concept_id,
                        child_id=concept.concept_id,
                        child_level=level,
                        kind="primary",
                        support=support,
                        basis=basis,
                    )
                )
                for candidate in cross:
                    assembly.edges.append(
                        HierarchyEdge(
                            parent_id=candidate.node.concept_id,
                            child_id=concept.concept_id,
                            child_level=level,
                            kind="cross_listed",
                            support=candidate.support,
                            basis=f"policy multi-parent exception; {candidate.describe()}",
                        )
                    )
            nodes[node.concept_id] = node
            current.append(node)
            assembly.nodes.append(node)
        previous = current
    assembly.nodes.sort(key=lambda n: (level_index(n.level), n.path))
    assembly.edges.sort(key=lambda e: (level_index(e.child_level), e.child_id, e.kind, e.parent_id))
    assembly.orphans.sort(key=lambda o: (level_index(o.level), o.label))
    return assembly


def check_invariants(nodes: list[HierarchyNode]) -> list[InvariantResult]:
    """Every invariant of SPEC §7 with its violation count and up to ten examples."""
    by_id = {node.concept_id: node for node in nodes}

    def result(name: str, bad: list[str]) -> InvariantResult:
        return InvariantResult(name, len(bad), sorted(bad)[:10])

    present = {node.level for node in nodes}
    bad_levels = [f"{n.concept_id}: level {n.level!r}" for n in nodes if n.level not in LEVELS]
    bad_levels += [f"no node at {level}" for level in LEVELS if level not in present]

    l0_parents = [n.concept_id for n in nodes if n.level == "L0" and n.parent_id is not None]

    wrong_parent = []
    for node in nodes:
        if node.level == "L0" or node.level not in LEVELS:
            continue
        parent = by_id.get(node.parent_id or "")
        if parent is None:
            wrong_parent.append(f"{node.concept_id}: parent {node.parent_id!r} missing")
        elif parent.level not in LEVELS or level_index(parent.level) != level_index(node.level) - 1:
            wrong_parent.append(
                f"{node.concept_id} ({node.level}) under {parent.concept_id} ({parent.level})"
            )

    cycles = []
    for node in nodes:
        seen, current = set(), node
        while current is not None and current.parent_id is not None:
            if current.concept_id in seen:
                cycles.append(node.concept_id)
                break
            seen.add(current.concept_id)
            current = by_id.get(current.parent_id)

    path_problems = []
    path_owners: dict[tuple[str, ...], list[str]] = collections.defaultdict(list)
    for node in nodes:
        path_owners[tuple(node.path)].append(node.concept_id)
        parent = by_id.get(node.parent_id or "")
        expected = [*(parent.path if parent else []), node.label]
        if node.path != expected:
            path_problems.append(f"{node.concept_id}: path {node.path} != {expected}")
    path_problems += [
        f"path {list(path)} shared by {owners}" for path, owners in path_owners.items() if len(owners) > 1
    ]

    siblings: dict[tuple[str | None, str], int] = collections.Counter((n.parent_id, n.label) for n in nodes)
    duplicate_siblings = [
        f"{label!r} under {parent}" for (parent, label), count in siblings.items() if count > 1
    ]

    return [
        result("levels_are_l0_to_l3", bad_levels),
        result("l0_has_no_parent", l0_parents),
        result("parent_is_one_level_up", wrong_parent),
        result("no_cycles", cycles),
        result("unique_path", path_problems),
        result("no_duplicate_sibling_labels", duplicate_siblings),
    ]
