"""Contract rows as named tuples, checked against their contract a batch at a time on the way to Arrow.

Building one pydantic model per row costs ~8 µs: a third of S1, which writes a row per record and label.
A stage on that path builds rows as `row_type(Contract)` tuples instead (the contract's field names, in
its order) and the IO manager checks each batch as it converts it to Arrow, with the contract's own Arrow
schema:
- every value has its column's type (Arrow refuses a number in a text column, text in a number column);
- no required field, and no element of a list or map, is null;
- a `Literal` field holds one of its values.
Extra or missing fields cannot happen: the tuple has exactly the contract's fields. Pydantic remains the
definition and the diagnosis: a batch that fails is validated row by row, and the error names the first
row the contract refuses.

The way back, JSON lines to rows, is checked the same way: Arrow parses a whole batch of lines against
the contract's schema (a field the contract lacks is refused), the batch is checked as above, and a batch
Arrow or the check refuses is read line by line by pydantic, which names the first bad line or, where
Arrow was only stricter than the contract (a field left to its default), reads the batch itself.
"""

import typing
from collections import namedtuple
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
from pydantic import BaseModel, ValidationError

from taxonomy_resources.arrow_schema import arrow_schema


class ContractViolation(ValueError):
    """A batch of rows does not meet its contract."""


@cache
def row_type(model: type[BaseModel]) -> type[tuple]:
    """The named tuple of `model`'s rows: its fields, in order, all required."""
    return namedtuple(f"{model.__name__}Row", list(model.model_fields))  # type: ignore[return-value]


@cache
def _literal_values(model: type[BaseModel]) -> dict[str, frozenset[Any]]:
    return {
        name: frozenset(typing.get_args(info.annotation))
        for name, info in model.model_fields.items()
        if typing.get_origin(info.annotation) is Literal
    }


def _nested_nulls(column: pa.ChunkedArray) -> int:
    """Nulls inside the lists or maps of a column (its elements, or a map's keys and values)."""
    if pa.types.is_map(column.type):
        return sum(chunk.keys.null_count + chunk.items.null_count for chunk in column.chunks)
    if pa.types.is_list(column.type):
        return pc.list_flatten(column).null_count
    return 0


def _violations(table: pa.Table, model: type[BaseModel]) -> list[str]:
    found = []
    for field in table.schema:
        column = table.column(field.name)
        if not field.nullable and column.null_count:
            found.append(f"{field.name}: {column.null_count} null value(s)")
        if _nested_nulls(column):
            found.append(f"{field.name}: null inside a list or map")
    for name, allowed in _literal_values(model).items():
        unexpected = set(table.column(name).unique().to_pylist()) - allowed
        if unexpected:
            found.append(f"{name}: {sorted(map(str, unexpected))} not in {sorted(map(str, allowed))}")
    return found


def _diagnosis(rows: Sequence[tuple], model: type[BaseModel], problem: str) -> ContractViolation:
    """The first row pydantic refuses, else the batch-level problem as found."""
    for index, row in enumerate(rows):
        try:
            model.model_validate(row._asdict())  # type: ignore[attr-defined]
        except ValidationError as exc:
            return ContractViolation(f"row {index} of a batch breaks the {model.__name__} contract: {exc}")
    return ContractViolation(f"a batch of {model.__name__} rows breaks its contract: {problem}")


def rows_to_checked_table(rows: Sequence[tuple], model: type[BaseModel]) -> pa.Table:
    """An Arrow table of `row_type(model)` rows, checked against `model` (raises ContractViolation)."""
    schema = arrow_schema(model)
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(schema)
    try:
        table = pa.Table.from_arrays(
            [pa.array(column, type=field.type) for column, field in zip(columns, schema, strict=True)],
            schema=schema,
        )
    except (pa.ArrowException, ValueError, TypeError) as exc:
        raise _diagnosis(rows, model, str(exc)) from exc
    violations = _violations(table, model)
    if violations:
        raise _diagnosis(rows, model, "; ".join(violations))
    return table


def rows_from_json_lines(data: bytes, model: type[BaseModel], where: str = "") -> list[tuple]:
    """The `row_type(model)` rows of "\n"-separated JSON objects, checked against `model` (raises
    ContractViolation naming the first line the contract refuses)."""
    if not data.strip():
        return []
    rows = _rows_by_arrow(data, model)
    return rows if rows is not None else _rows_by_pydantic(data, model, where)


def _rows_by_arrow(data: bytes, model: type[BaseModel]) -> list[tuple] | None:
    """The rows as Arrow parses and the batch check accepts them, else None."""
    try:
        table = pa_json.read_json(
            pa.py_buffer(data),
            read_options=pa_json.ReadOptions(use_threads=False, block_size=len(data) + 1),
            parse_options=pa_json.ParseOptions(
                explicit_schema=arrow_schema(model), unexpected_field_behavior="error"
            ),
        )
    except (pa.ArrowException, ValueError):
        return None
    # a null is a field the line left out (its default is the contract's to give) or a JSON null
    if any(column.null_count for column in table.columns) or _violations(table, model):
        return None
    make = row_type(model)._make
    return list(map(make, zip(*(column.to_pylist() for column in table.columns), strict=True)))


def json_lines(data: bytes) -> Iterator[tuple[int, str]]:
    """(line number, line) of each non-empty line, split at "\n" only: str.splitlines would also split at
    U+2028, U+0085 and friends inside a record."""
    for number, line in enumerate(data.decode("utf-8").split("\n"), start=1):
        if line:
            yield number, line


def _rows_by_pydantic(data: bytes, model: type[BaseModel], where: str) -> list[tuple]:
    make = row_type(model)._make
    rows = []
    for number, line in json_lines(data):
        try:
            rows.append(make(model.model_validate_json(line).model_dump().values()))
        except ValidationError as exc:
            raise ContractViolation(f"{where}:{number} breaks the {model.__name__} contract: {exc}") from exc
    return rows
