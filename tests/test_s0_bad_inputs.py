"""S0 through Dagster on a corpus holding every kind of bad input next to the whole sample corpus:
each bad document or block ends in `quarantine/S0/<level>.jsonl` with its own reason, the good
records all reach the shards, the batch completes, and the counters in the metadata add up."""

import json
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from dagster import DagsterInstance

from taxonomy_assets.definitions import build_resources
from taxonomy_assets.levels import LEVELS
from taxonomy_assets.policy import load_policy
from taxonomy_assets.project_paths import POLICIES_DIR
from taxonomy_assets.s0_source_records import S0Counters, extract_source_lines, s0_source_records
from taxonomy_resources.labeling import LabelingResource
from taxonomy_resources.policy_resource import PolicyResource
from taxonomy_resources.run_folder import RunFolderResource
from taxonomy_resources.sources import SourcesResource
from tests.conftest import SAMPLE_SOURCES
from tests.partitioned import materialize_level
from tests.test_s0_hostile_inputs import parsed_records
from tests.test_s0_readers import LONG_SWEDISH, MESSY_PAGE, encrypted_workbook_bytes, workbook_bytes

FIFTY_MB = 50 * 1024 * 1024

# Whole documents refused: file -> reason.
REFUSED = {
    "L0": {
        "renamed-columns.csv": "missing_columns",
        "no-institution.csv": "missing_institution",
        "corrupt.xlsx": "corrupt_xlsx",
        "truncated.xlsx": "corrupt_xlsx",
        "protected.xlsx": "encrypted_xlsx",
        "empty.csv": "empty_document",
    },
    "L1": {
        "scripts-only.html": "no_text",
        "missing-parent.html": "missing_parent",
    },
    "L2": {
        "undecodable.md": "undecodable",
        "whitespace.md": "empty_document",
        "no-institution.md": "missing_institution",
    },
    "L3": {
        "huge-single-line.txt": "oversized_document",
        "image.txt": "binary_content",
        "nul-bytes.txt": "binary_content",
        "no-parent.txt": "missing_parent",
        "empty.jsonl": "empty_document",
    },
}
# Single blocks or rows refused inside usable documents: (file, reason) -> how many.
REJECTED = {
    "L0": {("good-workbook.xlsx", "missing_institution"): 1},
    "L1": {("broken-markup.html", "boilerplate"): 1, ("tag-soup.html", "low_alpha_ratio"): 2},
    "L2": {("mixed-encoding.md", "mixed_encoding"): 1, ("foreign-paragraph.md", "wrong_language"): 1},
    "L3": {
        ("malformed.jsonl", "malformed_jsonl"): 3,
        ("malformed.jsonl", "missing_parent"): 1,
        ("truncated.jsonl", "malformed_jsonl"): 1,
    },
}
# Texts the good extra documents must contribute.
GOOD_TEXTS = {
    "L0": {"School of Dentistry", "Faculty of Law"},
    "L1": {"Department of Chemistry", "Department of Linguistics", "Department of Geography"},
    "L2": {"Quantum Computing", "Numerical Analysis"},
    "L3": {"Federated learning", "Optimal transport"},
}


def _front_matter(parent: str | None = "Computer Science", institution: str | None = "Uni A") -> str:
    lines = [f"institution: {institution}" if institution else "", f"parent: {parent}" if parent else ""]
    return "---\n" + "\n".join(line for line in lines if line) + "\n---\n"


def _page(body: str, parent: str | None = "Faculty of Arts") -> str:
    parent_tag = f'<meta name="taxonomy:parent" content="{parent}">' if parent else ""
    return (
        f'<html><head><meta name="taxonomy:institution" content="Uni A">{parent_tag}</head>'
        f"<body>{body}</body></html>"
    )


