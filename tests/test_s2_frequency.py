"""S2 in DuckDB: institution identity, mirrored pages, thresholds with reasons, parameterized SQL."""

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from upath import UPath

from taxonomy_assets import s2_frequency_table
from taxonomy_assets.contracts import Candidate, stable_id
from taxonomy_assets.policy import load_policy
from taxonomy_assets.policy.models import InstitutionPolicy, LevelThresholds
from taxonomy_assets.project_paths import POLICIES_DIR
from taxonomy_assets.s2_frequency_table import compute_frequency_table, threshold_violations
from taxonomy_resources.arrow_schema import rows_to_table
from taxonomy_resources.parquet_io_manager import ParquetArtifact


def candidate(
    normalized: str, institution: str, text: str, anchors: list[str] | None = None, label: str | None = None
) -> Candidate:
    return Candidate(
        level="L2",
        label=label or normalized.title(),
        normalized=normalized,
        concept_key=normalized,
        aliases=[],
        parent_anchor="",
        parent_anchor_labels=anchors or [],
        record_id=stable_id(institution, text),
        institution=institution,
        extractor="rules@1",
        confidence=1.0,
        snippet=text,
        text_key=stable_id("", text.lower()),
    )


@pytest.fixture(autouse=True, params=["one statement", "step by step"])
def frequency_plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test holds for both plans: small inputs in one statement, large ones a step at a time."""
    if request.param == "step by step":
        monkeypatch.setattr(s2_frequency_table, "ONE_STATEMENT_MAX_CANDIDATES", -1)
    return request.param


@pytest.fixture
def write_candidates(tmp_path: Path):
    def write(rows: list[Candidate]) -> ParquetArtifact:
        path = tmp_path / "candidates.parquet"
        pq.write_table(rows_to_table(rows, Candidate), path)
        return ParquetArtifact(UPath(path))

    return write


THRESHOLDS = LevelThresholds(min_institutions=2, min_src_count=2)


def test_mirrored_page_counts_once_and_thresholds_explain_drops(write_candidates) -> None:
    artifact = write_candidates(
        [
            candidate("machine learning", "Stanford University", "Machine Learning", ["computer science"]),
            candidate(
                "machine learning", "Stanford University", "Machine Learning", ["computer science"]
            ),  # mirror
            candidate("machine learning", "MIT", "Machine learning", ["electrical engineering"]),
            candidate("robotics", "Stanford University", "Robotics"),
            candidate("robotics", "Stanford University", "Robotics and Autonomy"),
        ]
    )
    rows = {
        row.normalized: row
        for row in compute_frequency_table(
            artifact,
            "L2",
            THRESHOLDS,
            InstitutionPolicy(aliases={"MIT": "Massachusetts Institute of Technology"}),
        )
    }
    ml = rows["machine learning"]
    assert (ml.inst_count, ml.src_count, ml.kept, ml.drop_reason) == (2, 2, True, "")
    assert ml.institutions == ["Massachusetts Institute of Technology", "Stanford University"]
    assert ml.parent_anchors == {"computer science": 1, "electrical engineering": 1}
    assert ml.label == "Machine Learning"
    robotics = rows["robotics"]
    assert (robotics.inst_count, robotics.src_count, robotics.kept) == (1, 2, False)
    assert robotics.drop_reason == "below_min_institutions: 1 < 2"
    assert threshold_violations(list(rows.values()), THRESHOLDS) == []


def test_unknown_institution_never_counts_and_aliases_merge_spellings(write_candidates) -> None:
    artifact = write_candidates(
        [
            candidate("optics", "", "Optics"),
            candidate("optics", "__unknown__", "Optics lab"),
            candidate("optics", "Univ. of Toronto", "Optics"),
            candidate("optics", "University  of Toronto", "Photonics and optics"),
        ]
    )
    [row] = compute_frequency_table(
        artifact, "L2", THRESHOLDS, InstitutionPolicy(aliases={"Univ. of Toronto": "University of Toronto"})
    )
    assert (row.inst_count, row.src_count) == (1, 2)
    assert row.drop_reason == "below_min_institutions: 1 < 2"


def test_campuses_can_count_as_their_system(write_candidates) -> None:
    rows = [candidate("genomics", "UC Berkeley", "Genomics"), candidate("genomics", "UCLA", "Genomics")]
    separate = compute_frequency_table(
        write_candidates(rows),
        "L2",
        THRESHOLDS,
        InstitutionPolicy(systems={"University of California": ["UC Berkeley", "UCLA"]}),
    )
    merged = compute_frequency_table(
        write_candidates(rows),
        "L2",
        THRESHOLDS,
        InstitutionPolicy(
            systems={"University of California": ["UC Berkeley", "UCLA"]}, count_campuses_separately=False
        ),
    )
    assert separate[0].inst_count == 2
    assert merged[0].inst_count == 1 and merged[0].institutions == ["University of California"]


def test_quotes_and_sql_in_data_are_just_data(write_candidates) -> None:
    hostile = "x'); drop table candidates; --"
    artifact = write_candidates([candidate(hostile, "A", hostile), candidate(hostile, "B'", hostile)])
    [row] = compute_frequency_table(artifact, "L2", THRESHOLDS, InstitutionPolicy())
    assert row.normalized == hostile and row.inst_count == 2


def test_empty_candidates_give_empty_table(write_candidates) -> None:
    assert compute_frequency_table(write_candidates([]), "L2", THRESHOLDS, InstitutionPolicy()) == []


def test_editions_of_one_venue_count_once_at_venue_levels(write_candidates) -> None:
    def topic(text: str, venue: str, key: str = "federated learning", normalized: str = "") -> Candidate:
        row = candidate(normalized or key, venue, text).model_copy(update={"level": "L3", "concept_key": key})
        return row

    artifact = write_candidates(
        [
            topic("Federated learning", "NeurIPS 2025"),
            topic("Federated learning", "NeurIPS 2026"),
            topic("Federated learning", "40th NeurIPS"),
            topic("Federated learning (FL)", "ICML '26"),
            topic("Graph databases", "SIGMOD 2026", "graph database", "graph databases"),
            topic("Graph database", "SIGMOD 2025", "graph database", "graph database"),
        ]
    )
    policy = load_policy(POLICIES_DIR).institutions
    rows = {row.concept_key: row for row in compute_frequency_table(artifact, "L3", L3_THRESHOLDS, policy)}
    federated = rows["federated learning"]
    assert federated.institutions == ["ICML", "NeurIPS"] and federated.kept
    graph = rows["graph database"]
    assert (graph.inst_count, graph.kept, graph.drop_reason) == (1, False, "below_min_institutions: 1 < 2")
    assert graph.variants == {"graph database": 1, "graph databases": 1}
    # below venue levels an institution's name is taken as written
    [l2] = compute_frequency_table(
        write_candidates(
            [candidate("optics", "MIT 2026", "Optics"), candidate("optics", "MIT 2025", "Optics")]
        ),
        "L2",
        L3_THRESHOLDS,
        policy,
    )
    assert l2.inst_count == 2


L3_THRESHOLDS = LevelThresholds(min_institutions=2, min_src_count=1)


def test_homoglyph_and_invisible_variants_of_an_institution_count_once(write_candidates) -> None:
    spellings = ["Stanford University"] * 2 + ["Stanf\u043erd University", "\uff33tanford  UNIVERSITY\u200b"]
    artifact = write_candidates(
        [candidate("robotics", name, f"Robotics {number}") for number, name in enumerate(spellings)]
        + [candidate("robotics", "Stanford Universität", "Robotics lab")]
    )
    [row] = compute_frequency_table(artifact, "L2", THRESHOLDS, InstitutionPolicy())
    assert row.inst_count == 2
    assert row.institutions == ["Stanford University", "Stanford Universität"]


def test_concept_named_only_by_unknown_institutions_is_dropped_not_a_crash(write_candidates) -> None:
    policy = load_policy(POLICIES_DIR)
    unknown = policy.institutions.unknown_placeholder
    artifact = write_candidates(
        [
            candidate("bioacoustics", unknown, "Bioacoustics"),
            candidate("bioacoustics", unknown, "Bioacoustics lab"),
            candidate("robotics", "MIT", "Robotics"),
            candidate("robotics", "Stanford University", "Robotics"),
        ]
    )
    rows = {
        row.normalized: row
        for row in compute_frequency_table(artifact, "L2", THRESHOLDS, policy.institutions)
    }
    orphan = rows["bioacoustics"]
    assert (orphan.inst_count, orphan.src_count, orphan.institutions, orphan.kept) == (0, 0, [], False)
    assert orphan.drop_reason == "below_min_institutions: 0 < 2"
    assert orphan.record_ids == sorted(
        {stable_id(unknown, "Bioacoustics"), stable_id(unknown, "Bioacoustics lab")}
    )
    assert rows["robotics"].institutions == ["MIT", "Stanford University"]
