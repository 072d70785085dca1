"""Input from the wild (issue 9), one test per class: nothing hangs a level past its budget, crashes it,
reads outside the sources root, or vanishes without a quarantine entry; every line written reads back."""

import hashlib
import json
import os
import socket
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from benchmarks.hostile_inputs import shared_strings_workbook
from taxonomy_assets.contracts import QuarantineEntry, SourceRecord, to_json_line
from taxonomy_assets.s0_source_records import S0Counters, extract_source_lines
from taxonomy_assets.sources.block_filters import MIN_TOKENS_FOR_NEAR_DUPLICATE, TOKEN, NearDuplicateFilter
from taxonomy_assets.sources.blocks import RawBlock, RowRejection
from taxonomy_assets.sources.judging import DocumentFailure, DocumentJob, DocumentJudge
from taxonomy_resources.jsonl_shards_io_manager import ShardedRecords
from taxonomy_resources.quarantine import QuarantineLog
from tests.test_s0_readers import s0_policy

FRONT = "---\ninstitution: Uni A\nparent: Faculty of Science\n---\n"
# A level never waits this long on one document in these tests, whatever regresses.
TEST_SECONDS = 20.0


@dataclass
class S0Run:
    records: list[SourceRecord]
    quarantined: list[QuarantineEntry]
    counters: S0Counters

    def reasons(self) -> dict[str, str]:
        return {entry.source_file: entry.reason for entry in self.quarantined}

    def entry(self, source_file: str) -> QuarantineEntry:
        return next(entry for entry in self.quarantined if entry.source_file == source_file)


def parsed_records(lines: Iterable[str]) -> list[SourceRecord]:
    """The records of S0's lines, each checked to be its record's canonical line."""
    lines = list(lines)
    records = [SourceRecord.model_validate_json(line) for line in lines]
    assert [to_json_line(record) for record in records] == lines
    return records


def run_s0(level_dir: Path, level: str = "L1", sources_root: Path | None = None, **changes: object) -> S0Run:
    quarantined: list[QuarantineEntry] = []
    counters = S0Counters()
    policy = s0_policy(**{"max_document_seconds": TEST_SECONDS, **changes})
    lines = extract_source_lines(level_dir, level, policy, quarantined.append, counters, sources_root)
    return S0Run(parsed_records(lines), quarantined, counters)


def assert_counters_add_up(run: S0Run) -> None:
    counters = run.counters
    assert (
        counters.entries_walked == sum(counters.entries_ignored_by_reason.values()) + counters.documents_seen
    )
    assert counters.documents_seen == counters.documents_read + counters.documents_failed
    assert counters.blocks_total == counters.blocks_kept + sum(counters.dropped_by_reason.values())
    assert len(run.quarantined) == counters.documents_failed + sum(counters.dropped_by_reason.values())
    assert counters.blocks_kept == len(run.records)


