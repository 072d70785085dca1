"""The project's dagster.yaml: local SQLite instance, queued runs limited per level partition."""

from pathlib import Path

import pytest
from dagster import DagsterInstance

from taxonomy_assets.cli.instance_home import ensure_dagster_home


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
