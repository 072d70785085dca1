"""What S1 and S3 need from a labeler, whichever provider (rules or an LLM) implements it."""

import itertools
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, TypeVar

from taxonomy_assets.contracts import ExtractedLabel, Verdict
from taxonomy_assets.levels import Level


class LabelingError(RuntimeError):
    """One item the labeler could not handle (e.g. an LLM reply that stayed invalid); it is quarantined."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")
WINDOW_PER_WORKER = 8


class Extractor(Protocol):
    """Reads research fields from a text. A labeler bound by network latency may also declare
    `max_concurrency` (requests in flight); stages then call it from that many threads. One whose answer
    depends on its arguments only may declare `deterministic = True`; readers then ask it once per
    distinct input. One that ignores the `parent` it is given may declare `reads_parent = False`."""

    name: str

    def extract(self, text: str, level: Level, parent: str = "") -> list[ExtractedLabel]:
        """Fields `text` names at `level`; `parent` is the parent unit as written, for context."""
        ...


class Verifier(Protocol):
    name: str

    def verify(self, label: str, level: Level) -> Verdict: ...


def map_in_order(
    items: Iterable[ItemT], work: Callable[[ItemT], ResultT], workers: int
) -> Iterator[tuple[ItemT, ResultT]]:
    """(item, work(item)) in input order, on `workers` threads when above one.

    Items are taken a window at a time, so memory stays bounded however long the stream is.
    """
    iterator = iter(items)
    if workers <= 1:
        yield from ((item, work(item)) for item in iterator)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while window := list(itertools.islice(iterator, workers * WINDOW_PER_WORKER)):
            yield from zip(window, pool.map(work, window), strict=True)
