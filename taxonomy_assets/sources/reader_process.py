"""Per-document work in a child process that the step can always stop: the per-document budget.

A parser stuck in C code (a backtracking regex, lxml or openpyxl on a hostile file) cannot be
interrupted from inside its own process, so S0 hands each document to a child and waits at most
`seconds` for the answer; past that it kills the child, reports the document as over budget, and
starts a new child for the next one. The child is forked once per step and reused, since a fork costs
milliseconds while a fresh interpreter would cost a second of imports per level. Inside the child a
data-segment limit (RLIMIT_DATA, `memory_bytes` above its size at fork) turns runaway allocation into
a MemoryError instead of swapping, and a CPU-time limit ends the child even if the step is gone.
"""

import collections
import contextlib
import multiprocessing
import os
import signal
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Generic, NoReturn, TypeVar

from taxonomy_assets.long_lived_heap import frozen_for_fork

try:
    import resource
except ImportError:  # not on Windows: the wall-time budget still holds there
    resource = None  # type: ignore[assignment]

RequestT = TypeVar("RequestT")
ResultT = TypeVar("ResultT")
ItemT = TypeVar("ItemT")
CPU_GRACE_SECONDS = 2
# Requests queued in the child's pipe: one being read, one waiting, so the child never idles while the
# step handles an answer.
REQUESTS_AHEAD = 2
_END = object()


class BudgetExceeded(Exception):
    """The work for one request went over budget; `what` is `time` or `memory`."""

    def __init__(self, what: str, detail: str) -> None:
        super().__init__(f"{what}: {detail}")
        self.what = what
        self.detail = detail


class WorkerCrashed(Exception):
    """The child died without answering (a crash in native code, or killed by the system)."""


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _limit_memory(memory_bytes: int) -> None:
    """Cap the child's data segment (private writable memory: heap, mmap'd allocations, stacks) at its
    size now plus the budget. Address-space reservations that are never written (thread arenas,
    guard pages) do not count, unlike with RLIMIT_AS."""
    size = _status_kib("VmData")
    if resource is None or size is None:
        return
    limit = size * 1024 + memory_bytes
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def _limit_cpu(seconds: float) -> None:
    """A CPU-time ceiling for the next request, counted from what the child has used so far."""
    if resource is None:
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime + seconds) + CPU_GRACE_SECONDS
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _serve(
    connection: Connection, parent_end: Connection, work: Callable, seconds: float, memory_bytes: int
) -> None:
    """Child main loop: one request in, one ('ok'|'memory'|'error', payload) out, until the pipe closes."""
    parent_end.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the step handles Ctrl-C and stops the child
    if resource is not None:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _limit_memory(memory_bytes)
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            os._exit(0)
        _limit_cpu(seconds)
        try:
            answer: tuple[str, object] = ("ok", work(request))
        except MemoryError:
            answer = ("memory", "allocation failed")
        except Exception as exc:
            answer = ("error", f"{exc.__class__.__name__}: {exc}")
        try:
            connection.send(answer)
        except MemoryError:
            connection.send(("memory", "answer too large to send"))
        if answer[0] == "memory":
            os._exit(0)  # a fresh child starts small for the next request


def _context():
    method = "fork" if "fork" in get_all_start_methods() else "spawn"
    return get_context(method)


@contextlib.contextmanager
def _children_allowed() -> Iterator[None]:
    """Let a daemonic step process (a Celery prefork worker runs steps in one) start the reader.

    multiprocessing refuses children to daemonic processes so they cannot outlive their parent; the
    reader is itself daemonic, joined or killed by `_stop`, and dies with the step, so the rule's
    purpose holds. The flag is restored at once."""
    current = multiprocessing.current_process()
    config = getattr(current, "_config", {})
    daemonic = config.get("daemon")
    if daemonic:
        config["daemon"] = False
    try:
        yield
    finally:
        if daemonic:
            config["daemon"] = daemonic


