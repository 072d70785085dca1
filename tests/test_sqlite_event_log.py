"""The CLI's workers open a local SQLite instance with an event log that keeps one engine per database,
reading and writing Dagster's own files; a home configured for other storage opens as configured."""

import sqlite3
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, asset, materialize
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from taxonomy_assets.project_paths import PROJECT_ROOT
from taxonomy_resources.sqlite_event_log import (
    ReusedEngineSqliteEventLogStorage,
    open_instance,
    run_database_template,
)


def database_contents(path: Path) -> tuple[list[str], str]:
    """Schema and rows (as SQL statements, in order: Dagster creates a table's indexes in set order) and
    journal mode of a SQLite database file."""
    connection = sqlite3.connect(path)
    try:
        return sorted(connection.iterdump()), connection.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        connection.close()


@asset
def small_number() -> int:
    return 7


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A DAGSTER_HOME with the project's dagster.yaml, as the CLI sets one up."""
    (tmp_path / "dagster.yaml").write_text((PROJECT_ROOT / "dagster.yaml").read_text())
    return tmp_path


def test_runs_store_events_through_one_engine_per_database(home: Path) -> None:
    with open_instance(home) as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, ReusedEngineSqliteEventLogStorage)
        runs = [materialize([small_number], instance=instance) for _ in range(3)]
        assert all(result.success for result in runs)
        # one engine for the index and one per run database, however many events each run stored
        assert set(storage._engines) == {"index", *(result.run_id for result in runs)}
        assert len(instance.all_logs(runs[0].run_id)) > 10
        ours = [event.dagster_event_type for event in instance.all_logs(runs[0].run_id)]

    # the files are where Dagster's default instance keeps them, and it reads them the same way
    with DagsterInstance.from_config(str(home)) as plain:
        assert type(plain.event_log_storage) is SqliteEventLogStorage
        assert [event.dagster_event_type for event in plain.all_logs(runs[0].run_id)] == ours
        latest = plain.get_latest_materialization_event(AssetKey("small_number"))
        assert latest is not None and latest.run_id == runs[-1].run_id
        stored = {record.dagster_run.run_id for record in plain.get_run_records()}
        assert stored == {run.run_id for run in runs}


def test_a_home_with_its_own_storage_opens_as_configured(tmp_path: Path) -> None:
    (tmp_path / "dagster.yaml").write_text(
        f"storage:\n  sqlite:\n    base_dir: {tmp_path / 'elsewhere'}\ntelemetry:\n  enabled: false\n"
    )
    with open_instance(tmp_path) as instance:
        assert type(instance.event_log_storage) is SqliteEventLogStorage
        assert materialize([small_number], instance=instance).success
    assert (tmp_path / "elsewhere").is_dir()


def test_engines_kept_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("taxonomy_resources.sqlite_event_log.ENGINES_KEPT", 2)
    storage = ReusedEngineSqliteEventLogStorage(str(tmp_path))
    for run_id in ("a", "b", "c"):
        assert storage.get_logs_for_run(run_id) == []
    assert list(storage._engines) == ["b", "c"]
    storage.dispose()
    assert not storage._engines


def test_a_wiped_event_log_starts_over_with_fresh_databases(home: Path) -> None:
    with open_instance(home) as instance:
        first = materialize([small_number], instance=instance)
        instance.event_log_storage.wipe()
        assert instance.all_logs(first.run_id) == []
        second = materialize([small_number], instance=instance)
        assert second.success and len(instance.all_logs(second.run_id)) > 10
    with DagsterInstance.from_config(str(home)) as plain:
        assert len(plain.all_logs(second.run_id)) == len(open_instance(home).all_logs(second.run_id))


def test_dynamic_partitions_are_read_and_written_like_dagsters(home: Path) -> None:
    with open_instance(home) as instance:
        assert not instance.has_dynamic_partition("runs", "base")
        instance.add_dynamic_partitions("runs", ["base"])
        assert instance.has_dynamic_partition("runs", "base")
        assert instance.event_log_storage.has_table("dynamic_partitions")
        assert not instance.event_log_storage.has_table("no_such_table")
    with DagsterInstance.from_config(str(home)) as plain:
        assert plain.get_dynamic_partitions("runs") == ["base"]


def test_a_new_run_database_is_the_one_dagster_creates(tmp_path: Path) -> None:
    ours = ReusedEngineSqliteEventLogStorage(str(tmp_path / "ours"))
    dagsters = SqliteEventLogStorage(str(tmp_path / "dagsters"))
    for storage in (ours, dagsters):
        assert storage.get_logs_for_run("new-run") == []
        storage.dispose()
    made = database_contents(tmp_path / "ours" / "new-run.db")
    assert made == database_contents(tmp_path / "dagsters" / "new-run.db")
    assert made[1] == "wal" and any("alembic_version" in line for line in made[0])
    assert not list((tmp_path / "ours").glob(".template-*"))  # nothing staged is left behind
    # copied from one template built once per process, not stamped by reading the migrations each time
    hits = run_database_template.cache_info().hits
    assert ReusedEngineSqliteEventLogStorage(str(tmp_path / "ours")).get_logs_for_run("next-run") == []
    assert run_database_template.cache_info().hits == hits + 1


def test_an_existing_run_database_is_never_replaced(home: Path) -> None:
    with DagsterInstance.from_config(str(home)) as plain:
        run = materialize([small_number], instance=plain)
        stored = len(plain.all_logs(run.run_id))
    with open_instance(home) as instance:
        assert len(instance.all_logs(run.run_id)) == stored > 10


def test_commits_do_not_wait_for_the_disk_in_wal_mode(tmp_path: Path) -> None:
    from sqlalchemy import text

    storage = ReusedEngineSqliteEventLogStorage(str(tmp_path))
    assert storage.get_logs_for_run("a-run") == []
    with storage._connect("a-run") as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL (FULL is 2)
    storage.dispose()
