"""Hierarchy assembly: parent choice, aliases, orphans by policy, and invariants that catch broken trees."""

from taxonomy_assets.contracts import Concept, HierarchyNode
from taxonomy_assets.hierarchy_assembly import assemble_hierarchy, check_invariants
from taxonomy_assets.policy.models import HierarchyPolicy


def concept(
    level: str,
    label: str,
    anchors: dict[str, int] | None = None,
    aliases: list[str] | None = None,
    passed: bool = True,
) -> Concept:
    return Concept(
        concept_id=Concept.make_id(level, label),
        level=level,
        normalized=label,
        label=label,
        aliases=aliases or [],
        parent_anchors=anchors or {},
        inst_count=2,
        src_count=2,
        weight=1.0,
        passed=passed,
        gates=[],
        reasons=["test"],
        min_institutions=1,
        min_src_count=1,
        verification_method="rule",
    )


def lower(text: str) -> str:
    return text.lower().strip()


def tree(**extra: list[Concept]) -> dict[str, list[Concept]]:
    levels = {
        "L0": [concept("L0", "engineering"), concept("L0", "arts", aliases=["Arts and Sciences"])],
        "L1": [
            concept("L1", "computer science", {"engineering": 3, "arts": 3}),
            concept("L1", "history", {"arts and sciences": 2}),
        ],
        "L2": [concept("L2", "machine learning", {"computer science": 4})],
        "L3": [concept("L3", "federated learning", {"machine learning": 2})],
    }
    for level, concepts in extra.items():
        levels[level] = levels[level] + concepts
    return levels


def test_parent_is_strongest_anchor_with_ties_to_shorter_label() -> None:
    assembly = assemble_hierarchy(tree(), HierarchyPolicy(), lower)
    nodes = {node.label: node for node in assembly.nodes}
    assert nodes["computer science"].path == ["arts", "computer science"]
    assert nodes["computer science"].parent_alternatives == ["engineering"]
    assert nodes["history"].path == ["arts", "history"]  # matched through an alias
    assert nodes["federated learning"].path == [
        "arts",
        "computer science",
        "machine learning",
        "federated learning",
    ]
    assert all(result.passed for result in check_invariants(assembly.nodes))


def test_orphans_are_quarantined_with_their_descendants() -> None:
    levels = tree(L2=[concept("L2", "optics", {"physics": 2})], L3=[concept("L3", "lasers", {"optics": 3})])
    assembly = assemble_hierarchy(levels, HierarchyPolicy(orphan_strategy="quarantine"), lower)
    assert {orphan.label for orphan in assembly.orphans} == {"optics", "lasers"}
    assert "optics" not in {node.label for node in assembly.nodes}


def test_placeholder_strategy_keeps_orphans_under_a_placeholder_chain() -> None:
    levels = tree(L2=[concept("L2", "optics", {"physics": 2})])
    assembly = assemble_hierarchy(levels, HierarchyPolicy(orphan_strategy="placeholder"), lower)
    nodes = {node.label: node for node in assembly.nodes}
    assert nodes["optics"].path == ["placeholder::L0", "placeholder::L1", "optics"]
    assert all(result.passed for result in check_invariants(assembly.nodes))


def test_multi_parent_exception_adds_cross_listed_edges() -> None:
    policy = HierarchyPolicy(multi_parent_exceptions=["computer science"])
    assembly = assemble_hierarchy(tree(), policy, lower)
    kinds = sorted(
        edge.kind for edge in assembly.edges if edge.child_id == Concept.make_id("L1", "computer science")
    )
    assert kinds == ["cross_listed", "primary"]


def test_rejected_concepts_are_not_nodes() -> None:
    levels = tree(L1=[concept("L1", "administration", {"engineering": 5}, passed=False)])
    assembly = assemble_hierarchy(levels, HierarchyPolicy(), lower)
    assert "administration" not in {node.label for node in assembly.nodes}


def node(concept_id: str, level: str, label: str, parent: str | None, path: list[str]) -> HierarchyNode:
    return HierarchyNode(concept_id=concept_id, level=level, label=label, parent_id=parent, path=path)


def test_invariants_report_each_kind_of_breakage() -> None:
    broken = [
        node("a", "L0", "a", "d", ["a"]),  # L0 with a parent (and part of a cycle)
        node("b", "L1", "b", "a", ["a", "b"]),
        node("c", "L3", "c", "b", ["a", "b", "c"]),  # parent two levels up
        node("d", "L2", "d", "b", ["a", "b", "d"]),
        node("e", "L2", "d", "b", ["a", "b", "x"]),  # duplicate sibling label, wrong path
    ]
    results = {result.name: result for result in check_invariants(broken)}
    assert results["l0_has_no_parent"].violations == 1
    assert results["parent_is_one_level_up"].examples == ["c (L3) under b (L1)"]
    assert results["no_cycles"].violations >= 1
    assert results["no_duplicate_sibling_labels"].violations == 1
    assert results["unique_path"].violations >= 1
    assert results["levels_are_l0_to_l3"].passed
    missing = check_invariants([node("a", "L0", "a", None, ["a"])])
    assert next(r for r in missing if r.name == "levels_are_l0_to_l3").examples == [
        "no node at L1",
        "no node at L2",
        "no node at L3",
    ]
