"""Per-document work in a child process that the step can always stop: the per-document budget.

A parser stuck in C code (a backtracking regex, lxml or openpyxl on a hostile file) cannot be
interrupted from inside its own process, so S0 hands each document to a child and waits at most
`seconds` for the answer; past that it kills the child, reports the document as over budget, and
starts a new child for the next one. The child is forked once per step and reused, since a fork costs
milliseconds while a fresh interpreter would cost a second of imports per level. Inside the child a
data-segment limit (RLIMIT_DATA, `memory_bytes` above its size at fork) turns runaway allocation into
a MemoryError instead of swapping, and a CPU-time limit ends the child even if the step is gone.
"""

import contextlib
import gc
import multiprocessing
import os
import signal
import sys
import warnings
from collections.abc import Callable, Iterator
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Generic, NoReturn, TypeVar

try:
    import resource
except ImportError:  # not on Windows: the wall-time budget still holds there
    resource = None  # type: ignore[assignment]

RequestT = TypeVar("RequestT")
ResultT = TypeVar("ResultT")
CPU_GRACE_SECONDS = 2


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
        # Objects inherited from the step are frozen in the child, so its garbage collector never walks
        # (and copies on write) the step's whole heap; the step unfreezes its own right after the fork.
        gc.freeze()
        try:
            with warnings.catch_warnings():
                # Python 3.12+ warns about forking a threaded process; the child only runs reader code
                # and never takes a lock another thread of the step could hold (no logging, no Dagster).
                warnings.filterwarnings(
                    "ignore", message=r".*fork\(\) may lead to deadlocks", category=DeprecationWarning
                )
                with _children_allowed():
                    process.start()
        finally:
            gc.unfreeze()
        child_end.close()
        self._process, self._connection = process, parent_end
        self.started += 1
        return parent_end

    def _stop(self) -> int | None:
        process, connection = self._process, self._connection
        self._process = self._connection = None
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
        connection = self._connection or self._start()
        try:
            connection.send(request)
            ready = connection.poll(self.seconds)
        except (BrokenPipeError, EOFError, OSError):
            ready = True  # the child is gone; reading below reports how it ended
        if not ready:
            self._kill()
            raise BudgetExceeded("time", f"not done after max_document_seconds {self.seconds:g}")
        try:
            status, payload = connection.recv()
        except (EOFError, OSError):
            self._crashed()
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
