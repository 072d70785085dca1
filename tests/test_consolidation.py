"""Consolidation: near-duplicates merge on evidence with a recorded reason, headings split by parent
context, rejected concepts never merge, and the result is deterministic."""

import pytest

from taxonomy_assets.concepts import ConceptKeyer, FieldFamilies
from taxonomy_assets.consolidation import ConsolidationResult, consolidate_level
from taxonomy_assets.contracts import Concept, FrequencyRow
from taxonomy_assets.policy import Policy, load_policy
from taxonomy_assets.project_paths import POLICIES_DIR
from taxonomy_assets.rules.context import ContextQualifier
from taxonomy_assets.rules.verify import RuleVerifier


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(POLICIES_DIR)


def row(
    policy: Policy,
    level: str,
    normalized: str,
    institutions: list[str],
    anchors: dict[str, int] | None = None,
    kept: bool = True,
    aliases: list[str] | None = None,
) -> FrequencyRow:
    keyer = ConceptKeyer(policy.concepts, policy.label)
    return FrequencyRow(
        level=level,
        concept_key=keyer.key(normalized, level),
        normalized=normalized,
        label=normalized,
        inst_count=len(institutions),
        src_count=len(institutions),
        weight=1.0,
        institutions=institutions,
        parent_anchors=anchors or {},
        parent_anchor_groups={name: count for name, count in (anchors or {}).items()},
        variants={normalized: len(institutions)},
        aliases=aliases or [normalized],
        record_ids=[],
        snippets=[],
        kept=kept,
        drop_reason="" if kept else "below_min_institutions: 1 < 2",
    )


def verdict(policy: Policy, frequency: FrequencyRow, passed: bool = True) -> Concept:
    thresholds = policy.levels[frequency.level]
    return Concept(
        concept_id=Concept.make_id(frequency.level, frequency.concept_key),
        level=frequency.level,
        concept_key=frequency.concept_key,
        normalized=frequency.normalized,
        label=frequency.label,
        aliases=frequency.aliases,
        variants=frequency.variants,
        parent_anchors=frequency.parent_anchors,
        parent_anchor_groups=frequency.parent_anchor_groups,
        inst_count=frequency.inst_count,
        src_count=frequency.src_count,
        weight=frequency.weight,
        passed=passed,
        gates=[],
        reasons=["support", "verdict"],
        min_institutions=thresholds.min_institutions,
        min_src_count=thresholds.min_src_count,
        verification_method="rule",
        institutions=frequency.institutions,
    )


def consolidate(
    policy: Policy, level: str, rows: list[FrequencyRow], rejected: set[str] = frozenset()
) -> ConsolidationResult:
    keyer = ConceptKeyer(policy.concepts, policy.label)
    verdicts = [verdict(policy, item, item.normalized not in rejected) for item in rows if item.kept]
    return consolidate_level(
        level,
        rows,
        verdicts,
        policy.levels[level],
        policy.consolidation,
        keyer,
        FieldFamilies(policy.hierarchy.families, keyer.fold),
        ContextQualifier(policy.concepts, policy.extraction, policy.label),
    )


def by_label(result: ConsolidationResult) -> dict[str, Concept]:
    return {concept.normalized: concept for concept in result.concepts}


def test_a_light_tail_variant_dropped_by_s2_joins_its_concept_with_its_support(policy: Policy) -> None:
    rows = [
        row(policy, "L3", "learned indexes", ["SIGMOD", "ICDE"], {"database": 2}),
        row(policy, "L3", "learned index structures", ["VLDB"], {"database": 1}, kept=False),
    ]
    result = consolidate(policy, "L3", rows)
    concepts = by_label(result)
    assert set(concepts) == {"learned indexes"}
    merged = concepts["learned indexes"]
    assert merged.inst_count == 3 and merged.institutions == ["ICDE", "SIGMOD", "VLDB"]
    assert merged.merged_from == ["learned index structure"]
    assert "learned index structures" in merged.aliases
    (merge,) = [m for m in result.merges if m.kind == "merge"]
    assert merge.source_label == "learned index structures" and "trailing 'structure'" in merge.reason


def test_spacing_acronyms_and_typos_merge_with_reasons(policy: Policy) -> None:
    rows = [
        row(policy, "L2", "micro engineering", ["A", "B"], {"engineering": 2}),
        row(policy, "L2", "microengineering", ["C", "D"], {"engineering": 2}),
        row(policy, "L2", "statistical machine translation", ["E", "F"], {"computer science": 2}),
        row(policy, "L2", "smt", ["G", "H"], {"computer science": 2}, aliases=["SMT"]),
        row(policy, "L2", "enviromental modeling", ["I", "J"], {"engineering": 2}),
        row(policy, "L2", "environmental modeling", ["K", "L", "M"], {"engineering": 3}),
    ]
    result = consolidate(policy, "L2", rows)
    reasons = {merge.source_label: merge.reason for merge in result.merges if merge.kind == "merge"}
    assert set(by_label(result)) == {
        "microengineering",
        "statistical machine translation",
        "environmental modeling",
    }
    assert reasons == {
        "micro engineering": "same letters apart from spacing",
        "smt": "'SMT' is the initials of 'statistical machine translation'",
        "enviromental modeling": "one-letter spelling variant ('enviromental' / 'environmental')",
    }


