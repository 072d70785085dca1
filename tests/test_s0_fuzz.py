"""Fuzzing S0 with whole folders of random entries: random bytes and near-valid documents of every kind,
random (also undecodable) names, FIFOs, symlinks and folders. Whatever the input, no exception escapes,
every entry is accounted for, the counters add up, and every record and quarantine line written reads
back. Example counts come from the hypothesis profile in conftest (HYPOTHESIS_PROFILE=thorough: more).
"""

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from taxonomy_assets.contracts import QuarantineEntry, SourceRecord, to_json_line
from taxonomy_assets.s0_source_records import S0Counters, extract_source_lines
from taxonomy_assets.sources.walk import display_name
from taxonomy_resources.jsonl_shards_io_manager import ShardedRecords
from taxonomy_resources.quarantine import QuarantineLog
from tests.test_s0_hostile_inputs import S0Run, assert_counters_add_up, parsed_records
from tests.test_s0_readers import s0_policy, workbook_bytes

SUFFIXES = [".csv", ".tsv", ".jsonl", ".html", ".md", ".txt", ".xlsx", "", ".MD", ".meta.yaml"]
POLICY = s0_policy(max_document_seconds=20.0)

unicode_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=["Cs"]),
        st.sampled_from(["\udfff", "\ud800", "\u2028", "\x85", "\u202e", "\u200b", "\ufeff", "\x00", "\n"]),
    ),
    max_size=40,
)
# JSON and YAML can spell a lone surrogate as an escape; the decoded text then holds one
escaped = unicode_text.map(lambda text: json.dumps(text)[1:-1])
name_bytes = st.one_of(
    unicode_text.map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.binary(min_size=1, max_size=30),
).map(lambda raw: raw.replace(b"/", b"_").replace(b"\x00", b"_")[:60] or b"x")


def front_matter(institution: str, body: str) -> str:
    return f'---\ninstitution: "{institution}"\nparent: "{institution}"\n---\n{body}'


documents = st.one_of(
    st.binary(max_size=300),
    st.builds(
        lambda i, lines: front_matter(i, "\n".join(f"- {line}" for line in lines)),
        escaped,
        st.lists(unicode_text, max_size=8),
    ),
    st.builds(
        lambda rows: "\n".join(
            json.dumps({"text": text, "institution": inst, "parent": inst}, ensure_ascii=False)
            if ok
            else text
            for text, inst, ok in rows
        ),
        st.lists(st.tuples(unicode_text, unicode_text, st.booleans()), max_size=6),
    ),
    st.builds(
        lambda rows: "institution,parent,unit\n" + "\n".join(",".join(row) for row in rows),
        st.lists(st.lists(unicode_text, min_size=1, max_size=4), max_size=6),
    ),
    st.builds(
        lambda inst, items: (
            f'<html><head><meta name="taxonomy:institution" content="{inst}">'
            f'<meta name="taxonomy:parent" content="{inst}"></head><body><ul>'
            + "".join(f"<li>{item}</li>" for item in items)
            + "</ul></body></html>"
        ),
        unicode_text,
        st.lists(unicode_text, max_size=8),
    ),
    st.builds(
        lambda rows: workbook_bytes({"S": [["institution", "parent", "unit"], *rows]}),
        st.lists(
            st.lists(
                st.text(alphabet=st.characters(codec="ascii", min_codepoint=32), max_size=20),
                min_size=3,
                max_size=3,
            ),
            max_size=5,
        ),
    ),
)


@dataclass(frozen=True)
class Entry:
    name: bytes
    kind: str
    content: bytes = b""
    target: str = ""


entries = st.one_of(
    st.builds(
        lambda name, suffix, content: Entry(
            name + suffix.encode(),
            "file",
            content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content,
        ),
        name_bytes,
        st.sampled_from(SUFFIXES),
        documents,
    ),
    st.builds(lambda name: Entry(name, "fifo"), name_bytes),
    st.builds(
        lambda name, target: Entry(name, "symlink", target=target),
        name_bytes,
        st.sampled_from(
            ["/etc/passwd", "..", ".", "missing", "self", "sub", "../../outside.txt", "sub/inner.md"]
        ),
    ),
)


