"""The hierarchy's query database (taxonomy.duckdb): its tables, and the content hash the manifest keeps
because the file's own bytes differ from build to build."""

from pathlib import Path

import duckdb
import pyarrow as pa
from upath import UPath

from taxonomy_resources.hierarchy_io_manager import _write_duckdb, tables_digest


def tables(label: str = "chemistry") -> dict[str, pa.Table]:
    return {
        "nodes": pa.table({"label": [label, "physics"], "members": [["a", "b"], []]}),
        "orphans": pa.table({"label": pa.array([], pa.string())}),
    }


def test_the_database_holds_the_tables_and_its_hash_is_their_content(tmp_path: Path) -> None:
    first = _write_duckdb(UPath(tmp_path / "first.duckdb"), tables())
    second = _write_duckdb(UPath(tmp_path / "second.duckdb"), tables())
    assert first == second == tables_digest(tables())
    assert (tmp_path / "first.duckdb").read_bytes() != (tmp_path / "second.duckdb").read_bytes()
    with duckdb.connect(str(tmp_path / "first.duckdb"), read_only=True) as connection:
        assert connection.execute("SELECT label, members FROM nodes ORDER BY label").fetchall() == [
            ("chemistry", ["a", "b"]),
            ("physics", []),
        ]
        assert connection.execute("SELECT count(*) FROM orphans").fetchone() == (0,)


def test_the_content_hash_follows_values_and_names_not_chunking() -> None:
    whole = tables()
    chunked = {**whole, "nodes": pa.concat_tables([whole["nodes"].slice(0, 1), whole["nodes"].slice(1)])}
    assert chunked["nodes"].column("label").num_chunks == 2
    assert tables_digest(chunked) == tables_digest(whole)
    assert tables_digest(tables("chemistry ")) != tables_digest(whole)
    assert tables_digest({"edges": whole["nodes"], "orphans": whole["orphans"]}) != tables_digest(whole)