def test_typos_need_a_shared_parent_and_protected_prefixes_never_merge(policy: Policy) -> None:
    rows = [
        row(policy, "L2", "microbiology", ["A", "B"], {"biology": 2}),
        row(policy, "L2", "macrobiology", ["C", "D"], {"biology": 2}),
        row(policy, "L2", "enviromental modeling", ["E", "F"], {"physics": 2}),
        row(policy, "L2", "environmental modeling", ["G", "H"], {"engineering": 2}),
    ]
    assert [m for m in consolidate(policy, "L2", rows).merges if m.kind == "merge"] == []


def test_a_rejected_concept_never_merges(policy: Policy) -> None:
    rows = [
        row(policy, "L3", "icml", ["A", "B"], aliases=["ICML"]),
        row(policy, "L3", "international conference machine learning", ["C", "D"]),
    ]
    result = consolidate(policy, "L3", rows, rejected={"icml"})
    assert [m for m in result.merges if m.kind == "merge"] == []
    assert by_label(result)["icml"].passed is False


def test_a_context_dependent_heading_splits_by_its_parents_reading(policy: Policy) -> None:
    rows = [row(policy, "L2", "architecture", ["A", "B", "C"], {"computer science": 2, "design": 1})]
    result = consolidate(policy, "L2", rows)
    concepts = by_label(result)
    assert set(concepts) == {"computer architecture", "architecture"}
    assert concepts["computer architecture"].split_from == "architecture"
    assert concepts["computer architecture"].inst_count == 2
    assert concepts["architecture"].inst_count == 1 and not concepts["architecture"].passed  # below 2
    assert {m.target_label for m in result.merges if m.kind == "split"} == {
        "computer architecture",
        "architecture",
    }


def test_spelling_folds_are_recorded_and_consolidation_is_deterministic(policy: Policy) -> None:
    folded = row(policy, "L1", "statistics", ["A", "B"]).model_copy(
        update={"variants": {"statistics": 2, "statistical sciences": 1}}
    )
    rows = [
        folded,
        row(policy, "L1", "learned indexes", ["A"]),
        row(policy, "L1", "learned index structures", ["B"]),
    ]
    first, second = consolidate(policy, "L1", rows), consolidate(policy, "L1", list(reversed(rows)))
    assert first == second
    (spelling,) = [m for m in first.merges if m.kind == "spelling"]
    assert (
        spelling.source_label == "statistical sciences"
        and spelling.reason == "same concept key (plural, synonym)"
    )


def test_phrasings_that_each_lack_support_join_and_are_verified(policy: Policy) -> None:
    rows = [
        row(policy, "L3", "formal verification", ["EuroSys"], {"computer system": 1}, kept=False),
        row(
            policy,
            "L3",
            "formal verification of systems software",
            ["SOSP"],
            {"computer system": 1},
            kept=False,
        ),
        row(policy, "L3", "kenji tanaka", ["SOSP"], kept=False),
        row(policy, "L3", "kenji tanaka of tokyo", ["NSDI"], kept=False),
    ]
    keyer = ConceptKeyer(policy.concepts, policy.label)
    verifier = RuleVerifier.from_policy(policy)
    result = consolidate_level(
        "L3",
        rows,
        [],
        policy.levels["L3"],
        policy.consolidation,
        keyer,
        FieldFamilies(policy.hierarchy.families, keyer.fold),
        ContextQualifier(policy.concepts, policy.extraction, policy.label),
        verifier.verify,
    )
    (concept,) = result.concepts  # a person's name never becomes a concept, however it is spelled
    assert concept.normalized == "formal verification" and concept.passed
    assert concept.institutions == ["EuroSys", "SOSP"]
    assert concept.reasons[0] == "kept once its phrasings joined (2 institution(s))"
    assert "complement 'of system software'" in concept.merge_reasons[0]


def test_a_qualified_topic_with_support_of_its_own_stays_apart(policy: Policy) -> None:
    rows = [
        row(policy, "L3", "machine learning", ["A", "B"]),
        row(policy, "L3", "machine learning for data management", ["C", "D"]),
        row(policy, "L3", "fairness", ["E", "F"]),
        row(policy, "L3", "fairness in nlp", ["G"], kept=False),
    ]
    concepts = by_label(consolidate(policy, "L3", rows))
    assert set(concepts) == {"machine learning", "machine learning for data management", "fairness"}
    assert concepts["fairness"].merged_from == ["fairness in nlp"]