def build_corpus(root: Path) -> Path:
    shutil.copytree(SAMPLE_SOURCES, root)
    files: dict[str, bytes | str] = {
        "L0/good-workbook.xlsx": workbook_bytes(
            {
                "Units": [
                    ["institution", "unit"],
                    ["Uni A", "School of Dentistry"],
                    [None, "School of Nowhere"],
                ]
            }
        ),
        "L0/good-semicolons.csv": "institution;unit\nUni A;Faculty of Law\n",
        "L0/renamed-columns.csv": "Institution Name,School\nUni A,School of Law\n",
        "L0/no-institution.csv": "unit\nSchool of Law\n",
        "L0/corrupt.xlsx": b"PK\x03\x04 definitely not a workbook",
        "L0/truncated.xlsx": workbook_bytes({"S": [["institution", "unit"], ["Uni A", "School of Law"]]})[
            :900
        ],
        "L0/protected.xlsx": encrypted_workbook_bytes(),
        "L0/empty.csv": b"",
        "L1/messy-page.html": MESSY_PAGE,
        "L1/saved-page.txt": _page("<ul><li>Department of Linguistics</li></ul>"),
        "L1/broken-markup.html": _page(
            "<main><h2>Units<ul><li>Department of Geography<li><b>Department of <i>History</li></b>"
            "<p>Back to top</div></span></table>"
        ),
        "L1/scripts-only.html": _page("<script>boot()</script><noscript>Enable JavaScript</noscript>"),
        "L1/tag-soup.html": _page("<<<div <<p>>> </ul></li><//>"),
        "L1/missing-parent.html": _page("<ul><li>Department of Music</li></ul>", parent=None),
        "L2/mixed-encoding.md": (
            _front_matter().encode()
            + "- Quantum Computing\n- Théorie des graphes\n".encode()
            + "- Réseaux\n".encode("cp1252")
        ),
        "L2/foreign-paragraph.md": _front_matter("Mathematics") + f"- Numerical Analysis\n\n{LONG_SWEDISH}\n",
        "L2/undecodable.md": bytes(range(0x80, 0x100)) * 8,
        "L2/whitespace.md": "  \n\t\n",
        "L2/no-institution.md": _front_matter(institution=None) + "- Robotics\n",
        "L3/good-topics.txt": _front_matter("Machine Learning")
        + "* Federated learning\n* Optimal transport\n",
        "L3/malformed.jsonl": "\n".join(
            [
                '{"text": "Causal inference", "institution": "Uni A", "parent": "Machine Learning"}',
                "{this is not json",
                '"just a string"',
                '{"institution": "Uni A", "parent": "Machine Learning"}',
                '{"text": "Topic without parent", "institution": "Uni A"}',
            ]
        ),
        "L3/truncated.jsonl": (
            '{"text": "Bandits", "institution": "Uni A", "parent": "Machine Learning"}\n{"text": "Kernel meth'
        ),
        "L3/image.txt": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        "L3/nul-bytes.txt": b"Federated\x00learning\x00" * 100,
        "L3/no-parent.txt": _front_matter(parent=None) + "* Federated learning\n",
        "L3/empty.jsonl": b"",
    }
    for name, content in files.items():
        (root / name).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    with (root / "L3" / "huge-single-line.txt").open("wb") as handle:
        chunk = b"federated learning " * 52_429
        while handle.tell() < FIFTY_MB:
            handle.write(chunk)
    return root


@dataclass(frozen=True)
class Materialized:
    folder: Path
    metadata: dict[str, dict[str, object]]


def materialize_s0(sources: Path, output_root: Path, run_id: str) -> Materialized:
    run_folder = RunFolderResource(output_root=str(output_root), run_id=run_id)
    resources = build_resources(
        run_folder=run_folder,
        policy=PolicyResource(run_folder=run_folder, environment="testing"),
        sources=SourcesResource(root=str(sources)),
        labeling=LabelingResource(),
    )
    instance = DagsterInstance.ephemeral()
    metadata: dict[str, dict[str, object]] = {}
    for level in LEVELS:
        result = materialize_level([s0_source_records], level, run_id, resources=resources, instance=instance)
        assert result.success
        (event,) = result.asset_materializations_for_node("s0_source_records")
        metadata[level] = {key: value.value for key, value in event.metadata.items()}
    return Materialized(output_root / "runs" / run_id, metadata)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_corpus(tmp_path_factory.mktemp("bad_inputs") / "sources")


