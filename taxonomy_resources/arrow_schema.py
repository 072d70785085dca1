"""Arrow schemas derived from the pydantic contracts, so Parquet columns always match SPEC §5 models."""

import types
import typing
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any, Literal, TypeVar

import pyarrow as pa
from pydantic import BaseModel

RowT = TypeVar("RowT", bound=BaseModel)

_SCALARS: dict[Any, pa.DataType] = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}


def _arrow_type(annotation: Any) -> tuple[pa.DataType, bool]:
    """(arrow type, nullable) for a field annotation."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        non_null = [arg for arg in args if arg is not type(None)]
        if len(non_null) != 1:
            raise TypeError(f"unsupported union {annotation!r}")
        return _arrow_type(non_null[0])[0], True
    if origin is Literal:
        return _SCALARS[type(args[0])], False
    if origin is list:
        return pa.list_(_arrow_type(args[0])[0]), False
    if origin is dict:
        return pa.map_(_arrow_type(args[0])[0], _arrow_type(args[1])[0]), False
    if annotation in _SCALARS:
        return _SCALARS[annotation], False
    raise TypeError(f"no Arrow type for {annotation!r}")


@cache
def arrow_schema(model: type[BaseModel]) -> pa.Schema:
    fields = []
    for name, info in model.model_fields.items():
        data_type, nullable = _arrow_type(info.annotation)
        fields.append(pa.field(name, data_type, nullable=nullable))
    return pa.schema(fields)


def _map_columns(model: type[BaseModel]) -> list[str]:
    return [name for name, info in model.model_fields.items() if typing.get_origin(info.annotation) is dict]


def rows_to_table(rows: Iterable[BaseModel], model: type[BaseModel]) -> pa.Table:
    """Column by column from the rows' attributes: contract fields hold only scalars, lists and dicts of
    scalars, which are what `model_dump` would return, without its per-row cost (most of a write)."""
    rows = list(rows)
    schema = arrow_schema(model)
    return pa.Table.from_pydict(
        {name: [getattr(row, name) for row in rows] for name in schema.names}, schema=schema
    )


def table_to_rows(table: pa.Table, model: type[RowT]) -> Iterator[RowT]:
    """Validate each Arrow row back into its contract; Arrow maps arrive as key/value pairs."""
    map_columns = _map_columns(model)
    for record in table.to_pylist():
        for column in map_columns:
            record[column] = dict(record[column] or [])
        yield model.model_validate(record)