def write(folder: Path, name: str | bytes, content: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = Path(os.fsdecode(os.path.join(os.fsencode(folder), os.fsencode(name))))
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def html_page(body: str) -> str:
    return (
        '<html><head><meta name="taxonomy:institution" content="Uni A">'
        f'<meta name="taxonomy:parent" content="Faculty of Science"></head><body>{body}</body></html>'
    )


# --- one document stalls a level --------------------------------------------------------------------


def test_a_sheet_declaring_a1_to_xfd1048576_is_read_as_stored(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["institution", "parent", "unit"])
    sheet.append(["Uni A", "Faculty of Science", "Department of Physics"])
    sheet.cell(row=1_048_576, column=16_384, value="far away")
    (tmp_path / "L1").mkdir()
    workbook.save(tmp_path / "L1" / "wide.xlsx")
    with zipfile.ZipFile(tmp_path / "L1" / "wide.xlsx") as archive:
        assert b'ref="A1:XFD1048576"' in archive.read("xl/worksheets/sheet1.xml")
    run = run_s0(tmp_path / "L1")
    assert [record.text for record in run.records] == ["Department of Physics"]
    assert run.quarantined == []


def test_a_workbook_inflating_past_the_budget_is_refused_before_parsing(tmp_path: Path) -> None:
    rows = [["institution", "unit"], ["Uni A", "School of Law"]]
    write(tmp_path / "L0", "small.xlsx", shared_strings_workbook(rows))
    write(tmp_path / "L0", "zbomb.xlsx", shared_strings_workbook(rows, padding_kib=2000))
    run = run_s0(tmp_path / "L0", "L0", max_decompressed_bytes=1_000_000)
    entry = run.entry("L0/zbomb.xlsx")
    assert entry.reason == "budget_exceeded"
    assert "decompressed_bytes" in entry.detail and "xl/sharedStrings.xml" in entry.detail
    assert [record.text for record in run.records] == ["School of Law"]


# A policy regex with catastrophic backtracking meets a block that triggers it: minutes of CPU inside
# `re`, which nothing in the process could interrupt.
STUCK_POLICY: dict[str, object] = {
    "max_document_seconds": 1.0,
    "boilerplate_patterns": ["^(a+)+$"],
    "min_alpha_ratio": 0.0,
}
STUCK_DOCUMENT = FRONT + "- " + "a" * 40 + "!\n"


def test_a_document_over_its_time_budget_is_stopped_and_the_level_goes_on(tmp_path: Path) -> None:
    write(tmp_path / "L2", "a-stuck.md", STUCK_DOCUMENT)
    write(tmp_path / "L2", "b-fine.md", FRONT + "- Quantum Computing\n")
    run = run_s0(tmp_path / "L2", "L2", **STUCK_POLICY)
    entry = run.entry("L2/a-stuck.md")
    assert entry.reason == "budget_exceeded" and "time" in entry.detail
    assert [record.text for record in run.records] == ["Quantum Computing"]
    assert run.counters.reader_processes == 2
    assert_counters_add_up(run)


def test_documents_queued_behind_a_stuck_one_are_read_by_the_next_reader_in_order(tmp_path: Path) -> None:
    # the reader works one document ahead of the step: the ones already handed to the stuck reader
    # go to its successor, and records and quarantine keep the walk's order
    write(tmp_path / "L2", "a-fine.md", FRONT + "- Quantum Computing\n")
    write(tmp_path / "L2", "b-stuck.md", STUCK_DOCUMENT)
    write(tmp_path / "L2", "c-fine.md", FRONT + "- Computer Vision\n")
    write(tmp_path / "L2", "d-fine.md", FRONT + "- Data Mining\n")
    run = run_s0(tmp_path / "L2", "L2", **STUCK_POLICY)
    assert [record.text for record in run.records] == ["Quantum Computing", "Computer Vision", "Data Mining"]
    assert [(entry.source_file, entry.reason) for entry in run.quarantined] == [
        ("L2/b-stuck.md", "budget_exceeded")
    ]
    assert run.counters.reader_processes == 2
    assert_counters_add_up(run)


def test_a_document_over_its_memory_budget_is_stopped_and_the_level_goes_on(tmp_path: Path) -> None:
    items = "".join(f"<li><span><b>Topic {number}</b></span></li>" for number in range(100_000))
    write(tmp_path / "L1", "a-big.html", html_page(f"<ul>{items}</ul>"))
    write(tmp_path / "L1", "b-small.html", html_page("<ul><li>Department of Music</li></ul>"))
    # time generous enough that only memory can stop it, even on a loaded machine
    run = run_s0(tmp_path / "L1", max_document_memory_bytes=32 * 1024 * 1024, max_document_seconds=180)
    entry = run.entry("L1/a-big.html")
    assert entry.reason == "budget_exceeded" and "memory" in entry.detail
    assert [record.text for record in run.records] == ["Department of Music"], run.quarantined


def test_a_document_yielding_more_blocks_than_the_budget_is_refused_whole(tmp_path: Path) -> None:
    write(tmp_path / "L3", "many.txt", FRONT + "".join(f"* Topic number {n}\n" for n in range(50)))
    run = run_s0(tmp_path / "L3", "L3", max_document_blocks=20)
    assert run.entry("L3/many.txt").reason == "budget_exceeded"
    assert "blocks" in run.entry("L3/many.txt").detail and run.records == []


def test_many_similar_list_items_are_all_judged_and_kept(tmp_path: Path) -> None:
    # every item shares nine of its ten words with every other: no two are near-duplicates
    items = "".join(
        f"<li>Department of applied science and engineering research group number {n}</li>"
        for n in range(3000)
    )
    write(tmp_path / "L1", "items.html", html_page(f"<main><ul>{items}</ul></main>"))
    run = run_s0(tmp_path / "L1")
    assert len(run.records) == 3000 and run.quarantined == []


def brute_force_duplicates(texts: list[str], threshold: float) -> list[bool]:
    """The definition: a block repeats an earlier kept block exactly, or by word-set Jaccard >= t."""
    kept: list[frozenset[str]] = []
    seen: set[str] = set()
    verdicts = []
    for text in texts:
        words = [word.casefold() for word in TOKEN.findall(text)]
        key = " ".join(words)
        duplicate = key in seen
        seen.add(key)
        if not duplicate and len(set(words)) >= MIN_TOKENS_FOR_NEAR_DUPLICATE:
            mine = frozenset(words)
            duplicate = any(len(mine & other) / len(mine | other) >= threshold for other in kept)
            if not duplicate:
                kept.append(mine)
        verdicts.append(duplicate)
    return verdicts


@given(
    st.lists(
        st.lists(st.sampled_from("abcdefghijklmnop"), min_size=1, max_size=24).map(" ".join), max_size=40
    ),
    st.sampled_from([0.5, 0.75, 0.8, 0.9, 0.95, 1.0]),
)
def test_near_duplicate_index_finds_exactly_what_comparing_every_pair_finds(texts, threshold) -> None:
    index = NearDuplicateFilter(threshold, texts)
    assert [index.is_duplicate(text) for text in texts] == brute_force_duplicates(texts, threshold)


# --- one character fails a level ---------------------------------------------------------------------


def test_lone_surrogates_never_fail_the_level_and_every_line_reads_back(tmp_path: Path) -> None:
    level = tmp_path / "L3"
    write(
        level,
        "surrogates.jsonl",
        "\n".join(
            [
                '{"text": "Federated learning", "institution": "Uni A", "parent": "ML"}',
                '{"text": "Bandits \\udfff", "institution": "Uni A", "parent": "ML"}',
                '{"text": "Optimal transport", "institution": "Uni \\udfff", "parent": "ML"}',
            ]
        ),
    )
    write(level, "front.md", '---\ninstitution: "Uni \\udfff"\nparent: ML\n---\n- Causal inference\n')
    write(level, b"caf\xe9-\xff.txt", FRONT + "* Graph neural networks\n")
    run = run_s0(level, "L3")
    assert {record.text for record in run.records} == {"Federated learning", "Graph neural networks"}
    reasons = Counter(entry.reason for entry in run.quarantined)
    assert reasons == Counter({"invalid_characters": 3})
    assert any(record.source_file == "L3/caf\\xe9-\\xff.txt" for record in run.records)
    assert_lines_round_trip(tmp_path, run)


def assert_lines_round_trip(tmp_path: Path, run: S0Run) -> None:
    """Write records as the shard writer does and entries through the real quarantine log; read back."""
    shard_dir = tmp_path / "shards"
    shard_dir.mkdir()
    data = "".join(to_json_line(record) for record in run.records).encode("utf-8")
    (shard_dir / "shard-00000.jsonl").write_bytes(data)
    index = {
        "records": len(run.records),
        "shards": [{"file": "shard-00000.jsonl", "sha256": hashlib.sha256(data).hexdigest()}],
    }
    (shard_dir / "_index.json").write_text(json.dumps(index))
    assert list(ShardedRecords(shard_dir, SourceRecord)) == run.records
    log = QuarantineLog(tmp_path / "quarantine.jsonl")
    for entry in run.quarantined:
        log.add(entry)
    written = log.commit()
    lines = written.read_text(encoding="utf-8").split("\n")[:-1] if written else []
    assert len(lines) == len(run.quarantined)
    for line, entry in zip(lines, run.quarantined, strict=True):
        assert QuarantineEntry.model_validate_json(line).reason == entry.reason


# --- things vanish -------------------------------------------------------------------------------------


def test_every_entry_ends_read_ignored_or_quarantined_and_the_counters_add_up(tmp_path: Path) -> None:
    root = tmp_path / "sources"
    level = root / "L2"
    write(level, "good.md", FRONT + "- Robotics\n")
    write(level, "good.md.meta.yaml", "url: https://example.org\n")
    write(level, "orphan.md.meta.yaml", "institution: Uni A\n")
    write(level, "front-matter-only.md", FRONT)
    write(level, "header-only.csv", "institution,parent,unit\n")
    write(level, "README.md", "about this folder\n")
    write(level / ".git", "config", "[core]\n")
    write(level / "nested", "deep.md", FRONT + "- Numerical Analysis\n")
    os.mkfifo(level / "pipe.md")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(level / "socket.md"))
    os.symlink("loop-b", level / "loop-a")
    os.symlink("loop-a", level / "loop-b")
    os.symlink("..", level / "nested" / "parent")
    os.symlink("nested", level / "linked-folder")
    os.symlink("missing.md", level / "broken.md")
    try:
        run = run_s0(level, "L2", root)
    finally:
        server.close()
    assert run.reasons() == {
        "L2/orphan.md.meta.yaml": "orphan_sidecar",
        "L2/front-matter-only.md": "no_records",
        "L2/header-only.csv": "no_records",
        "L2/pipe.md": "special_file",
        "L2/socket.md": "special_file",
        "L2/loop-a": "symlink_loop",
        "L2/loop-b": "symlink_loop",
        "L2/nested/parent": "symlink_loop",
        "L2/linked-folder/parent": "symlink_loop",
        "L2/broken.md": "broken_symlink",
    }
    assert sorted((record.source_file, record.text) for record in run.records) == [
        ("L2/good.md", "Robotics"),
        ("L2/linked-folder/deep.md", "Numerical Analysis"),
        ("L2/nested/deep.md", "Numerical Analysis"),
    ]
    assert run.counters.entries_ignored_by_reason == Counter({"hidden": 1, "readme": 1, "sidecar": 1})
    assert_counters_add_up(run)
    # 14 names in the level folder, less the two folders walked into, plus two entries in each of them
    assert (run.counters.entries_walked, run.counters.folders_walked) == (16, 3)


