"""Real services for the `services` tests: an S3-compatible moto server, PostgreSQL databases, and a
Dagster instance home on PostgreSQL. Everything listens on 127.0.0.1 and is removed afterwards."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import requests
import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
POSTGRES_HOST = os.environ.get("TAXONOMY_TEST_PGHOST", "127.0.0.1")
POSTGRES_PORT = int(os.environ.get("TAXONOMY_TEST_PGPORT", "5432"))
POSTGRES_USER = os.environ.get("TAXONOMY_TEST_PGUSER", "postgres")
RABBITMQ_URL = os.environ.get("TAXONOMY_TEST_BROKER", "pyamqp://guest:guest@127.0.0.1:5672//")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not happen within {seconds:.0f} s")


@dataclass(frozen=True)
class S3Server:
    """A moto server process; `env` holds the standard AWS variables that point clients at it."""

    endpoint: str
    process: subprocess.Popen

    @property
    def env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "moto-test-key",
            "AWS_SECRET_ACCESS_KEY": "moto-test-secret",
            "AWS_DEFAULT_REGION": "us-east-1",
        }


@contextmanager
def moto_s3_server() -> Iterator[S3Server]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    endpoint = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return requests.get(f"{endpoint}/moto-api/", timeout=1).status_code < 500
        except requests.ConnectionError:
            return False

    try:
        wait_until(answers, 60, f"moto server on {endpoint}")
        yield S3Server(endpoint, process)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _admin_connection():
    connection = psycopg2.connect(
        host=POSTGRES_HOST, port=POSTGRES_PORT, user=POSTGRES_USER, dbname="postgres", connect_timeout=5
    )
    connection.autocommit = True
    return connection


@contextmanager
def postgres_database(prefix: str = "taxonomy_test") -> Iterator[str]:
    """A fresh, uniquely named database, dropped (with its connections) afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        admin = _admin_connection()
    except psycopg2.OperationalError as exc:
        raise RuntimeError(
            f"no PostgreSQL on {POSTGRES_HOST}:{POSTGRES_PORT} as {POSTGRES_USER}: {exc}; start one "
            "(see .ci/run) or deselect these tests with -m 'not services'"
        ) from exc
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')  # name is generated above, never from input
    admin.close()
    try:
        yield name
    finally:
        admin = _admin_connection()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def postgres_instance_yaml(db_name: str) -> dict:
    """The README's PostgreSQL dagster.yaml (deploy/postgres/), pointed at the test server and database."""
    settings = yaml.safe_load((PROJECT_ROOT / "deploy" / "postgres" / "dagster.yaml").read_text())
    settings["storage"]["postgres"]["postgres_db"].update(
        hostname=POSTGRES_HOST, port=POSTGRES_PORT, username=POSTGRES_USER, db_name=db_name
    )
    return settings


def write_instance_home(home: Path, settings: dict) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    return home


@contextmanager
def dagster_dev(env: dict[str, str], cwd: Path) -> Iterator[int]:
    """`taxonomy ui` (dagster dev: webserver + daemon) on a free port; yields the port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "taxonomy_assets.cli", "ui", "--port", str(port)],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def answers() -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{port}/server_info", timeout=2).ok
        except requests.ConnectionError:
            return False

    try:
        wait_until(answers, 120, "dagster dev start")
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def celery_worker(env: dict[str, str], scratch: Path, prefix: str = "taxonomy-test") -> Iterator[str]:
    """A `dagster-celery worker` process on the RabbitMQ broker, started in its own session and waited
    for until it reports ready; yields its node name (`name@host`). Its log is `scratch/worker.log`."""
    config = scratch / "celery.yaml"
    config.write_text(f"execution:\n  config:\n    broker: '{RABBITMQ_URL}'\n    backend: 'rpc://'\n")
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    node = f"{name}@{socket.gethostname()}"
    log = scratch / "worker.log"
    command = [str(Path(sys.executable).parent / "dagster-celery"), "worker", "start"]
    command += ["-A", "dagster_celery.app", "-y", str(config), "--name", name]
    with open(log, "w") as handle:
        worker = subprocess.Popen(
            command, env=env, cwd=scratch, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_until(lambda: f"{node} ready." in log.read_text(), 120, "celery worker start")
        yield node
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
