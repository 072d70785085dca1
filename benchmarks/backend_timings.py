"""Wall-clock time of the same `taxonomy pipeline run` (sample corpus, fresh run folder) on each backend.

Usage: python benchmarks/backend_timings.py [--repeat 3] [--backends sqlite postgres celery s3]

- sqlite:   the project's default instance (SQLite in a fresh DAGSTER_HOME), local run folder;
- postgres: a fresh PostgreSQL database on 127.0.0.1:5432 as instance storage, local run folder;
- celery:   the same PostgreSQL instance, steps executed by a `dagster-celery` worker (RabbitMQ on
            127.0.0.1:5672, started here before timing), shared local run folder;
- s3:       SQLite instance, run folder on an S3-compatible moto server started on 127.0.0.1.

Every repetition is a complete run into a new run folder; the median is printed with min and max.
Services are the ones the `services` tests use (tests/services.py) and are removed afterwards.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.services import (  # noqa: E402
    RABBITMQ_URL,
    celery_worker,
    moto_s3_server,
    postgres_database,
    postgres_instance_yaml,
    write_instance_home,
)

BACKENDS = ("sqlite", "postgres", "celery", "s3")


def _base_env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TAXONOMY_", "DAGSTER_"))}
    env["DAGSTER_HOME"] = str(home)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def time_runs(backend: str, repeat: int, scratch: Path) -> list[float]:
    """Seconds of each complete `taxonomy pipeline run` on the backend."""
    with ExitStack() as stack:
        home = scratch / f"{backend}-home"
        output_root = str(scratch / f"{backend}-output")
        extra: list[str] = []
        if backend in ("postgres", "celery"):
            db_name = stack.enter_context(postgres_database("taxonomy_bench"))
            write_instance_home(home, postgres_instance_yaml(db_name))
        env = _base_env(home)
        if backend == "celery":
            stack.enter_context(celery_worker(env, scratch, prefix="taxonomy-bench"))
            extra = ["--executor", "celery", "--broker", RABBITMQ_URL]
        if backend == "s3":
            server = stack.enter_context(moto_s3_server())
            env.update(server.env)
            import s3fs

            os.environ.update(server.env)
            s3fs.S3FileSystem(skip_instance_cache=True).mkdir("taxonomy-bench")
            output_root = "s3://taxonomy-bench/taxonomy"
        command = [
            sys.executable,
            "-m",
            "taxonomy_assets.cli",
            "pipeline",
            "run",
            "--output-root",
            output_root,
        ]
        # one untimed run creates the instance storage (SQLite files or PostgreSQL tables) first
        warmup = subprocess.run(
            [*command, "--run-id", "warmup", *extra], env=env, cwd=scratch, capture_output=True
        )
        if warmup.returncode != 0:
            raise RuntimeError(f"{backend}: {warmup.stderr.decode()[-2000:]}")
        seconds = []
        for number in range(repeat):
            started = time.perf_counter()
            result = subprocess.run(
                [*command, "--run-id", f"bench-{number}", *extra], env=env, cwd=scratch, capture_output=True
            )
            seconds.append(time.perf_counter() - started)
            if result.returncode != 0:
                raise RuntimeError(f"{backend}: {result.stderr.decode()[-2000:]}")
        return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(
        f"{'backend':<10}{'median s':>10}{'min s':>8}{'max s':>8}  (cpus {os.cpu_count()}, load {load:.1f})",
    )
    with tempfile.TemporaryDirectory(prefix="taxonomy-bench-") as scratch:
        for backend in args.backends:
            seconds = time_runs(backend, args.repeat, Path(scratch))
            print(
                f"{backend:<10}{statistics.median(seconds):>10.1f}{min(seconds):>8.1f}{max(seconds):>8.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
