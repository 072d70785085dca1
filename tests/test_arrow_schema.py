"""Arrow tables built from contract rows: column by column, exactly what the rows' dumps would give."""

import pyarrow as pa
from pydantic import BaseModel

from taxonomy_assets.contracts import Candidate, FrequencyRow, HierarchyNode
from taxonomy_resources.arrow_schema import arrow_schema, rows_to_table


def dumped(rows: list[BaseModel], model: type[BaseModel]) -> pa.Table:
    return pa.Table.from_pylist([row.model_dump() for row in rows], schema=arrow_schema(model))


def test_rows_to_table_equals_the_table_of_dumped_rows() -> None:
    candidates = [
        Candidate(
            level="L1",
            label="Chemistry",
            normalized="chemistry",
            concept_key="chemistry",
            aliases=["Chemistry", "Dept. of Chemistry"],
            parent_anchor="",
            parent_anchor_labels=[],
            record_id="r1",
            institution="Université de Genève",
            extractor="rules@3",
            confidence=1.0,
            snippet="Department of Chemistry",
            text_key="k1",
        )
    ]
    frequency = [
        FrequencyRow(
            level="L2",
            concept_key="database",
            normalized="databases",
            label="Databases",
            inst_count=2,
            src_count=3,
            weight=2.5,
            institutions=["A", "B"],
            parent_anchors={"computer science": 2},
            parent_anchor_groups={},
            variants={"database": 1, "databases": 2},
            aliases=[],
            record_ids=["r1", "r2"],
            snippets=["Databases"],
            kept=True,
            drop_reason="",
        )
    ]
    nodes = [
        HierarchyNode(concept_id="c0", level="L0", label="Engineering", parent_id=None, path=["Engineering"]),
        HierarchyNode(
            concept_id="c1", level="L1", label="Chemistry", parent_id="c0", path=["Engineering", "Chemistry"]
        ),
    ]
    for rows, model in ((candidates, Candidate), (frequency, FrequencyRow), (nodes, HierarchyNode)):
        table = rows_to_table(rows, model)
        assert table.schema == arrow_schema(model)
        assert table.equals(dumped(rows, model))
        assert rows_to_table([], model).equals(dumped([], model))
