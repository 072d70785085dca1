"""The worker processes that execute a pipeline's runs here, started before the CLI does anything else.

Importing the definitions takes seconds. The workers are forked from one multiprocessing fork server
that imports them once (`set_forkserver_preload` of `worker_preload`), so two workers cost one import,
not two competing for the same two cores; started first, that import overlaps the CLI's own imports,
policy checks and run registration instead of following them. Each worker then builds the rule
verifier for the run's policy and opens the Dagster instance, once for every run of the pipeline
(levels, then assembly and manifest). This module imports neither Dagster nor the definitions, so
starting the pool costs the CLI nothing.

A fork server outlives the pool and keeps the environment and working folder it started with, so
every worker takes the CLI's own (as a spawned process would) before it does anything.

A worker ends without tearing its interpreter down: its results are already with the CLI when the pool
shuts down, and dismantling the modules of a Dagster process takes about a second that nobody waits
for usefully. The fork server, which lives until the CLI exits, ends the same way (`fork_server_exit`).
"""

import atexit
import multiprocessing
import multiprocessing.forkserver
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

from taxonomy_assets.cli.process_exit import end_process
from taxonomy_assets.constants import OFFERED_EXECUTORS_VARIABLE
from taxonomy_assets.long_lived_heap import freeze_for_good

ResultT = TypeVar("ResultT")


PRELOADED = ["taxonomy_assets.cli.fork_server_exit", "taxonomy_assets.cli.worker_preload"]
LANGUAGE_PRELOAD = "taxonomy_assets.cli.language_preload"


def _worker_started(environment: Mapping[str, str], working_folder: str) -> None:
    """Runs first in every worker: takes the CLI's environment and working folder, and registers an
    exit hook that (registered last, run first) ends the process as soon as the pool lets it go."""
    os.environ.clear()
    os.environ.update(environment)
    os.chdir(working_folder)
    atexit.register(end_process, 0)


def warm_up(policy_config: Mapping[str, Any], run_folder_config: Mapping[str, Any] | None = None) -> None:
    """Import the definitions and build the verifier for the policy the runs will pin: the run folder's
    snapshot when it has one (and is not being repinned), else the configured policy, resolved by the
    same resources the runs use. A policy that does not load is left for the runs to report."""
    import taxonomy_assets.cli.worker_preload  # noqa: F401
    from taxonomy_assets.cli.pipeline_runner import process_instance
    from taxonomy_assets.policy.loader import load_policy_file
    from taxonomy_assets.rules.verify import RuleVerifier
    from taxonomy_resources.policy_resource import PolicyResource
    from taxonomy_resources.run_folder import RunFolderResource

    folder = RunFolderResource(**(run_folder_config or {}))
    resource = PolicyResource(**policy_config, run_folder=folder)
    snapshot = folder.policy_snapshot_path
    pinned = snapshot.exists() and not resource.repin_policies
    RuleVerifier.from_policy(load_policy_file(snapshot) if pinned else resource.fresh())
    process_instance()


def _warm_worker(policy_config: Mapping[str, Any], run_folder_config: Mapping[str, Any]) -> None:
    """`warm_up`, then freeze what it built, as the fork server froze the preload: the reference data
    and the instance serve every run of the worker, so no full collection needs to walk them."""
    warm_up(policy_config, run_folder_config)
    freeze_for_good()


def _fork_server(preloaded: list[str], environment: Mapping[str, str]) -> multiprocessing.context.BaseContext:
    """Workers forked from a server that has imported `preloaded` with `environment` added to this
    process's; spawned where there is no fork server (Windows). The server is started here, in the
    caller's thread, so the variables are this process's own only for the instant it takes."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(preloaded)
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return context


class WorkerPool:
    """`workers` worker processes, each warmed up for the runs of one run folder (`policy_config` and
    `run_folder_config`: the policy and run-folder resources' config).

    `executors`: the executors the runs may choose; the workers' definitions offer only those
    (TAXONOMY_EXECUTORS), unless this process's environment already narrows them. `runs_s0`: whether
    the runs include S0, whose language model is then preloaded too."""

    def __init__(
        self,
        workers: int,
        policy_config: Mapping[str, Any],
        run_folder_config: Mapping[str, Any] | None = None,
        executors: Sequence[str] = (),
        runs_s0: bool = True,
    ) -> None:
        self.workers = max(1, workers)
        self._used = False
        preloaded = [*PRELOADED, *([LANGUAGE_PRELOAD] if runs_s0 else [])]
        narrowed = bool(executors) and OFFERED_EXECUTORS_VARIABLE not in os.environ
        environment = {OFFERED_EXECUTORS_VARIABLE: ",".join(executors)} if narrowed else {}
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=_fork_server(preloaded, environment),
            initializer=_worker_started,
            initargs=(dict(os.environ), os.getcwd()),
        )
        # starting a worker waits for the fork server to finish importing: a thread waits instead of
        # the CLI, which goes on with its own work meanwhile
        self._starting = threading.Thread(
            target=self._start, args=(dict(policy_config), dict(run_folder_config or {})), daemon=True
        )
        self._starting.start()

    def _start(self, policy_config: dict[str, Any], run_folder_config: dict[str, Any]) -> None:
        for _ in range(self.workers):
            self._executor.submit(_warm_worker, policy_config, run_folder_config)

    def submit(self, work: Callable[..., ResultT], *args: Any) -> "Future[ResultT]":
        self._used = True
        self._starting.join()
        return self._executor.submit(work, *args)

    def close(self) -> None:
        """Wait for the workers to finish; if they were never given work (the request was refused before
        any run), stop them as soon as they exist rather than wait for warm-ups nobody needs."""
        self._starting.join()
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
