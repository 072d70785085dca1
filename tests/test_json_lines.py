"""Record encodings that artifacts and ids depend on: the fast paths give the canonical bytes."""

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taxonomy_assets.cli.pipeline_runner import largest_first
from taxonomy_assets.contracts import (
    LINE_SEPARATOR_ESCAPES,
    Candidate,
    QuarantineEntry,
    SourceRecord,
    canonical_json,
    stable_id,
    text_row_lines,
    to_json_line,
)
from taxonomy_assets.sources.blocks import RawBlock
from taxonomy_assets.sources.record_lines import SourceRecordLines

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)


def canonical_line(row: object) -> str:
    data = row.model_dump(mode="json")  # type: ignore[attr-defined]
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.translate(LINE_SEPARATOR_ESCAPES) + "\n"


@given(st.lists(TEXT, min_size=10, max_size=10))
def test_a_source_record_line_is_its_canonical_json(values: list[str]) -> None:
    names = ["record_id", "text", "institution", "url", "section", "parent_hint", "fetched_at", "language"]
    record = SourceRecord(level="L2", source_file=values[9], **dict(zip(names, values, strict=False)))
    assert to_json_line(record) == canonical_line(record)
    assert json.loads(to_json_line(record)) == record.model_dump(mode="json")


@given(st.lists(TEXT, min_size=8, max_size=8), st.sampled_from(["L0", "L1", "L2", "L3"]))
def test_the_reader_makes_the_line_of_the_record_it_keeps(values: list[str], level: str) -> None:
    """S0's reader process writes records without a model: the line and the id are the model's."""
    text, institution, url, section, parent, fetched, language, source_file = values
    block = RawBlock(text, institution, url, section, parent, fetched, "declared", "where:1")
    record = SourceRecord(
        record_id=SourceRecord.make_id(institution, url, section, text),
        level=level,  # type: ignore[arg-type]
        text=text,
        institution=institution,
        url=url,
        section=section,
        parent_hint=parent,
        fetched_at=fetched,
        language=language,
        source_file=source_file,
    )
    assert SourceRecordLines(level, source_file).line(block, language) == to_json_line(record)  # type: ignore[arg-type]


def test_record_lines_refuse_what_the_contract_refuses() -> None:
    with pytest.raises(ValueError, match="unknown level"):
        SourceRecordLines("L4", "doc.jsonl")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        SourceRecordLines("L1", "doc.jsonl").line(RawBlock(3, "U", "u"), "en")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="do not hold text"):
        text_row_lines(Candidate)
    with pytest.raises(ValueError, match="1 values for the 10 fields"):
        text_row_lines(SourceRecord).line(('"x"',))


@given(TEXT, TEXT, st.floats(allow_nan=False, allow_infinity=False), st.lists(TEXT, max_size=3))
def test_rows_with_numbers_and_lists_give_the_same_form(
    detail: str, label: str, confidence: float, aliases: list[str]
) -> None:
    entry = QuarantineEntry(stage="S0", level="L1", reason="too_short", detail=detail, payload=label)
    assert to_json_line(entry) == canonical_line(entry)
    candidate = Candidate(
        level="L2",
        label=label,
        normalized=label,
        concept_key=label,
        aliases=aliases,
        parent_anchor="",
        parent_anchor_labels=aliases,
        record_id="r",
        institution=detail,
        extractor="rules",
        confidence=confidence,
        snippet=detail,
        text_key="t",
    )
    assert to_json_line(candidate) == canonical_line(candidate)


@given(st.lists(TEXT, max_size=5))
def test_stable_id_hashes_the_json_list_of_its_parts(parts: list[str]) -> None:
    expected = hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]
    assert stable_id(*parts) == expected
    assert canonical_json({"b": parts, "a": 1}) == json.dumps(
        {"b": parts, "a": 1}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )


def test_level_runs_start_largest_first(tmp_path: Path) -> None:
    for level, size in (("L0", 10), ("L1", 300), ("L2", 300), ("L3", 50)):
        (tmp_path / level / "nested").mkdir(parents=True)
        (tmp_path / level / "nested" / "doc.jsonl").write_bytes(b"x" * size)
    assert largest_first(["L0", "L1", "L2", "L3"], str(tmp_path)) == ["L1", "L2", "L3", "L0"]
    assert largest_first(["L3", "L0"], None) == ["L3", "L0"]