# --- reading outside the sources root -------------------------------------------------------------------


def test_links_out_of_the_sources_root_are_refused_and_never_quoted(tmp_path: Path) -> None:
    outside = write(tmp_path / "elsewhere", "units.csv", "institution,unit\nSECRET Uni,Secret School\n")
    root = tmp_path / "sources"
    level = root / "L0"
    write(level, "inside.csv", "institution,unit\nUni A,School of Law\n")
    os.symlink("/etc/passwd", level / "passwd.csv")
    os.symlink(outside, level / "outside.csv")
    os.symlink(outside.parent, level / "outside-folder")
    os.symlink("../L1", level / "sibling-level")
    write(root / "L1", "other.csv", "institution,unit\nUni B,School of Music\n")
    run = run_s0(level, "L0", root)
    assert run.reasons() == {
        "L0/passwd.csv": "outside_sources_root",
        "L0/outside.csv": "outside_sources_root",
        "L0/outside-folder": "outside_sources_root",
    }
    assert {record.text for record in run.records} == {"School of Law", "School of Music"}
    written = json.dumps([entry.model_dump() for entry in run.quarantined])
    assert "root:" not in written and "SECRET" not in written and "Secret" not in written


# --- text that is safe everywhere -----------------------------------------------------------------------


def test_bidi_controls_and_zero_width_characters_are_removed_at_s0(tmp_path: Path) -> None:
    write(
        tmp_path / "L3",
        "tricky.jsonl",
        json.dumps(
            {
                "text": "Machine\u202e learning\u200b \u2066for\u2069 ro\u00adbots\U000e0041",
                "institution": "Uni\u200d A\u202c",
                "parent": "Learn\u200ding",
            }
        )
        + "\n",
    )
    [record] = run_s0(tmp_path / "L3", "L3").records
    assert (record.text, record.institution, record.parent_hint) == (
        "Machine learning for robots",
        "Uni A",
        "Learning",
    )


