"""The CLI's worker pool: warmed for the policy the runs will pin, and its work really runs elsewhere."""

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from taxonomy_assets import long_lived_heap
from taxonomy_assets.cli.pipeline_runner import process_instance
from taxonomy_assets.cli.worker_pool import WorkerPool, warm_up
from taxonomy_assets.policy.loader import load_policy, policy_to_yaml, sections_digest
from taxonomy_assets.project_paths import POLICIES_DIR, PROJECT_ROOT
from taxonomy_assets.rules import verify
from taxonomy_assets.sources.reader_process import ReaderProcess
from taxonomy_resources.run_folder import RunFolderResource


def test_warm_up_builds_the_verifier_of_the_pinned_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    fresh = load_policy(POLICIES_DIR)
    pinned = fresh.model_copy(update={"label": fresh.label.model_copy(update={"max_length": 77})})
    folder = RunFolderResource(output_root=str(tmp_path), run_id="warm")
    folder.policy_snapshot_path.parent.mkdir(parents=True, exist_ok=True)
    folder.policy_snapshot_path.write_text(policy_to_yaml(pinned), encoding="utf-8")
    verify._BUILT.clear()

    warm_up({"policies_dir": str(POLICIES_DIR)}, {"output_root": str(tmp_path), "run_id": "warm"})
    assert list(verify._BUILT) == [sections_digest(pinned, "verification", "label")]
    assert process_instance() is process_instance()

    verify._BUILT.clear()
    warm_up(
        {"policies_dir": str(POLICIES_DIR), "repin_policies": True},
        {"output_root": str(tmp_path), "run_id": "warm"},
    )
    assert list(verify._BUILT) == [sections_digest(fresh, "verification", "label")]
    assert verify.RuleVerifier.from_policy(fresh) is verify.RuleVerifier.from_policy(
        load_policy(POLICIES_DIR)
    )


def test_pool_work_runs_in_worker_processes_with_the_callers_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers come from a fork server that outlives the pool; each still sees the environment and
    working folder of the caller at the time the pool started, like a spawned process."""
    for home in ("first", "second"):
        monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / home))
        monkeypatch.chdir(tmp_path)
        with WorkerPool(1, {"policies_dir": str(POLICIES_DIR)}) as pool:
            assert pool.submit(os.getpid).result() != os.getpid()
            assert pool.submit(os.getenv, "DAGSTER_HOME").result() == str(tmp_path / home)
            assert pool.submit(os.getcwd).result() == str(tmp_path)


def test_an_unused_pool_closes_without_waiting_for_its_warm_up() -> None:
    pool = WorkerPool(2, {"policies_dir": str(POLICIES_DIR)})
    pool._starting.join()  # the workers exist once the fork server has forked them
    processes = list(pool._executor._processes.values())
    pool.close()
    assert processes and all(not process.is_alive() for process in processes)
    assert all(process.exitcode is not None and process.exitcode < 0 for process in processes)


def test_a_warm_worker_keeps_its_long_lived_heap_out_of_the_collectors_reach() -> None:
    """The preloaded definitions and the warm-up's reference data are frozen: no full collection in a
    worker walks them again."""
    with WorkerPool(1, {"policies_dir": str(POLICIES_DIR)}) as pool:
        frozen = pool.submit(gc.get_freeze_count).result()
    assert frozen > 100_000


def _frozen_in_child(_: object) -> int:
    return gc.get_freeze_count()


def test_a_reader_process_leaves_the_collectors_freeze_as_it_found_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """S0's reader freezes the step's heap for its child only; a process that froze its own heap for
    good before (a worker) keeps it frozen, and one that had not is left with nothing frozen."""
    gc.unfreeze()  # (importing the workers' preload module froze this process too)
    monkeypatch.setattr(long_lived_heap, "_frozen_for_good", False)
    with ReaderProcess(_frozen_in_child, 5.0, 1 << 30) as reader:
        assert reader.run("four") > 100_000  # the child inherited the step's heap frozen
    assert gc.get_freeze_count() == 0
    long_lived_heap.freeze_for_good()
    frozen = gc.get_freeze_count()
    try:
        with ReaderProcess(len, 5.0, 1 << 30) as reader:
            assert reader.run("four") == 4
        # (frozen objects still leave the count when they are freed; unfreezing would empty it)
        assert gc.get_freeze_count() > frozen // 2 > 0
    finally:
        gc.unfreeze()


def worker_view() -> tuple[list[str], bool, bool]:
    """What a worker's definitions offer, whether it imported the Kubernetes library, and whether it
    holds the language model."""
    from taxonomy_assets import executors
    from taxonomy_assets.sources import language

    return (
        sorted(executors.EXECUTORS),
        "dagster_k8s" in sys.modules,
        language._identifier.cache_info().currsize > 0,
    )


POOL_SCRIPT = """
import os
from taxonomy_assets.cli.worker_pool import WorkerPool
from tests.test_worker_pool import worker_view

with WorkerPool(1, {"policies_dir": %r}, executors=("in_process", "multiprocess"), runs_s0=False) as pool:
    print(pool.submit(worker_view).result())
    print(pool.submit(os.getenv, "TAXONOMY_EXECUTORS").result(), os.getenv("TAXONOMY_EXECUTORS"))
"""


def test_the_workers_offer_only_the_executors_their_runs_may_choose(tmp_path: Path) -> None:
    """A fresh process (its own fork server): the workers' definitions leave out the Kubernetes
    executor (and never import its client) and skip the language model for runs without S0, while the
    caller's environment and the workers' own are left as they were."""
    environment = {key: value for key, value in os.environ.items() if key != "TAXONOMY_EXECUTORS"}
    environment["DAGSTER_HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", POOL_SCRIPT % str(POLICIES_DIR)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=PROJECT_ROOT,
        check=True,
    )
    assert result.stdout.splitlines() == ["(['in_process', 'multiprocess'], False, False)", "None None"]
