"""The executor every job runs with, chosen per run: in-process, multiprocess, Celery or Kubernetes.

Dagster's default executor offers `in_process` and `multiprocess`. This one offers the same two plus
the executors of the Dagster ecosystem when their library is installed: `celery` (dagster-celery:
each step becomes a Celery task on a broker such as RabbitMQ, run by `dagster-celery worker`
processes on any machine) and `k8s` (dagster-k8s: each step runs in its own Kubernetes Job). The
choice is run config, so the launchpad, the CLI and schedules pick it without code changes:

    execution:
      config:
        celery:
          broker: pyamqp://guest:guest@127.0.0.1:5672//

Every choice but `in_process` needs a persistent instance (dagster.yaml) and a shared run folder,
because steps run in other processes, possibly on other machines.

`TAXONOMY_EXECUTORS` (comma-separated) narrows the ecosystem executors offered to those it names; the
libraries of the others are not even imported. `taxonomy pipeline run` sets it, for the runs it
executes itself, to the executor those runs use: importing dagster-k8s and the Kubernetes client costs
half a second of every start, dagster-celery a tenth, for executors those runs do not use.
"""

import os
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from dagster import (
    Executor,
    ExecutorDefinition,
    ExecutorRequirement,
    Field,
    InitExecutorContext,
    Selector,
    executor,
    in_process_executor,
    multiple_process_executor_requirements,
    multiprocess_executor,
)

from taxonomy_assets.constants import OFFERED_EXECUTORS_VARIABLE


def _offered(name: str) -> bool:
    listed = os.environ.get(OFFERED_EXECUTORS_VARIABLE, "").strip()
    return not listed or name in {part.strip() for part in listed.split(",")}


def _ecosystem_executors() -> dict[str, ExecutorDefinition]:
    """The distributed executors whose libraries are installed (extras `celery`, `k8s`) and that
    `TAXONOMY_EXECUTORS`, when set, names."""
    found: dict[str, ExecutorDefinition] = {}
    if _offered("celery"):
        try:
            from celery.exceptions import DuplicateTaskNameWarning
            from dagster_celery import celery_executor

            # dagster-celery registers its task again for every step it submits, by design
            warnings.filterwarnings("ignore", category=DuplicateTaskNameWarning)
            found["celery"] = celery_executor
        except ImportError:
            pass
    if _offered("k8s"):
        try:
            from dagster_k8s import k8s_job_executor

            found["k8s"] = k8s_job_executor
        except ImportError:
            pass
    return found


EXECUTORS: dict[str, ExecutorDefinition] = {
    "in_process": in_process_executor,
    "multiprocess": multiprocess_executor,
    **_ecosystem_executors(),
}


def _requirements(config: Mapping[str, Any]) -> Sequence[ExecutorRequirement]:
    return [] if "in_process" in config else multiple_process_executor_requirements()


@executor(
    name="taxonomy_executor",
    config_schema=Field(
        Selector({name: definition.config_schema.as_field() for name, definition in EXECUTORS.items()}),
        default_value={"multiprocess": {}},
        description="One of: " + ", ".join(EXECUTORS) + ".",
    ),
    requirements=_requirements,
)
def taxonomy_executor(init_context: InitExecutorContext) -> Executor:
    """Builds the chosen executor with its own section of the config."""
    ((name, config),) = init_context.executor_config.items()
    chosen = EXECUTORS[name]
    return chosen.executor_creation_fn(  # type: ignore[misc]
        InitExecutorContext(
            job=init_context.job,
            executor_def=chosen,
            executor_config=config or {},
            instance=init_context.instance,
        )
    )
