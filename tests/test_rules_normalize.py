"""LabelNormalizer: the S2 grouping key is stable across the spellings institutions use."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taxonomy_assets.policy import load_policy
from taxonomy_assets.policy.text_sections import LabelPolicy
from taxonomy_assets.project_paths import POLICIES_DIR
from taxonomy_assets.rules import LabelNormalizer


@pytest.fixture(scope="module")
def normalizer() -> LabelNormalizer:
    return LabelNormalizer(load_policy(POLICIES_DIR).label)


@pytest.mark.parametrize(
    ("surface", "expected"),
    [
        ("Human-Computer Interaction", "human computer interaction"),
        ("HUMAN–COMPUTER INTERACTION", "human computer interaction"),
        ("Zero-knowledge proofs", "zero knowledge proofs"),
        ("Otolaryngology—Head and Neck Surgery", "otolaryngology head and neck surgery"),
    ],
)
def test_hyphens_and_dashes_become_spaces_and_case_folds(
    normalizer: LabelNormalizer, surface: str, expected: str
) -> None:
    assert normalizer.normalize(surface) == expected


@pytest.mark.parametrize(
    ("surface", "expected"),
    [
        ("Études Françaises", "etudes francaises"),
        ("Straße und Verkehr", "strasse und verkehr"),
        ("Ångström-scale Microscopy", "angstrom scale microscopy"),
    ],
)
def test_accents_and_ligatures_fold_to_ascii(
    normalizer: LabelNormalizer, surface: str, expected: str
) -> None:
    assert normalizer.normalize(surface) == expected


def test_punctuation_is_stripped_but_keep_characters_survive(normalizer: LabelNormalizer) -> None:
    assert normalizer.normalize("C++") == "c++"
    assert normalizer.normalize("C# and .NET") == "c# and net"
    assert normalizer.normalize("Dept. of Physics!") == "dept of physics"
    assert normalizer.normalize("Women’s Studies") == "womens studies"


def test_whitespace_collapses(normalizer: LabelNormalizer) -> None:
    assert normalizer.normalize("  Machine \t Learning\n ") == "machine learning"


def test_labels_outside_length_bounds_normalize_to_empty(normalizer: LabelNormalizer) -> None:
    assert normalizer.normalize("") == ""
    assert normalizer.normalize("X") == ""
    assert normalizer.normalize("!!!") == ""
    assert normalizer.normalize("a" * 65) == ""
    assert normalizer.normalize("a" * 64) == "a" * 64


def test_policy_switches_change_the_key() -> None:
    keep = LabelNormalizer(LabelPolicy(hyphens="keep", case="preserve"))
    remove = LabelNormalizer(LabelPolicy(hyphens="remove"))
    assert keep.normalize("Self-Supervised") == "Self-Supervised"
    assert remove.normalize("Self-Supervised") == "selfsupervised"


@given(st.text(max_size=120))
def test_normalization_is_idempotent_and_bounded(text: str) -> None:
    normalizer = LabelNormalizer(LabelPolicy())
    key = normalizer.normalize(text)
    assert normalizer.normalize(key) == key
    assert key == "" or 2 <= len(key) <= 64


@given(
    surface=st.text(alphabet=st.characters(max_codepoint=127), max_size=40),
    case=st.sampled_from(["lower", "preserve"]),
    hyphens=st.sampled_from(["space", "keep", "remove"]),
    strip_punctuation=st.booleans(),
    keep_characters=st.sampled_from(["+#", "", "-'.", "&/"]),
)
def test_ascii_text_takes_a_translation_table_with_the_same_result(
    surface: str, case: str, hyphens: str, strip_punctuation: bool, keep_characters: str
) -> None:
    policy = LabelPolicy(
        case=case, hyphens=hyphens, strip_punctuation=strip_punctuation, keep_characters=keep_characters
    )
    normalizer = LabelNormalizer(policy)
    stepwise = normalizer._space_re.sub(" ", normalizer._slow_steps(surface)).strip()
    expected = stepwise if policy.min_length <= len(stepwise) <= policy.max_length else ""
    assert normalizer.normalize(surface) == expected


def _reference_normalize(policy: LabelPolicy, surface: str) -> str:
    """The normalization written out one character at a time, as the SPEC states it."""
    import re
    import unicodedata

    from taxonomy_assets.rules.normalize import _APOSTROPHES, _HYPHENS, _LIGATURES

    keep = set(policy.keep_characters)
    text = unicodedata.normalize("NFKC", surface)
    if policy.hyphens != "keep":
        text = "".join(
            (" " if policy.hyphens == "space" else "") if ch in _HYPHENS and ch not in keep else ch
            for ch in text
        )
    if policy.strip_punctuation:
        text = "".join(ch for ch in text if ch not in _APOSTROPHES)
    if policy.ascii_fold:
        text = "".join(
            ch if ch.isascii() else ("" if ch.isalnum() or unicodedata.combining(ch) else " ")
            for ch in unicodedata.normalize("NFKD", text.translate(_LIGATURES))
        )
    if policy.case == "lower":
        text = text.lower()
    if policy.strip_punctuation:
        kept = keep | (set(_HYPHENS) if policy.hyphens == "keep" else set())
        text = "".join(ch if ch.isalnum() or ch in kept else " " for ch in text)
    text = re.sub(r"\s+", " ", text).strip()
    return text if policy.min_length <= len(text) <= policy.max_length else ""


@given(
    surface=st.text(max_size=30) | st.text(alphabet="Éçßøñ́  -–'’.+#ǅﬁ①", max_size=30),
    ascii_fold=st.booleans(),
    hyphens=st.sampled_from(["space", "keep", "remove"]),
    strip_punctuation=st.booleans(),
)
def test_any_text_normalizes_like_the_character_by_character_reference(
    surface: str, ascii_fold: bool, hyphens: str, strip_punctuation: bool
) -> None:
    policy = LabelPolicy(ascii_fold=ascii_fold, hyphens=hyphens, strip_punctuation=strip_punctuation)
    assert LabelNormalizer(policy).normalize(surface) == _reference_normalize(policy, surface)