def test_records_with_line_separators_in_names_stay_one_line(tmp_path: Path) -> None:
    write(tmp_path / "L3", "a\u2028b\x85c.txt", FRONT + "* Federated learning\n")
    run = run_s0(tmp_path / "L3", "L3")
    [record] = run.records
    assert record.source_file == "L3/a\\u2028b\\u0085c.txt"
    line = to_json_line(record.model_copy(update={"text": "one\u2028two\x85three"}))
    assert len(line.splitlines()) == 1
    assert_lines_round_trip(tmp_path, run)


def test_shard_reader_splits_on_newline_only(tmp_path: Path) -> None:
    record = SourceRecord(
        record_id="r", level="L1", text="x", institution="Uni", url="u", source_file="a\u2028b\x85c"
    )
    raw = json.dumps(record.model_dump(), ensure_ascii=False)  # raw separators, as older shards hold them
    data = (raw + "\n" + raw + "\n").encode("utf-8")
    (tmp_path / "shard-00000.jsonl").write_bytes(data)
    index = {
        "records": 2,
        "shards": [{"file": "shard-00000.jsonl", "sha256": hashlib.sha256(data).hexdigest()}],
    }
    (tmp_path / "_index.json").write_text(json.dumps(index))
    assert list(ShardedRecords(tmp_path, SourceRecord)) == [record, record]


@pytest.mark.parametrize("name", ["huge.jsonl", "deep.jsonl"])
def test_pathological_json_lines_are_rejected_alone(tmp_path: Path, name: str) -> None:
    content = {
        "huge.jsonl": '{"text": "' + "a" * 1_000_000 + '", "institution": "U", "parent": "P"}\n',
        "deep.jsonl": "[" * 100_000 + "\n",
    }[name]
    write(tmp_path / "L3", name, content)
    run = run_s0(tmp_path / "L3", "L3")
    assert run.records == [] and len(run.quarantined) == 1
    assert_counters_add_up(run)


class _ReaderWithABug(DocumentJudge):
    """A reader whose block carries a field that is not text, as a reader bug would."""

    def read(self, job: DocumentJob) -> list[RawBlock | RowRejection]:
        return [RawBlock("Department of Music", "Uni A", "u", parent_hint=None)]  # type: ignore[arg-type]


def test_a_record_field_that_is_not_text_fails_its_document_not_the_level(tmp_path: Path) -> None:
    judge = _ReaderWithABug("L1", s0_policy())
    verdict = judge(DocumentJob("L1/doc.jsonl", tmp_path / "doc.jsonl"))
    assert isinstance(verdict, DocumentFailure) and verdict.reason == "reader_error"
    assert "TypeError" in verdict.detail