def build(level: Path, chosen: list[Entry]) -> set[bytes]:
    """Create the entries (later duplicates of a name are skipped); returns the names created."""
    sub = level / "sub"
    sub.mkdir(parents=True)
    (sub / "inner.md").write_text("---\ninstitution: Uni\nparent: P\n---\n- Robotics\n")
    (level.parent.parent / "outside.txt").write_text("institution,unit\nOUTSIDE,Outside School\n")
    created: set[bytes] = set()
    for entry in chosen:
        if entry.name in created or entry.name in (b".", b"..", b"sub"):
            continue
        path = os.path.join(os.fsencode(level), entry.name)
        if entry.kind == "file":
            with open(path, "wb") as handle:
                handle.write(entry.content)
        elif entry.kind == "fifo":
            os.mkfifo(path)
        else:
            os.symlink(path if entry.target == "self" else entry.target, path)
        created.add(entry.name)
    return created


def assert_written_lines_read_back(folder: Path, run: S0Run) -> None:
    data = "".join(to_json_line(record) for record in run.records).encode("utf-8")
    shards = folder / "shards"
    shards.mkdir()
    (shards / "shard-00000.jsonl").write_bytes(data)
    index = {
        "records": len(run.records),
        "shards": [{"file": "shard-00000.jsonl", "sha256": hashlib.sha256(data).hexdigest()}],
    }
    (shards / "_index.json").write_text(json.dumps(index))
    assert list(ShardedRecords(shards, SourceRecord)) == run.records
    log = QuarantineLog(folder / "quarantine.jsonl")
    for entry in run.quarantined:
        log.add(entry)
    path = log.commit()
    lines = path.read_bytes().decode("utf-8").split("\n")[:-1] if path else []
    assert [QuarantineEntry.model_validate_json(line).source_file for line in lines] == [
        entry.source_file for entry in run.quarantined
    ]


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(entries, min_size=1, max_size=8), st.sampled_from(["L0", "L1", "L2", "L3"]))
@example([Entry(b"root", "fifo")], "L0")  # an entry named "root" shows "L0/root:" in its own detail
def test_any_folder_of_entries_is_read_or_quarantined_and_written_lines_read_back(chosen, level) -> None:
    with tempfile.TemporaryDirectory(prefix="s0-fuzz-") as temporary:
        root = Path(temporary) / "sources"
        level_dir = root / level
        created = build(level_dir, chosen)
        quarantined: list[QuarantineEntry] = []
        counters = S0Counters()
        lines = extract_source_lines(level_dir, level, POLICY, quarantined.append, counters, root)
        records = parsed_records(lines)
        run = S0Run(records, quarantined, counters)
        event("records kept" if records else "no records")
        for reason in sorted({entry.reason for entry in quarantined}):
            event(f"quarantined: {reason}")
        assert_counters_add_up(run)
        named = {entry.source_file for entry in quarantined} | {record.source_file for record in records}
        for raw in created:
            name = os.fsdecode(raw)
            if name.startswith((".", "_")) or name.lower() in ("readme", "readme.md", "readme.txt"):
                continue
            if name.endswith(".meta.yaml") and os.fsencode(name.removesuffix(".meta.yaml")) in created:
                continue
            shown = f"{level}/{display_name(name)}"
            assert any(source == shown or source.startswith(shown + "/") for source in named), shown
        for entry in quarantined:  # nothing read through a link out of the sources root
            # (markers from the linked files' contents, not a bare "root:", which an entry named "root"
            # rightly shows in its own detail)
            assert "root:x:0:" not in entry.payload + entry.detail
            assert "Outside School" not in entry.payload + entry.detail
        assert all(record.text != "Outside School" for record in records)
        assert_written_lines_read_back(Path(temporary), run)
