"""Concept identity: keys fold spellings, department contexts qualify headings, families rank parents."""

import pytest

from taxonomy_assets.concepts import ConceptKeyer, FieldFamilies
from taxonomy_assets.concepts.families import FIT_HOUSED, FIT_NONE, FIT_PRIMARY
from taxonomy_assets.concepts.reading import RecordReader
from taxonomy_assets.policy import Policy, load_policy
from taxonomy_assets.project_paths import POLICIES_DIR
from taxonomy_assets.rules import RuleExtractor


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(POLICIES_DIR)


@pytest.fixture(scope="module")
def keyer(policy: Policy) -> ConceptKeyer:
    return ConceptKeyer(policy.concepts, policy.label)


@pytest.fixture(scope="module")
def reader(policy: Policy) -> RecordReader:
    return RecordReader(RuleExtractor.from_policy(policy), policy)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("databases", "database"),
        ("analyses", "analysis"),
        ("indices", "indexes"),
        ("behavioural sciences", "behavioral science"),
        ("query optimisation", "query optimization"),
        ("arts and sciences", "arts sciences"),
        ("computer sciences", "computing science"),
        ("high energy physics", "particle physics"),
        ("theory of computing", "theoretical computer science"),
        ("operational research", "operations research"),
    ],
)
def test_spellings_of_one_field_share_a_key(keyer: ConceptKeyer, first: str, second: str) -> None:
    assert keyer.key(first, "L2") == keyer.key(second, "L2")


@pytest.mark.parametrize(
    ("first", "second"), [("art", "arts"), ("physics", "physic s"), ("economics", "economy")]
)
def test_distinct_fields_keep_distinct_keys(keyer: ConceptKeyer, first: str, second: str) -> None:
    assert keyer.key(first, "L0") != keyer.key(second, "L0")


def test_synonyms_are_scoped_by_level(keyer: ConceptKeyer) -> None:
    # a College of Computing is the broad field at L0; a school of computing at L1 is computer science
    assert keyer.key("computing", "L0") == "computing"
    assert keyer.key("computing", "L1") == keyer.key("computer science", "L1")


def test_fold_kinds_say_why_two_spellings_are_one(keyer: ConceptKeyer) -> None:
    assert keyer.fold_kinds("modelling", "modeling") == ["spelling"]
    assert keyer.fold_kinds("arts and sciences", "arts sciences") == ["and/&/the"]
    assert keyer.fold_kinds("databases", "database") == ["plural"]
    assert keyer.fold_kinds("high energy physics", "particle physics") == ["synonym"]


@pytest.mark.parametrize(
    ("child", "parent", "fit"),
    [
        ("astrophysics", "sciences", FIT_PRIMARY),
        ("astrophysics", "arts", FIT_NONE),
        ("english", "arts", FIT_PRIMARY),
        ("computer science", "engineering", FIT_HOUSED),
        ("computer science", "computing", FIT_PRIMARY),
        ("biogeochemistry", "sciences", FIT_PRIMARY),  # an unknown compound ends in a known term
    ],
)
def test_families_rank_how_a_parent_fits(
    policy: Policy, keyer: ConceptKeyer, child: str, parent: str, fit: int
) -> None:
    families = FieldFamilies(policy.hierarchy.families, keyer.fold)
    assert families.fit(child, parent) == fit


@pytest.mark.parametrize(
    ("text", "parent", "labels"),
    [
        ("Systems", "Department of Computer Science", ["computer systems"]),
        ("Theory", "Department of Physics", ["theoretical physics"]),
        ("Theory", "Department of Economics", ["economic theory"]),
        ("Organic", "Department of Chemistry", ["organic chemistry"]),
        ("Condensed Matter", "Department of Physics", ["condensed matter physics"]),
        ("Macro", "Department of Economics", ["macroeconomics"]),
        ("Analysis", "Department of Mathematics", ["mathematical analysis"]),
        ("Algebra", "Department of Mathematics", ["algebra"]),
        ("Embedded Systems", "Department of Electrical Engineering", ["embedded systems"]),
        ("Security and Privacy", "School of Computer Science", ["computer security", "privacy"]),
        ("Systems", "", ["systems"]),
    ],
)
def test_bare_headings_are_read_in_their_department(
    reader: RecordReader, text: str, parent: str, labels: list[str]
) -> None:
    assert [label.normalized for label in reader.extract(text, "L2", parent=parent)] == labels


