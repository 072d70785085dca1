"""The taxonomy an expert expects from real sources (../shared/eval/realcorpus_dev, EXPECTED.md).

Six universities and six venues through the real CLI: every listed edge has an accepted parent, every
must-survive topic is kept, no must-not label appears, every synonym group is one node, and the
consolidation and explain steps say why.
"""

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from taxonomy_assets.expectations import check_expectations, load_expectations
from taxonomy_assets.levels import LEVELS
from tests.conftest import EVAL_DIR, PROJECT_ROOT, CliWorld, fingerprint, read_manifest

REALCORPUS = EVAL_DIR / "realcorpus_dev"
EXPECTATIONS = PROJECT_ROOT / "tests" / "data" / "realcorpus_expected.yaml"
RUN_ID = "realcorpus"

pytestmark = pytest.mark.skipif(not REALCORPUS.is_dir(), reason=f"{REALCORPUS} not found")


@pytest.fixture(scope="module")
def realcorpus(cli_world: CliWorld) -> Path:
    result = cli_world.run("pipeline", "run", "--run-id", RUN_ID, "--sources", str(REALCORPUS))
    assert result.returncode == 0, result.stderr
    return cli_world.folder(RUN_ID)


def test_hierarchy_meets_every_expectation_of_the_expert(realcorpus: Path) -> None:
    report = check_expectations(realcorpus, load_expectations(EXPECTATIONS))
    print(report.summary())
    assert report.problems == []
    assert report.counts["edges"] == [71, 71]


def test_consolidation_is_a_step_in_the_manifest_with_its_merges(realcorpus: Path) -> None:
    manifest = read_manifest(realcorpus)
    l3 = manifest["assets"]["consolidated_concepts"]["L3"]
    assert l3["status"] == "materialized"
    merges = l3["counters"]["merges"]
    assert {
        "kind": "merge",
        "source_label": "learned index structures",
        "target_label": "learned indexes",
    }.items() <= next(
        merge for merge in merges if merge["source_label"] == "learned index structures"
    ).items()
    assert l3["counters"]["merged"] >= 1 and l3["counters"]["spelling_folds"] >= 1
    edges = pq.read_table(realcorpus / "hierarchy" / "edges.parquet").to_pylist()
    assert all(edge["basis"] for edge in edges if edge["child_level"] != "L0")


def test_rerun_is_byte_identical(cli_world: CliWorld, realcorpus: Path) -> None:
    before = {name: digest for name, (digest, _) in fingerprint(realcorpus).items()}
    result = cli_world.run("pipeline", "run", "--run-id", RUN_ID, "--sources", str(REALCORPUS))
    assert result.returncode == 0, result.stderr
    after = {name: digest for name, (digest, _) in fingerprint(realcorpus).items()}
    stable = [
        name for name in before if not name.endswith(("manifest.json", "policy.pin.json", "taxonomy.duckdb"))
    ]
    assert stable and all(after[name] == before[name] for name in stable)


def test_explain_tells_why_a_topic_is_missing_and_where_a_spelling_went(
    cli_world: CliWorld, realcorpus: Path
) -> None:
    dropped = cli_world.run("explain", "time series forecasting", "--run-id", RUN_ID)
    assert dropped.returncode == 0, dropped.stderr
    assert "KDD" in dropped.stdout and "below_min_institutions: 1 < 2" in dropped.stdout

    merged = cli_world.run("explain", "learned index structures", "--run-id", RUN_ID, "--level", "L3")
    assert "merged into 'learned indexes'" in merged.stdout
    assert "under 'databases'" in merged.stdout

    heading = cli_world.run("explain", "Systems", "--run-id", RUN_ID, "--level", "L2", "--format", "json")
    story = json.loads(heading.stdout)
    (level,) = story["levels"]
    assert level["node"]["label"] == "computer systems" and level["parent"] == "computer science"
    assert level["node"]["parent_basis"]

    typo = cli_world.run("explain", "quantum computng", "--run-id", RUN_ID)
    assert "did you mean: quantum computing" in typo.stdout


def test_every_level_has_nodes_and_l3_counts_venues_not_editions(realcorpus: Path) -> None:
    nodes = pq.read_table(realcorpus / "hierarchy" / "nodes.parquet").to_pylist()
    assert {node["level"] for node in nodes} == set(LEVELS)
    frequency = pq.read_table(realcorpus / "S2" / "L3" / "frequency.parquet").to_pylist()
    venues = {name for row in frequency for name in row["institutions"]}
    assert venues == {"AAAI", "ICDE", "ICLR", "KDD", "SIGMOD", "VLDB"}
