"""Hierarchy assembly: parents by meaning, aliases, orphans by policy, invariants that catch broken trees."""

from functools import cache

from taxonomy_assets.concepts import ConceptKeyer, FieldFamilies
from taxonomy_assets.contracts import Concept, HierarchyNode
from taxonomy_assets.hierarchy_assembly import Assembly, assemble_hierarchy, check_invariants
from taxonomy_assets.parent_choice import SELF_PARENT_REASON
from taxonomy_assets.policy import load_policy
from taxonomy_assets.policy.models import HierarchyPolicy
from taxonomy_assets.project_paths import POLICIES_DIR
from taxonomy_assets.rules.normalize import LabelNormalizer


@cache
def _tools() -> tuple[ConceptKeyer, FieldFamilies, LabelNormalizer]:
    policy = load_policy(POLICIES_DIR)
    keyer = ConceptKeyer(policy.concepts, policy.label)
    return keyer, FieldFamilies(policy.hierarchy.families, keyer.fold), LabelNormalizer(policy.label)


def concept(
    level: str,
    label: str,
    anchors: dict[str, int] | None = None,
    aliases: list[str] | None = None,
    passed: bool = True,
    groups: dict[str, int] | None = None,
) -> Concept:
    keyer = _tools()[0]
    key = keyer.key(label, level)
    return Concept(
        concept_id=Concept.make_id(level, key),
        level=level,
        concept_key=key,
        normalized=label,
        label=label,
        aliases=aliases or [],
        variants={label: 1},
        parent_anchors={keyer.key(anchor, "L0"): count for anchor, count in (anchors or {}).items()},
        parent_anchor_groups=groups or {},
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


def assemble(levels: dict[str, list[Concept]], policy: HierarchyPolicy | None = None) -> Assembly:
    keyer, families, normalizer = _tools()
    return assemble_hierarchy(
        levels,
        policy or HierarchyPolicy(),
        lambda text, level: keyer.key(normalizer.normalize(text), level),
        families,
    )


def tree(**extra: list[Concept]) -> dict[str, list[Concept]]:
    levels = {
        "L0": [
            concept("L0", "engineering"),
            concept("L0", "arts", aliases=["Arts and Sciences"]),
            concept("L0", "sciences"),
        ],
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


def test_parent_fits_the_child_by_meaning_before_support() -> None:
    assembly = assemble(tree())
    nodes = {node.label: node for node in assembly.nodes}
    # computing is housed by engineering units; arts houses no computing: meaning wins over the tie
    assert nodes["computer science"].path == ["engineering", "computer science"]
    assert nodes["computer science"].parent_alternatives == ["arts"]
    assert nodes["computer science"].parent_basis.startswith("meaning:")
    assert nodes["history"].path == ["arts", "history"]  # matched through an alias
    assert nodes["federated learning"].path == [
        "engineering",
        "computer science",
        "machine learning",
        "federated learning",
    ]
    assert all(result.passed for result in check_invariants(assembly.nodes))


def test_split_parent_unit_sends_each_field_to_the_parent_of_its_family() -> None:
    split = {"arts": 2, "sciences": 2}
    levels = tree(
        L1=[
            concept("L1", "astrophysics", split, groups={"arts | science": 2}),
            concept("L1", "english", split, groups={"arts | science": 2}),
            concept("L1", "cell biology", split, groups={"arts | science": 2}),
        ]
    )
    nodes = {node.label: node for node in assemble(levels).nodes}
    assert nodes["astrophysics"].path == ["sciences", "astrophysics"]
    assert nodes["cell biology"].path == ["sciences", "cell biology"]
    assert nodes["english"].path == ["arts", "english"]


def test_unambiguous_votes_break_ties_that_meaning_and_support_cannot() -> None:
    # 'area studies' belongs to no family in the lexicon; two institutions hang it under 'science' alone
    levels = tree(
        L1=[
            concept(
                "L1", "area studies", {"arts": 3, "sciences": 3}, groups={"arts | science": 1, "science": 2}
            )
        ]
    )
    node = {node.label: node for node in assemble(levels).nodes}["area studies"]
    assert node.path == ["sciences", "area studies"]
    assert node.parent_basis == "2 institution(s) hang it under 'sciences' alone"


def test_among_parents_that_fit_institutions_decide() -> None:
    # psychology is a social science (arts houses it) and a life science (sciences): both make sense
    levels = tree(L1=[concept("L1", "psychology", {"arts": 3, "sciences": 3}, groups={"science": 2})])
    node = {node.label: node for node in assemble(levels).nodes}["psychology"]
    assert node.path == ["sciences", "psychology"]
    assert node.parent_basis == "2 institution(s) hang it under 'sciences' alone"


def test_a_concept_is_never_its_own_parent() -> None:
    levels = tree(
        L0=[concept("L0", "statistics")],
        L1=[
            concept("L1", "statistics", {"statistics": 2, "sciences": 1}),
            concept("L1", "engineering", {"engineering": 1}),
        ],
    )
    assembly = assemble(levels)
    nodes = {node.label: node for node in assembly.nodes if node.level == "L1"}
    assert nodes["statistics"].path == ["sciences", "statistics"]
    assert "engineering" not in nodes
    assert [(orphan.label, orphan.reason) for orphan in assembly.orphans] == [
        ("engineering", SELF_PARENT_REASON)
    ]


def test_orphans_are_quarantined_with_their_descendants() -> None:
    levels = tree(L2=[concept("L2", "optics", {"physics": 2})], L3=[concept("L3", "lasers", {"optics": 3})])
    assembly = assemble(levels, HierarchyPolicy(orphan_strategy="quarantine"))
    assert {orphan.label for orphan in assembly.orphans} == {"optics", "lasers"}
    assert "optics" not in {node.label for node in assembly.nodes}


def test_placeholder_strategy_keeps_orphans_under_a_placeholder_chain() -> None:
    levels = tree(L2=[concept("L2", "optics", {"physics": 2})])
    assembly = assemble(levels, HierarchyPolicy(orphan_strategy="placeholder"))
    nodes = {node.label: node for node in assembly.nodes}
    assert nodes["optics"].path == ["placeholder::L0", "placeholder::L1", "optics"]
    assert all(result.passed for result in check_invariants(assembly.nodes))


def test_multi_parent_exception_adds_cross_listed_edges() -> None:
    policy = HierarchyPolicy(multi_parent_exceptions=["computer science"])
    assembly = assemble(tree(), policy)
    kinds = sorted(
        edge.kind for edge in assembly.edges if edge.child_id == concept("L1", "computer science").concept_id
    )
    assert kinds == ["cross_listed", "primary"]


def test_rejected_concepts_are_not_nodes() -> None:
    levels = tree(L1=[concept("L1", "administration", {"engineering": 5}, passed=False)])
    assembly = assemble(levels)
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