def test_a_qualified_heading_keeps_what_was_written_as_alias(reader: RecordReader) -> None:
    (label,) = reader.extract("Vision", "L2", parent="Department of Computer Science")
    assert label.normalized == "computer vision" and "Vision" in label.aliases


@pytest.mark.parametrize(
    ("text", "institution", "labels"),
    [
        ("Weill Cornell Medicine", "Cornell University", ["medicine"]),
        ("Georgia Tech Professional Education", "Georgia Institute of Technology", []),
        ("Berkeley Law", "University of California, Berkeley", ["law"]),
        ("UIUC Grainger Engineering", "University of Illinois Urbana-Champaign", ["engineering"]),
        ("School of Mines", "Colorado School of Mines", ["mining"]),
    ],
)
def test_the_institutions_own_name_leaves_its_unit_names(
    reader: RecordReader, text: str, institution: str, labels: list[str]
) -> None:
    assert [label.normalized for label in reader.labels(text, "L0", institution=institution)] == labels


class CountingExtractor:
    """The rules, counting what they are asked; declares what the rules declare unless told otherwise."""

    def __init__(self, policy: Policy, deterministic: bool, reads_parent: bool) -> None:
        self.rules = RuleExtractor.from_policy(policy)
        self.name = self.rules.name
        self.deterministic = deterministic
        self.reads_parent = reads_parent
        self.asked: list[tuple[str, str, str]] = []

    def extract(self, text: str, level: str, parent: str = "") -> list:
        self.asked.append((text, level, parent))
        return self.rules.extract(text, level, parent)


SIBLINGS = [
    # (unit, parent hint, institution): one department name under one college name, at three places
    ("Department of Chemistry", "College of Science", "Northfield University"),
    ("Department of Chemistry", "College of Science", "Southfield University"),
    ("Department of Chemistry", "College of Natural Science", "Eastfield University"),
    ("Northfield Department of Physics", "College of Science", "Northfield University"),
]


def read_all(reader: RecordReader) -> list[tuple[tuple[str, str, str, list[str]], ...]]:
    answers = []
    for text, hint, institution in SIBLINGS:
        parent = reader.parent(hint, institution, "L1")
        keyed = reader.keyed_labels(text, "L1", parent, institution)
        answers.append(tuple((k.label, k.normalized, k.concept_key, k.aliases) for k in keyed))
    return answers


def test_keyed_labels_are_the_labels_with_their_concept_keys(policy: Policy, reader: RecordReader) -> None:
    expected = []
    for text, hint, institution in SIBLINGS:
        parent = reader.parent(hint, institution, "L1")
        labels = reader.labels(text, "L1", parent, institution)
        expected.append(
            tuple(
                (x.label, x.normalized, reader.keyer.key(x.normalized, "L1"), sorted(set(x.aliases)))
                for x in labels
            )
        )
    assert read_all(reader) == expected
    assert [answer[0][2] for answer in expected] == ["chemistry", "chemistry", "chemistry", "physics"]


def test_a_deterministic_extractor_is_asked_once_per_distinct_unit_and_parent(policy: Policy) -> None:
    """Siblings at other institutions repeat the same names: the rules read each distinct unit text once,
    and a parent hint once per distinct text without the institution's name. An extractor that is not
    deterministic (a model) is asked for every record, with the parent as written."""
    rules_like = CountingExtractor(policy, deterministic=True, reads_parent=False)
    model_like = CountingExtractor(policy, deterministic=False, reads_parent=True)
    assert read_all(RecordReader(rules_like, policy)) == read_all(RecordReader(model_like, policy))

    # once per distinct (unit text, parent labels): 'Chemistry' under science and under natural science
    assert sorted(ask for ask in rules_like.asked if ask[1] == "L1") == [
        ("Department of Chemistry", "L1", ""),
        ("Department of Chemistry", "L1", ""),
        ("Department of Physics", "L1", ""),  # the institution's name left it first
    ]
    assert sorted(ask[0] for ask in rules_like.asked if ask[1] == "L0") == [
        "College of Natural Science",
        "College of Science",
    ]
    assert len([ask for ask in model_like.asked if ask[1] == "L1"]) == len(SIBLINGS)
    assert ("Department of Chemistry", "L1", "College of Natural Science") in model_like.asked
