"""Contract rows as named tuples: the same Arrow table as the models would give, and a batch that breaks
the contract is refused with the row that breaks it."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taxonomy_assets.contracts import Candidate, FrequencyRow, SourceRecord, to_json_line
from taxonomy_resources.arrow_schema import rows_to_table
from taxonomy_resources.contract_rows import (
    ContractViolation,
    _rows_by_arrow,
    row_type,
    rows_from_json_lines,
    rows_to_checked_table,
)

CandidateRow = row_type(Candidate)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)


def candidate_fields(**changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "level": "L2",
        "label": "Machine Learning",
        "normalized": "machine learning",
        "concept_key": "machine learning",
        "aliases": ["ML"],
        "parent_anchor": "computer science",
        "parent_anchor_labels": ["computer science"],
        "record_id": "r1",
        "institution": "University of Northfield",
        "extractor": "rules@3",
        "confidence": 1.0,
        "snippet": "Machine Learning",
        "text_key": "k1",
    }
    return {**fields, **changes}


def test_row_type_has_the_contracts_fields_in_order() -> None:
    assert CandidateRow._fields == tuple(Candidate.model_fields)
    with pytest.raises(TypeError):
        CandidateRow(**{name: value for name, value in candidate_fields().items() if name != "snippet"})


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["L0", "L1", "L2", "L3"]), TEXT, st.lists(TEXT, max_size=3), st.floats(0, 1)
        ),
        max_size=6,
    )
)
def test_checked_table_equals_the_table_of_the_models(rows: list[tuple]) -> None:
    fields = [
        candidate_fields(
            level=level, label=label, aliases=aliases, parent_anchor_labels=aliases[:1], confidence=c
        )
        for level, label, aliases, c in rows
    ]
    expected = rows_to_table([Candidate(**each) for each in fields], Candidate)
    assert rows_to_checked_table([CandidateRow(**each) for each in fields], Candidate).equals(expected)


@pytest.mark.parametrize(
    ("change", "refused"),
    [
        ({"label": 7}, "label"),
        ({"confidence": "high"}, "confidence"),
        ({"record_id": None}, "record_id"),
        ({"aliases": ["ML", None]}, "aliases"),
        ({"level": "L9"}, "level"),
    ],
)
def test_a_batch_with_a_row_the_contract_refuses_is_refused_naming_that_row(
    change: dict[str, object], refused: str
) -> None:
    rows = [CandidateRow(**candidate_fields()), CandidateRow(**candidate_fields(**change))]
    with pytest.raises(
        ContractViolation, match=rf"row 1 of a batch breaks the Candidate contract(.|\n)*{refused}"
    ):
        rows_to_checked_table(rows, Candidate)


def test_maps_are_checked_too() -> None:
    FrequencyRowRow = row_type(FrequencyRow)
    fields: dict[str, object] = dict(
        level="L1",
        concept_key="chemistry",
        normalized="chemistry",
        label="Chemistry",
        inst_count=2,
        src_count=2,
        weight=2.0,
        institutions=["A", "B"],
        parent_anchors={"sciences": 2},
        parent_anchor_groups={},
        variants={"chemistry": 2},
        aliases=[],
        record_ids=[],
        snippets=[],
        kept=True,
        drop_reason="",
    )
    good = FrequencyRowRow(**fields)
    assert rows_to_checked_table([good], FrequencyRow).num_rows == 1
    bad = FrequencyRowRow(**{**fields, "parent_anchors": {"sciences": None}})
    with pytest.raises(ContractViolation, match="row 0"):
        rows_to_checked_table([bad], FrequencyRow)


def test_an_empty_batch_is_an_empty_table_of_the_contract() -> None:
    assert rows_to_checked_table([], Candidate).equals(rows_to_table([], Candidate))


SourceRecordRow = row_type(SourceRecord)
HOSTILE = st.text(
    st.characters(exclude_categories=("Cs",), include_characters='\n\r\t"\\\u2028\u2029\x85\x00\u202e'),
    max_size=16,
)


RECORD_FIELDS: dict[str, str] = {
    "record_id": "r1",
    "level": "L1",
    "text": "Department of Chemistry",
    "institution": "University of Northfield",
    "url": "https://northfield.example/units",
    "parent_hint": "College of Science",
    "source_file": "L1/units.jsonl",
}


@given(st.lists(st.tuples(st.sampled_from(["L0", "L1", "L2", "L3"]), HOSTILE, HOSTILE), max_size=5))
def test_json_lines_read_back_as_the_rows_of_the_models_they_encode(records: list[tuple]) -> None:
    models = [
        SourceRecord(**{**RECORD_FIELDS, "level": level, "text": text, "section": section})
        for level, text, section in records
    ]
    data = "".join(to_json_line(model) for model in models).encode("utf-8")  # each ends its line
    expected = [SourceRecordRow(**model.model_dump()) for model in models]
    assert rows_from_json_lines(data, SourceRecord) == expected
    if models:  # and by Arrow itself, not by the line-by-line fallback
        assert _rows_by_arrow(data, SourceRecord) == expected


def test_json_lines_the_contract_refuses_are_named_by_line() -> None:
    good = to_json_line(SourceRecord(**RECORD_FIELDS))
    number = good.replace('"text":"Department of Chemistry"', '"text":7')
    extra = good.replace('"url":', '"colour":"red","url":')
    wrong_level = good.replace('"level":"L1"', '"level":"L9"')
    for bad in (number, extra, wrong_level):
        with pytest.raises(ContractViolation, match=r"^S0/L1/shard-00000\.jsonl:2 breaks the SourceRecord"):
            rows_from_json_lines(f"{good}{bad}".encode(), SourceRecord, "S0/L1/shard-00000.jsonl")


def test_a_field_left_to_its_contract_default_reads_as_the_default() -> None:
    """Arrow alone would read a missing field as null; the contract gives it its default."""
    line = '{"institution":"U","level":"L0","record_id":"r","source_file":"f","text":"Physics","url":"u"}'
    (row,) = rows_from_json_lines(line.encode(), SourceRecord)
    assert row == SourceRecordRow(**SourceRecord.model_validate_json(line).model_dump())
    assert (row.section, row.parent_hint, row.language) == ("", "", "")
    assert _rows_by_arrow(line.encode(), SourceRecord) is None
    assert rows_from_json_lines(b"\n", SourceRecord) == []
