"""The hand-off between a streaming stage and its IO manager.

A stage returns rows lazily; the IO manager consumes them once, writing in bounded memory, then calls
`on_complete` for what is only known at the end (counters, quarantine file) and records it as metadata.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

RowT = TypeVar("RowT", bound=BaseModel)


@dataclass
class RowStream(Generic[RowT]):
    """`rows`: instances of `model`, or (on hot paths) `contract_rows.row_type(model)` tuples, which the
    IO manager checks against `model` a batch at a time, or, with `encoded`, the rows' JSONL lines as
    `contracts.to_json_line` spells them, which a JSONL IO manager writes as they are (S0's reader
    process makes its records' lines itself)."""

    rows: Iterable[RowT] | Iterable[tuple] | Iterable[str]
    model: type[RowT]
    shard_size: int = 1000
    encoded: bool = False
    on_complete: Callable[[], Mapping[str, Any]] | None = None
    on_failure: Callable[[], None] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def complete(self) -> Mapping[str, Any]:
        return dict(self.on_complete()) if self.on_complete else {}

    def fail(self) -> None:
        if self.on_failure:
            self.on_failure()
