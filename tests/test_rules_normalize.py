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
