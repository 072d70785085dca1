"""Shared fixtures: a real Dagster home, real run folders in tmp, and the real `taxonomy` CLI."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from tests.services import S3Server, moto_s3_server

# Property tests and the S0 fuzzer run a modest number of examples by default so the suite stays fast;
# HYPOTHESIS_PROFILE=thorough fuzzes much longer. Tests that set max_examples themselves keep theirs.
settings.register_profile("default", max_examples=40, deadline=None, database=None)
settings.register_profile("thorough", max_examples=2000, deadline=None, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_SOURCES = PROJECT_ROOT / "data" / "sample"
EVAL_DIR = PROJECT_ROOT.parent / "shared" / "eval"
VOLATILE_FILES = {"manifest.json", "policy.pin.json", "taxonomy.duckdb"}


def run_cli(
    args: list[str], env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "taxonomy_assets.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def artifact_files(folder: Path) -> dict[str, Path]:
    """Every committed artifact of a run folder by relative path (no hidden, lock or staging files)."""
    return {
        path.relative_to(folder).as_posix(): path
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    }


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fingerprint(folder: Path) -> dict[str, tuple[str, int]]:
    """sha256 and mtime of every artifact, to prove what a later run did or did not touch."""
    return {name: (sha256(path), path.stat().st_mtime_ns) for name, path in artifact_files(folder).items()}


def read_manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


@dataclass(frozen=True)
class CliWorld:
    """An isolated DAGSTER_HOME and output root shared by the end-to-end tests of a session."""

    env: dict[str, str]
    output_root: Path
    home: Path

    def folder(self, run_id: str) -> Path:
        return self.output_root / "runs" / run_id

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(list(args), self.env, cwd=self.output_root.parent)


@pytest.fixture(scope="session")
def cli_world(tmp_path_factory: pytest.TempPathFactory) -> CliWorld:
    base = tmp_path_factory.mktemp("world")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TAXONOMY_", "DAGSTER_"))}
    env.update(
        {
            "DAGSTER_HOME": str(base / "dagster_home"),
            "TAXONOMY_OUTPUT_ROOT": str(base / "output"),
            "TAXONOMY_ENVIRONMENT": "testing",
        }
    )
    return CliWorld(env=env, output_root=base / "output", home=base / "dagster_home")


@pytest.fixture(scope="session")
def baseline(cli_world: CliWorld) -> dict[str, tuple[str, int]]:
    """One complete pipeline run on the sample corpus (run folder `base`); returns its fingerprint."""
    result = cli_world.run("pipeline", "run", "--run-id", "base")
    assert result.returncode == 0, result.stderr
    return fingerprint(cli_world.folder("base"))


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    target = tmp_path / "sources"
    shutil.copytree(SAMPLE_SOURCES, target)
    return target


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A real S3-compatible server (moto) on 127.0.0.1; clients in this process find it through the
    standard AWS variables, set here for the session."""
    with moto_s3_server() as server, pytest.MonkeyPatch.context() as patch:
        for key, value in server.env.items():
            patch.setenv(key, value)
        yield server


@pytest.fixture(scope="session")
def s3_bucket(s3_server: S3Server) -> str:
    """An empty bucket on the session's S3 server; returns its URL."""
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem()
    fs.mkdir("taxonomy-test")
    return "s3://taxonomy-test"
