"""The worker processes that execute a pipeline's runs here, started before the CLI does anything else.

A fresh worker spends seconds importing the definitions and building the rule verifier for the run's
policy; started first, that overlaps the CLI's own imports, policy checks and run registration instead
of following them. Every run of the pipeline (levels, then assembly and manifest) goes to the same
workers, so each pays the imports once. This module imports neither Dagster nor the definitions, so
starting the pool costs the CLI nothing.

A worker ends without tearing its interpreter down: its results are already with the CLI when the pool
shuts down, and dismantling the modules of a Dagster process takes about a second that nobody waits
for usefully.
"""

import atexit
import multiprocessing
import os
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

ResultT = TypeVar("ResultT")


def _exit_without_teardown() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _worker_started() -> None:
    """Runs first in every worker: registered last, this exit hook runs before the others and ends the
    process as soon as the pool lets it go."""
    atexit.register(_exit_without_teardown)


def warm_up(policy_config: Mapping[str, Any], run_folder_config: Mapping[str, Any] | None = None) -> None:
    """Import the definitions and build the verifier for the policy the runs will pin: the run folder's
    snapshot when it has one (and is not being repinned), else the configured policy, resolved by the
    same resources the runs use. A policy that does not load is left for the runs to report."""
    import taxonomy_assets.definitions  # noqa: F401
    from taxonomy_assets.policy.loader import load_policy_file
    from taxonomy_assets.rules.verify import RuleVerifier
    from taxonomy_resources.policy_resource import PolicyResource
    from taxonomy_resources.run_folder import RunFolderResource

    folder = RunFolderResource(**(run_folder_config or {}))
    resource = PolicyResource(**policy_config, run_folder=folder)
    snapshot = folder.policy_snapshot_path
    pinned = snapshot.exists() and not resource.repin_policies
    RuleVerifier.from_policy(load_policy_file(snapshot) if pinned else resource.fresh())


class WorkerPool:
    """`workers` spawned processes, each warmed up for the runs of one run folder (`policy_config` and
    `run_folder_config`: the policy and run-folder resources' config)."""

    def __init__(
        self,
        workers: int,
        policy_config: Mapping[str, Any],
        run_folder_config: Mapping[str, Any] | None = None,
    ) -> None:
        self.workers = max(1, workers)
        self._used = False
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_started,
        )
        for _ in range(self.workers):
            self._executor.submit(warm_up, dict(policy_config), dict(run_folder_config or {}))

    def submit(self, work: Callable[..., ResultT], *args: Any) -> "Future[ResultT]":
        self._used = True
        return self._executor.submit(work, *args)

    def close(self) -> None:
        """Wait for the workers to finish; if they were never given work (the request was refused before
        any run), stop them at once rather than wait for imports nobody needs."""
        if not self._used:
            self._kill_workers()
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _kill_workers(self) -> None:
        kill = getattr(self._executor, "kill_workers", None)  # public from Python 3.14
        if kill is not None:
            kill()
            return
        for process in list((getattr(self._executor, "_processes", None) or {}).values()):
            process.kill()

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
