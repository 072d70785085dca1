"""A local SQLite home's run and schedule storages: created and stamped by Dagster's own code, then
opened without reading the migration scripts, on the same files Dagster's own classes read."""

from pathlib import Path

import pytest
from dagster import DagsterInstance, materialize
from dagster._core.storage.runs.sqlite import sqlite_run_storage
from dagster._core.storage.schedules.sqlite import sqlite_schedule_storage

from taxonomy_assets.project_paths import PROJECT_ROOT
from taxonomy_resources.sqlite_event_log import open_instance
from taxonomy_resources.sqlite_stamped_storages import StampedSqliteRunStorage, StampedSqliteScheduleStorage
from tests.test_sqlite_event_log import small_number


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "dagster.yaml").write_text((PROJECT_ROOT / "dagster.yaml").read_text())
    return tmp_path


@pytest.fixture
def revision_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every time Dagster's run or schedule storage asks alembic for the head revision."""
    checks: list[str] = []
    for module, name in ((sqlite_run_storage, "runs"), (sqlite_schedule_storage, "schedules")):
        real = module.check_alembic_revision

        def counted(config, connection, real=real, name=name):
            checks.append(name)
            return real(config, connection)

        monkeypatch.setattr(module, "check_alembic_revision", counted)
    return checks


def test_a_new_home_is_created_by_dagster_and_then_opened_without_the_migration_scripts(
    home: Path, revision_checks: list[str]
) -> None:
    with open_instance(home) as instance:
        assert isinstance(instance.run_storage, StampedSqliteRunStorage)
        assert isinstance(instance.schedule_storage, StampedSqliteScheduleStorage)
        assert materialize([small_number], instance=instance).success
    assert sorted(revision_checks) == ["runs", "schedules"]  # the new databases: Dagster's path

    revision_checks.clear()
    with open_instance(home) as instance:
        assert len(instance.get_runs()) == 1
        assert instance.schedule_storage.all_instigator_state() == []
    assert revision_checks == []

    with DagsterInstance.from_config(str(home)) as plain:  # Dagster's own classes, the same files
        assert type(plain.run_storage).__name__ == "SqliteRunStorage"
        assert [run.run_id for run in plain.get_runs()] == [run.run_id for run in instance.get_runs()]


def test_a_database_without_a_stamp_goes_through_dagsters_own_opening(
    home: Path, revision_checks: list[str]
) -> None:
    (home / "history").mkdir()
    (home / "history" / "runs.db").touch()  # an empty file: no schema, no stamp
    with open_instance(home) as instance:
        assert materialize([small_number], instance=instance).success
        assert len(instance.get_runs()) == 1
    assert "runs" in revision_checks


def _open_when_all_are_ready(home: str, barrier, answers) -> None:
    from taxonomy_resources.sqlite_event_log import open_instance

    barrier.wait()
    try:
        with open_instance(home) as instance:
            answers.put(("ok", len(instance.get_runs())))
    except Exception as exc:  # reported to the test, which names it
        answers.put((type(exc).__name__, str(exc)[:300]))


@pytest.mark.parametrize("attempt", range(2))
def test_processes_opening_a_new_home_at_once_create_it_once(home: Path, attempt: int) -> None:
    """The CLI creates a new home while its workers warm up: Dagster's own creation, run by several
    processes at once, fails in most attempts (a table that already exists, two alembic heads)."""
    import multiprocessing
    import sqlite3

    context = multiprocessing.get_context("spawn")
    barrier, answers = context.Barrier(3), context.Queue()
    openers = [
        context.Process(target=_open_when_all_are_ready, args=(str(home), barrier, answers)) for _ in range(3)
    ]
    for opener in openers:
        opener.start()
    results = [answers.get(timeout=120) for _ in openers]
    for opener in openers:
        opener.join(timeout=60)
    assert results == [("ok", 0)] * 3
    for database in (home / "history" / "runs.db", home / "schedules" / "schedules.db"):
        connection = sqlite3.connect(database)
        try:
            assert len(connection.execute("SELECT version_num FROM alembic_version").fetchall()) == 1
        finally:
            connection.close()
