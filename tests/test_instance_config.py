"""The project's dagster.yaml: local SQLite instance, queued runs limited per partition and per run
folder; a user's own dagster.yaml in DAGSTER_HOME is never replaced."""

import os
from pathlib import Path

import pytest
import yaml
from dagster import DagsterInstance

from taxonomy_assets.cli.instance_home import ensure_dagster_home
from tests.conftest import PROJECT_ROOT, run_cli


def test_cli_home_gets_the_project_instance_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    home = ensure_dagster_home()
    assert (home / "dagster.yaml").is_file()
    with DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        queue = instance.run_coordinator.get_run_queue_config()
        limits = {limit["key"]: limit for limit in queue.tag_concurrency_limits}
        assert limits["dagster/partition"]["limit"] == 1
        assert limits["dagster/partition"]["value"] == {"applyLimitPerUniqueValue": True}
        # the run dimension's own tag (set by the UI as well as the CLI): level runs per run folder
        assert limits["dagster/partition/run"]["limit"] == 4
        assert limits["dagster/partition/run"]["value"] == {"applyLimitPerUniqueValue": True}


def test_a_users_own_instance_settings_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    custom = "run_queue:\n  max_concurrent_runs: 7\ntelemetry:\n  enabled: false\n"
    (home / "dagster.yaml").write_text(custom)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    ensure_dagster_home()
    assert (home / "dagster.yaml").read_text() == custom
    with DagsterInstance.get() as instance:
        assert instance.run_coordinator.get_run_queue_config().max_concurrent_runs == 7


def test_config_validate_reports_the_instance_storage(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TAXONOMY_", "DAGSTER_"))}
    env["DAGSTER_HOME"] = str(tmp_path / "home")
    result = run_cli(["config", "validate"], env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"instance_storage sqlite {tmp_path / 'home'}" in result.stdout
    assert "run_coordinator QueuedRunCoordinator" in result.stdout
    (tmp_path / "home" / "dagster.yaml").write_text("storage:\n  postgres:\n    postgres_url: nowhere\n")
    broken = run_cli(["config", "validate"], env, cwd=tmp_path)
    assert broken.returncode == 2 and "cannot open the Dagster instance" in broken.stderr


def test_deployment_instance_files_keep_the_projects_queue_limits() -> None:
    project = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text())
    for deployment in ("postgres", "kubernetes"):
        settings = yaml.safe_load((PROJECT_ROOT / "deploy" / deployment / "dagster.yaml").read_text())
        assert settings["run_queue"] == project["run_queue"], deployment
        assert settings["storage"]["postgres"]["postgres_db"]["scheme"] == "postgresql+psycopg2"
