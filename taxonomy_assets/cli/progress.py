"""Live progress of `taxonomy pipeline run`, read from the Dagster instance's event log as it is written.

The level runs execute in worker processes (and their steps wherever the executor puts them), so the
CLI follows them the way the UI does: it polls the event log of every run tagged with its run folder
and reports each step's start and finish (rows, seconds, rows per second) and failures. On a terminal a
bar counts the steps (the total is known from the levels and phases asked for); elsewhere each event is
one plain line, so logs stay readable in CI.
"""

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO

from dagster import DagsterEventType, DagsterInstance, RunsFilter
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from taxonomy_assets.constants import PARTITION_TAG, RUN_FOLDER_TAG
from taxonomy_assets.partitions import LEVEL_DIMENSION
from taxonomy_assets.step_errors import first_line
from taxonomy_resources.sqlite_event_log import open_home_instance

POLL_SECONDS = 0.5
RUN_ENDS = {DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE, DagsterEventType.RUN_CANCELED}
FOLLOWED = {
    DagsterEventType.STEP_START,
    DagsterEventType.STEP_SUCCESS,
    DagsterEventType.STEP_FAILURE,
    DagsterEventType.STEP_SKIPPED,
    DagsterEventType.ASSET_MATERIALIZATION,
    *RUN_ENDS,
}
LEVEL_TAG = f"{PARTITION_TAG}/{LEVEL_DIMENSION}"


@dataclass
class _RunState:
    label: str
    cursor: str | None = None
    ended: bool = False  # its end event was read, and every event before it
    started: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int | None] = field(default_factory=dict)


class PipelineProgress:
    """Follows the runs of one run folder started after `since`; `stop()` drains the last events."""

    def __init__(self, run_folder: str, total_steps: int, stream: TextIO, since: float | None = None) -> None:
        self.run_folder = run_folder
        self.since = since if since is not None else time.time()
        self.stream = stream
        self.console = Console(file=stream, highlight=False, soft_wrap=True)
        self.live = self.console.is_terminal
        self.bar = (
            Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            if self.live
            else None
        )
        self.task = self.bar.add_task("steps", total=total_steps) if self.bar else None
        self.steps_done = 0
        self.failures: list[str] = []
        self._runs: dict[str, _RunState] = {}
        self._stop = threading.Event()
        self._polls = 0  # polls begun
        self._finished = 0  # polls finished
        self._polled = threading.Condition()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="taxonomy-progress", daemon=True)

    def __enter__(self) -> "PipelineProgress":
        if self.bar:
            self.bar.start()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        self._wake.set()
        self._thread.join()
        if self.bar:
            self.bar.stop()

    def say(self, line: str) -> None:
        """A line of output that does not fight with the bar."""
        if self.bar:
            self.bar.console.print(line, markup=False)
        else:
            self.stream.write(line + "\n")
            self.stream.flush()

    def catch_up(self, timeout: float = 5.0) -> None:
        """Wait until every event written before this call has been reported: a poll that begins after
        this call has finished. The poller is woken at once rather than at its next tick, so reporting
        a finished run costs one poll, not a poll interval."""
        if not self._thread.is_alive():
            return
        with self._polled:
            target = self._polls + 1
            self._wake.set()
            self._polled.wait_for(lambda: self._finished >= target, timeout=timeout)

    def _follow(self) -> None:
        with open_home_instance() as instance:
            while not self._stop.is_set():
                with self._polled:
                    self._polls += 1
                    self._wake.clear()
                self._poll(instance)
                with self._polled:
                    self._finished += 1
                    self._polled.notify_all()
                self._wake.wait(POLL_SECONDS)
            self._poll(instance)

    def _poll(self, instance: DagsterInstance) -> None:
        """Read the new events of every run not known to have ended. The CLI polls while the workers
        run, on the same two cores: only ids are listed, a run is fetched once (for its level tag), and
        an ended run's event log is not read again."""
        created_after = datetime.fromtimestamp(self.since - 1, UTC)
        run_ids = instance.get_run_ids(
            filters=RunsFilter(tags={RUN_FOLDER_TAG: self.run_folder}, created_after=created_after)
        )
        for run_id in sorted(run_ids):
            state = self._runs.get(run_id)
            if state is None:
                run = instance.get_run_by_id(run_id)
                label = run.tags.get(LEVEL_TAG, "all") if run is not None else "all"
                state = self._runs[run_id] = _RunState(label)
            if not state.ended:
                self._read(instance, run_id, state)

    def _read(self, instance: DagsterInstance, run_id: str, state: _RunState) -> None:
        while True:
            connection = instance.get_records_for_run(
                run_id, cursor=state.cursor, of_type=FOLLOWED, limit=200
            )
            for record in connection.records:
                self._event(state, record.event_log_entry)
            state.cursor = connection.cursor
            if not connection.has_more:
                return

    def _event(self, state: _RunState, entry: object) -> None:
        event = getattr(entry, "dagster_event", None)
        if event is not None and event.event_type in RUN_ENDS:
            state.ended = True
        if event is None or not event.step_key:
            return
        step, when = event.step_key, float(getattr(entry, "timestamp", time.time()))
        where = f"{state.label:<3} {step:<24}"
        if event.event_type == DagsterEventType.STEP_START:
            state.started[step] = when
            self.say(f"{where} started")
        elif event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            metadata = event.step_materialization_data.materialization.metadata
            rows = metadata.get("dagster/row_count")
            state.rows[step] = getattr(rows, "value", None)
        elif event.event_type == DagsterEventType.STEP_SUCCESS:
            seconds = max(when - state.started.get(step, when), 0.0)
            rows = state.rows.get(step)
            counted = (
                "" if rows is None else f"{rows:>9,} rows  {rows / seconds if seconds else 0:>9,.0f} rows/s"
            )
            self.say(f"{where} done {seconds:6.1f}s  {counted}".rstrip())
            self._advance()
        elif event.event_type == DagsterEventType.STEP_FAILURE:
            message = first_line(getattr(event.event_specific_data, "error", None))
            self.failures.append(f"{state.label} {step}: {message}")
            self.say(f"{where} FAILED {message}")
            self._advance()
        elif event.event_type == DagsterEventType.STEP_SKIPPED:
            self.say(f"{where} skipped (an upstream step failed)")
            self._advance()

    def _advance(self) -> None:
        self.steps_done += 1
        if self.bar and self.task is not None:
            self.bar.update(self.task, completed=self.steps_done)
