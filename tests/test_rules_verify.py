"""RuleVerifier: ordered gates, a lexicon judgement for single words, and a reason for every decision."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taxonomy_assets.levels import LEVELS, Level
from taxonomy_assets.policy import Policy, load_policy
from taxonomy_assets.project_paths import POLICIES_DIR
from taxonomy_assets.rules import RuleVerifier


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(POLICIES_DIR)


@pytest.fixture(scope="module")
def verifier(policy: Policy) -> RuleVerifier:
    return RuleVerifier.from_policy(policy)


@pytest.mark.parametrize(
    ("label", "reason_part"),
    [
        ("", "empty"),
        ("a", "characters"),
        ("x" * 65, "characters"),
        ("deadline: may 15", "forbidden punctuation"),
        ("machine learning (ml)", "forbidden punctuation"),
        ("2025", "no letters"),
        ("ab.-.-.-.-", "letters or digits"),
        ("machine learning 🚀", "symbols"),
    ],
)
def test_structure_gate_rejects_malformed_labels(
    verifier: RuleVerifier, label: str, reason_part: str
) -> None:
    verdict = verifier.verify(label, "L2")
    assert not verdict.passed
    assert verdict.method == "rule"
    assert verdict.gates == []
    assert reason_part in verdict.reason


def test_token_limit_depends_on_the_level(verifier: RuleVerifier) -> None:
    label = "history of science and technology"
    assert not verifier.verify(label, "L0").passed
    assert "L0 allows at most 4" in verifier.verify(label, "L0").reason
    assert verifier.verify(label, "L2").passed


def test_keep_characters_count_as_part_of_the_name(verifier: RuleVerifier) -> None:
    assert verifier.verify("c++", "L3").passed


@pytest.mark.parametrize("label", ["neurips", "icml 2025", "sigcomm", "kdd workshop"])
def test_venues_are_rejected_at_l3(verifier: RuleVerifier, label: str) -> None:
    verdict = verifier.verify(label, "L3")
    assert not verdict.passed
    assert "venue blocklist" in verdict.reason
    assert verdict.gates == ["structure"]


def test_venue_gate_runs_only_at_its_levels(verifier: RuleVerifier) -> None:
    _, gates = verifier.gate("graph mining", "L2")
    assert "venue_blocklist" not in gates
    _, gates = verifier.gate("graph mining", "L3")
    assert gates == ["structure", "venue_blocklist", "generic_tokens", "non_field_text"]


@pytest.mark.parametrize("label", ["workshop on federated learning", "call for papers", "camera-ready"])
def test_event_names_are_rejected_at_l3(verifier: RuleVerifier, label: str) -> None:
    verdict = verifier.verify(label, "L3")
    assert not verdict.passed
    assert "event" in verdict.reason


@pytest.mark.parametrize(
    ("label", "level"), [("department", "L0"), ("graduate studies", "L1"), ("seminars", "L2")]
)
def test_generic_organisational_words_fail(verifier: RuleVerifier, label: str, level: Level) -> None:
    verdict = verifier.verify(label, level)
    assert not verdict.passed
    assert "generic organisational" in verdict.reason


def test_unit_names_fail_the_generic_gate(verifier: RuleVerifier) -> None:
    verdict = verifier.verify("school of medicine", "L0")
    assert not verdict.passed
    assert "unit name" in verdict.reason


def test_allowlist_decides_after_the_earlier_gates(policy: Policy) -> None:
    verification = policy.verification.model_copy(update={"allowlist": {"L0": ["cardiology"]}})
    verifier = RuleVerifier(verification, policy.label)
    verdict = verifier.verify("Cardiology", "L0")
    assert verdict.passed
    assert verdict.gates == ["structure", "generic_tokens", "allowlist"]
    assert verdict.reason == "'cardiology' is on the L0 allowlist"
    assert not verifier.verify("cardiology!", "L0").passed


@pytest.mark.parametrize(
    "label", ["cardiology", "rheumatology", "gastroenterology", "neonatology", "dermatology", "periodontics"]
)
def test_medical_subspecialties_fit_departments_but_not_l0(verifier: RuleVerifier, label: str) -> None:
    at_l0 = verifier.verify(label, "L0")
    assert not at_l0.passed
    assert "narrow specialty" in at_l0.reason and "not L0" in at_l0.reason
    assert verifier.verify(label, "L1").passed


@pytest.mark.parametrize("label", ["volcanology", "topology", "ornithology", "cryptanalysis"])
def test_lab_level_subfields_do_not_fit_l0(verifier: RuleVerifier, label: str) -> None:
    assert not verifier.verify(label, "L0").passed
    assert verifier.verify(label, "L2").passed


@pytest.mark.parametrize(
    "label", ["architecture", "journalism", "forestry", "criminology", "midwifery", "gerontology", "Pharmacy"]
)
def test_broad_fields_fit_l0_and_l1(verifier: RuleVerifier, label: str) -> None:
    for level in ("L0", "L1"):
        verdict = verifier.verify(label, level)
        assert verdict.passed
        assert verdict.method == "rule"
        assert verdict.gates[-1] == "field_lexicon"


@pytest.mark.parametrize("word", ["transformers", "parking", "registrar", "wellbeing"])
def test_a_single_unknown_word_does_not_pass_at_l1(verifier: RuleVerifier, word: str) -> None:
    for level in ("L0", "L1"):
        assert not verifier.verify(word, level).passed


def test_unknown_single_words_fit_research_areas_and_topics(verifier: RuleVerifier) -> None:
    verdict = verifier.verify("transformers", "L3")
    assert verdict.passed
    assert "not in the field lexicon" in verdict.reason


@pytest.mark.parametrize("word", ["entomology", "biostatistics", "German", "counseling"])
def test_unknown_words_shaped_like_fields_fit_departments(verifier: RuleVerifier, word: str) -> None:
    assert verifier.verify(word, "L1").passed
    assert not verifier.verify(word, "L0").passed


def test_multi_token_labels_are_judged_by_their_head(verifier: RuleVerifier) -> None:
    verdict = verifier.verify("graph neural networks", "L3")
    assert verdict.passed
    assert verdict.method == "rule"
    assert verdict.gates == ["structure", "venue_blocklist", "generic_tokens", "non_field_text", "field_head"]
    assert "headed by 'networks'" in verdict.reason


def test_gate_leaves_single_words_undecided_for_a_replaceable_judge(verifier: RuleVerifier) -> None:
    verdict, gates = verifier.gate("oncology", "L0")
    assert verdict is None
    assert gates == ["structure", "generic_tokens", "non_field_text"]
    judged = verifier.judge_single_token("oncology", "L0")
    assert not judged.passed and judged.method == "rule" and judged.reason


def test_verifier_is_named(verifier: RuleVerifier) -> None:
    assert verifier.name == "rules@3"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(label=st.text(max_size=90), level=st.sampled_from(LEVELS))
def test_every_verdict_has_a_reason(verifier: RuleVerifier, label: str, level: Level) -> None:
    verdict = verifier.verify(label, level)
    assert verdict.reason.strip()
    assert verdict.method in {"rule", "bypass"}


def test_topics_that_start_like_units_are_not_unit_names(verifier: RuleVerifier) -> None:
    assert verifier.verify("division of labor", "L3").passed
    assert verifier.verify("curriculum", "L1").passed


def test_a_compound_is_as_narrow_as_its_head(verifier: RuleVerifier) -> None:
    at_l0 = verifier.verify("surgical oncology", "L0")
    assert not at_l0.passed and "narrow specialty" in at_l0.reason
    assert verifier.verify("surgical oncology", "L1").passed
    assert verifier.verify("public health", "L0").passed


def test_short_labels_led_by_a_venue_name_are_venues(verifier: RuleVerifier) -> None:
    verdict = verifier.verify("acm ccs", "L3")
    assert not verdict.passed and "venue blocklist" in verdict.reason
    assert verifier.verify("access control", "L3").passed
