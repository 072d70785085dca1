"""Non-English unit names: read through language lexicons into English readings, the original kept as an
alias; names in languages without a lexicon give no label and a quarantine entry (unsupported_language)."""

import pytest

from taxonomy_assets.concepts.reading import RecordReader
from taxonomy_assets.contracts import QuarantineEntry, SourceRecord
from taxonomy_assets.labelers import LabelingError
from taxonomy_assets.policy import Policy, load_policy
from taxonomy_assets.project_paths import POLICIES_DIR
from taxonomy_assets.rules import RuleExtractor
from taxonomy_assets.rules.translation import UNSUPPORTED_LANGUAGE, UnitNameTranslator
from taxonomy_assets.s1_candidates import S1Counters, extract_candidates


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(POLICIES_DIR)


@pytest.fixture(scope="module")
def extractor(policy: Policy) -> RuleExtractor:
    return RuleExtractor.from_policy(policy)


@pytest.fixture(scope="module")
def translator(policy: Policy) -> UnitNameTranslator:
    return UnitNameTranslator(policy.extraction.translation)


def keys(extractor: RuleExtractor, text: str) -> list[str]:
    return [label.normalized for label in extractor.extract(text, "L1")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fakultät für Informatik", ["computer science"]),
        ("Fakultat fur Informatik", ["computer science"]),
        ("Département de physique", ["physics"]),
        ("Departement de physique", ["physics"]),
        ("Dipartimento di Fisica e Astronomia", ["physics", "astronomy"]),
        ("Facultad de Ciencias Económicas", ["economics"]),
        ("Departamento de Engenharia Elétrica", ["electrical engineering"]),
        ("Institut für Theoretische Physik", ["theoretical physics"]),
        ("Departamento de Biología Celular y Molecular", ["cell biology", "molecular biology"]),
        ("Departement Elektrotechniek", ["electrical engineering"]),
        ("Institut des sciences et ingénierie chimiques", ["chemical sciences", "chemical engineering"]),
        ("Institut de mathématiques", ["mathematics"]),
        ("Fakultät für Sozialwissenschaften", ["social sciences"]),
        (
            "Dipartimento di Ingegneria Elettrica e Informatica",
            ["electrical engineering", "computer engineering"],
        ),
        ("Escuela de Ingeniería Industrial", ["industrial engineering"]),
        ("Faculdade de Medicina", ["medicine"]),
        ("Faculteit Wiskunde en Natuurwetenschappen", ["mathematics", "natural sciences"]),
        ("Universität Stuttgart - Institut für Theoretische Physik", ["theoretical physics"]),
    ],
)
def test_foreign_unit_names_map_to_english_fields(
    extractor: RuleExtractor, text: str, expected: list[str]
) -> None:
    assert keys(extractor, text) == expected


def test_the_original_name_is_kept_as_an_alias(extractor: RuleExtractor) -> None:
    (label,) = extractor.extract("Fakultät für Informatik", "L1")
    assert label.normalized == "computer science"
    assert "Fakultät für Informatik" in label.aliases


@pytest.mark.parametrize(
    "text",
    [
        "Art",
        "Design",
        "Physique",
        "Institute of Art",
        "School of Design",
        "Section of Neurology",
        "Université de Montréal - Faculty of Medicine",
        "Institut Pasteur",
        "Department of Physics",
    ],
)
def test_english_names_are_never_read_as_foreign(translator: UnitNameTranslator, text: str) -> None:
    assert translator.read(text).text == text
    assert translator.read(text).language == "en"


@pytest.mark.parametrize(
    "text",
    [
        "Wydział Fizyki",
        "Instytut Informatyki",
        "Fakulta informatiky",
        "Bilgisayar Mühendisliği Bölümü",
        "Физический факультет",
        "计算机科学系",
        "Tiedekunta",
    ],
)
def test_unreadable_languages_raise_unsupported_language(extractor: RuleExtractor, text: str) -> None:
    with pytest.raises(LabelingError) as raised:
        extractor.extract(text, "L1")
    assert raised.value.reason == UNSUPPORTED_LANGUAGE


def test_s1_quarantines_an_unreadable_name_and_keeps_the_rest(extractor: RuleExtractor) -> None:
    def record(text: str) -> SourceRecord:
        return SourceRecord(
            record_id=SourceRecord.make_id("U", "u", "", text),
            level="L1",
            text=text,
            institution="U",
            url="u",
            source_file="units.csv",
        )

    quarantined: list[QuarantineEntry] = []
    counters = S1Counters()
    records = [record("Wydział Fizyki"), record("Institut für Informatik")]
    reader = RecordReader(extractor, load_policy(POLICIES_DIR))
    candidates = list(extract_candidates(records, "L1", reader, quarantined.append, counters))
    assert [candidate.normalized for candidate in candidates] == ["computer science"]
    assert [(entry.reason, entry.payload) for entry in quarantined] == [
        (UNSUPPORTED_LANGUAGE, "Wydział Fizyki")
    ]
    assert counters.quarantined_by_reason == {UNSUPPORTED_LANGUAGE: 1}
