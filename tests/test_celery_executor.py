"""A real Celery worker (dagster-celery, RabbitMQ on 127.0.0.1) runs the pipeline's steps on PostgreSQL
storage and a shared run folder, the way a multi-machine deployment would."""

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance

from taxonomy_assets.constants import PER_LEVEL_ASSETS
from taxonomy_assets.levels import LEVELS
from tests.conftest import run_cli, sha256
from tests.services import (
    RABBITMQ_URL,
    celery_worker,
    postgres_database,
    postgres_instance_yaml,
    write_instance_home,
)

pytestmark = pytest.mark.services


@dataclass(frozen=True)
class CeleryWorld:
    env: dict[str, str]
    home: Path
    output_root: Path
    worker_name: str


@pytest.fixture
def celery_world(tmp_path: Path) -> Iterator[CeleryWorld]:
    bin_dir = str(Path(sys.executable).parent)
    with postgres_database() as db_name:
        home = write_instance_home(tmp_path / "home", postgres_instance_yaml(db_name))
        env = {
            key: value for key, value in os.environ.items() if not key.startswith(("TAXONOMY_", "DAGSTER_"))
        }
        env.update(
            {
                "DAGSTER_HOME": str(home),
                "TAXONOMY_ENVIRONMENT": "testing",
                "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
            }
        )
        with celery_worker(env, tmp_path) as node:
            yield CeleryWorld(env, home, tmp_path / "output", node)


def test_pipeline_steps_run_in_a_celery_worker_on_postgres(
    celery_world: CeleryWorld, cli_world, baseline: dict
) -> None:
    result = run_cli(
        [
            "pipeline",
            "run",
            "--run-id",
            "celery",
            "--output-root",
            str(celery_world.output_root),
            "--executor",
            "celery",
            "--broker",
            RABBITMQ_URL,
        ],
        celery_world.env,
        cwd=celery_world.output_root.parent,
    )
    assert result.returncode == 0, result.stderr

    with DagsterInstance.from_config(str(celery_world.home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        executed_in_worker: set[tuple[str, str | None]] = set()
        for run in instance.get_runs():
            for entry in instance.all_logs(run.run_id, of_type=DagsterEventType.ENGINE_EVENT):
                event = entry.dagster_event
                if event is None or not entry.message.endswith("in celery worker"):
                    continue
                worker = event.engine_event_data.metadata.get("Celery worker")
                assert worker is not None and worker.value == celery_world.worker_name
                executed_in_worker.add((event.step_key or "", run.tags.get("dagster/partition")))
    assert {
        (asset, f"{level}|celery") for asset in PER_LEVEL_ASSETS for level in LEVELS
    } <= executed_in_worker
    assert ("taxonomy_hierarchy", "celery") in executed_in_worker

    folder = celery_world.output_root / "runs" / "celery"
    local = cli_world.folder("base")
    for stage, name in (("S1", "candidates.parquet"), ("S3", "concepts.parquet")):
        for level in LEVELS:
            assert sha256(folder / stage / level / name) == sha256(local / stage / level / name)
    assert (folder / "hierarchy" / "hierarchy.json").is_file() and (folder / "manifest.json").is_file()