@pytest.fixture(scope="module")
def materialized(corpus: Path) -> Materialized:
    return materialize_s0(corpus, corpus.parent / "output", "bad-inputs")


def quarantine(folder: Path, level: str) -> list[dict[str, str]]:
    path = folder / "quarantine" / "S0" / f"{level}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def shard_records(folder: Path, level: str) -> list[dict[str, str]]:
    index = json.loads((folder / "S0" / level / "_index.json").read_text())
    return [
        json.loads(line)
        for shard in index["shards"]
        for line in (folder / "S0" / level / shard["file"]).read_text(encoding="utf-8").splitlines()
    ]


@pytest.mark.parametrize("level", LEVELS)
def test_every_bad_document_is_quarantined_with_its_reason(materialized: Materialized, level: str) -> None:
    entries = quarantine(materialized.folder, level)
    refused = {
        entry["source_file"].removeprefix(f"{level}/"): entry["reason"]
        for entry in entries
        if not entry["payload"]
    }
    assert refused == REFUSED[level]
    assert all(entry["detail"] for entry in entries)


@pytest.mark.parametrize("level", LEVELS)
def test_every_bad_block_is_quarantined_with_its_reason(materialized: Materialized, level: str) -> None:
    extra_files = {name for name, _ in REJECTED[level]}
    found = Counter(
        (entry["source_file"].removeprefix(f"{level}/"), entry["reason"])
        for entry in quarantine(materialized.folder, level)
        if entry["source_file"].removeprefix(f"{level}/") in extra_files
    )
    assert found == REJECTED[level]


@pytest.mark.parametrize("level", LEVELS)
def test_good_records_all_reach_the_shards(materialized: Materialized, level: str) -> None:
    policy = load_policy(POLICIES_DIR, "testing").raw_extraction
    expected = parsed_records(
        extract_source_lines(SAMPLE_SOURCES / level, level, policy, lambda entry: None, S0Counters())
    )
    records = shard_records(materialized.folder, level)
    ids = {record["record_id"] for record in records}
    assert expected and {record.record_id for record in expected} <= ids
    assert GOOD_TEXTS[level] <= {record["text"] for record in records}


@pytest.mark.parametrize("level", LEVELS)
def test_counters_in_the_metadata_add_up(materialized: Materialized, corpus: Path, level: str) -> None:
    meta = materialized.metadata[level]
    dropped = meta["dropped_by_reason"]
    entries = quarantine(materialized.folder, level)
    documents = [path for path in (corpus / level).iterdir() if not path.name.endswith(".meta.yaml")]
    assert meta["documents_seen"] == len(documents)
    assert meta["documents_failed"] == len(REFUSED[level]) == sum(meta["documents_failed_by_reason"].values())
    assert meta["blocks_total"] == meta["blocks_kept"] + sum(dropped.values())
    assert meta["blocks_kept"] == meta["dagster/row_count"] == len(shard_records(materialized.folder, level))
    assert meta["quarantined"] == len(entries) == meta["documents_failed"] + sum(dropped.values())
    assert dict(Counter(entry["reason"] for entry in entries if entry["payload"])) == dropped
    assert sum(meta["kept_by_language"].values()) == meta["blocks_kept"]
    index = json.loads((materialized.folder / "S0" / level / "_index.json").read_text())
    assert all(shard["records"] <= 25 for shard in index["shards"]) and len(index["shards"]) > 1


def test_rerun_on_the_same_corpus_gives_byte_identical_shards_and_quarantine(
    materialized: Materialized, corpus: Path
) -> None:
    again = materialize_s0(corpus, corpus.parent / "output", "bad-inputs-again")
    for level in LEVELS:
        for relative in [f"S0/{level}", f"quarantine/S0/{level}.jsonl"]:
            first, second = materialized.folder / relative, again.folder / relative
            paths = sorted(first.iterdir()) if first.is_dir() else [first]
            for path in paths:
                twin = second / path.name if first.is_dir() else second
                assert path.read_bytes() == twin.read_bytes(), relative