class ReaderProcess(Generic[RequestT, ResultT]):
    """Runs `work(request)` in a child process under a wall-time and a memory budget per request.

    Use as a context manager; the child starts on the first request and is replaced after one that
    went over budget. `work` and its answers must be picklable only where fork is unavailable.
    """

    def __init__(self, work: Callable[[RequestT], ResultT], seconds: float, memory_bytes: int) -> None:
        self.work = work
        self.seconds = seconds
        self.memory_bytes = memory_bytes
        self.started = 0
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None
        self._started_at: float | None = None  # when the child could start its oldest pending request

    def _start(self) -> Connection:
        context = _context()
        parent_end, child_end = context.Pipe()
        process = context.Process(
            target=_serve,
            args=(child_end, parent_end, self.work, self.seconds, self.memory_bytes),
            daemon=True,
            name="s0-reader",
        )
        sys.stdout.flush()
        sys.stderr.flush()
        with frozen_for_fork(), warnings.catch_warnings():
            # Python 3.12+ warns about forking a threaded process; the child only runs reader code and
            # never takes a lock another thread of the step could hold (no logging, no Dagster).
            warnings.filterwarnings(
                "ignore", message=r".*fork\(\) may lead to deadlocks", category=DeprecationWarning
            )
            with _children_allowed():
                process.start()
        child_end.close()
        self._process, self._connection = process, parent_end
        self._started_at = None
        self.started += 1
        return parent_end

    def _stop(self) -> int | None:
        process, connection = self._process, self._connection
        self._process = self._connection = None
        self._started_at = None
        if connection is not None:
            connection.close()
        if process is None:
            return None
        process.join(timeout=0.5)
        if process.is_alive():
            process.kill()
            process.join()
        return process.exitcode

    def run(self, request: RequestT) -> ResultT:
        """The child's answer, or BudgetExceeded / WorkerCrashed (the child is then replaced)."""
        ((_, outcome),) = self.answers([request], lambda item: item)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome  # type: ignore[return-value]

    def answers(
        self, items: Iterable[ItemT], request_of: Callable[[ItemT], RequestT | None]
    ) -> Iterator[tuple[ItemT, ResultT | BudgetExceeded | WorkerCrashed | None]]:
        """Every item with the child's answer to `request_of(item)` (None for items that need no
        request), in item order, while the child already works on the next request: the caller's
        handling of one answer overlaps the reading of the next document.

        Each request gets its full budget from the moment the child can start it (the previous answer
        is in). A request the child could not finish ends as BudgetExceeded or WorkerCrashed; the
        requests queued behind it go to a fresh child."""
        pending: collections.deque[tuple[ItemT, RequestT | None]] = collections.deque()
        remaining = iter(items)
        in_flight = 0
        exhausted = False
        while True:
            while not exhausted and in_flight < REQUESTS_AHEAD:
                item = next(remaining, _END)
                if item is _END:
                    exhausted = True
                    break
                request = request_of(item)  # type: ignore[arg-type]
                if request is not None:
                    self._send(request)
                    in_flight += 1
                pending.append((item, request))  # type: ignore[arg-type]
            if not pending:
                return
            item, request = pending.popleft()
            if request is None:
                yield item, None
                continue
            in_flight -= 1
            try:
                outcome: ResultT | BudgetExceeded | WorkerCrashed = self._receive()
            except (BudgetExceeded, WorkerCrashed) as exc:
                outcome = exc
                for _, queued in pending:  # lost with the child: the next child takes them
                    if queued is not None:
                        self._send(queued)
            yield item, outcome

    def _send(self, request: RequestT) -> None:
        connection = self._connection or self._start()
        if self._started_at is None:
            self._started_at = time.monotonic()
        # if the child is gone, the receive reports how it ended
        with contextlib.suppress(BrokenPipeError, EOFError, OSError):
            connection.send(request)

    def _receive(self) -> ResultT:
        connection = self._connection
        assert connection is not None and self._started_at is not None
        remaining = self._started_at + self.seconds - time.monotonic()
        try:
            ready = connection.poll(max(0.0, remaining))
        except (BrokenPipeError, EOFError, OSError):
            ready = True  # the child is gone; reading below reports how it ended
        if not ready:
            self._kill()
            raise BudgetExceeded("time", f"not done after max_document_seconds {self.seconds:g}")
        try:
            status, payload = connection.recv()
        except (EOFError, OSError):
            self._crashed()
        # the child starts the next queued request now
        self._started_at = time.monotonic()
        if status == "ok":
            return payload  # type: ignore[return-value]
        self._stop()
        if status == "memory":
            raise BudgetExceeded("memory", f"{payload} (max_document_memory_bytes {self.memory_bytes})")
        raise WorkerCrashed(f"the reader failed: {payload}")

    def _kill(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.kill()
        self._stop()

    def _crashed(self) -> NoReturn:
        code = self._stop()
        if code is not None and code < 0 and -code == getattr(signal, "SIGXCPU", -1):
            raise BudgetExceeded("time", f"CPU time passed max_document_seconds {self.seconds:g}")
        if code is not None and code < 0 and -code == signal.SIGKILL:
            raise BudgetExceeded("memory", "the system killed the reader (out of memory)")
        name = signal.Signals(-code).name if code is not None and code < 0 else f"exit code {code}"
        raise WorkerCrashed(f"the reader process died ({name})")

    def close(self) -> None:
        self._stop()

    def __enter__(self) -> "ReaderProcess[RequestT, ResultT]":
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._kill() if exc_type is not None else self.close()
