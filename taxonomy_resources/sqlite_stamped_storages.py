"""Dagster's SQLite run and schedule storages, opened without reading the migration scripts when the
database already carries its schema stamp, and created by one process at a time when it does not.

Opening either storage asks alembic for the head revision, and alembic executes every one of Dagster's
migration scripts to answer: a tenth of a second per storage in every process that opens the instance
(the CLI, its progress reader, each worker). Dagster uses the answer only to tell a database that was
never stamped, which it then creates and stamps; a stamped one it opens as it is. These classes open a
stamped database the same way without asking, and hand anything else to Dagster's own `from_local`.

Dagster's creation is not safe when two processes open a new home at once (the CLI creating it while a
worker warms up): both create the same tables and stamp twice, and one fails (`table already exists`,
`more than one head`). So creation holds a lock file beside the database (`creation_lock`), and the
stamp is checked again once the lock is held. The schema, the files and every query stay Dagster's
(`open_instance` puts these classes in place for a home that leaves storage to Dagster's defaults).
"""

import contextlib
import os
from collections.abc import Iterator

from dagster._core.storage.runs import SqliteRunStorage
from dagster._core.storage.schedules import SqliteScheduleStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import create_db_conn_string
from dagster._serdes import ConfigurableClassData
from filelock import FileLock
from sqlalchemy import exc as sqlalchemy_errors
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool


def engine_is_stamped(engine: Engine, tables: frozenset[str] = frozenset()) -> bool:
    """Whether the engine's database carries an alembic stamp and holds `tables`."""
    with engine.connect() as connection:
        try:
            stamp = connection.execute(text("SELECT version_num FROM alembic_version")).first()
        except sqlalchemy_errors.OperationalError:
            return False  # no such table: never stamped
        return bool(stamp and stamp[0]) and tables <= set(inspect(connection).get_table_names())


def _stamped(base_dir: str, name: str, tables: frozenset[str]) -> bool:
    if not os.path.isfile(os.path.join(base_dir, f"{name}.db")):
        return False
    engine = create_engine(create_db_conn_string(base_dir, name), poolclass=NullPool)
    try:
        return engine_is_stamped(engine, tables)
    finally:
        engine.dispose()


@contextlib.contextmanager
def creation_lock(database: str) -> Iterator[None]:
    """Held by whoever checks database file `database` for its stamp and creates it when it has none."""
    folder, name = os.path.split(os.path.abspath(database))
    os.makedirs(folder, exist_ok=True)
    with FileLock(os.path.join(folder, f".{name}.create.lock")):
        yield


class StampedSqliteRunStorage(SqliteRunStorage):
    """`SqliteRunStorage` that opens a stamped database (runs and instance_info present) directly."""

    TABLES = frozenset({"runs", "instance_info"})

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value):  # type: ignore[override]
        return cls.from_local(inst_data=inst_data, **config_value)

    @classmethod
    def from_local(cls, base_dir: str, inst_data: ConfigurableClassData | None = None):  # type: ignore[override]
        if not _stamped(base_dir, "runs", cls.TABLES):
            with creation_lock(os.path.join(base_dir, "runs.db")):
                if not _stamped(base_dir, "runs", cls.TABLES):
                    return super().from_local(base_dir, inst_data)
        return cls(create_db_conn_string(base_dir, "runs"), inst_data)


class StampedSqliteScheduleStorage(SqliteScheduleStorage):
    """`SqliteScheduleStorage` that opens a stamped database directly."""

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value):  # type: ignore[override]
        return cls.from_local(inst_data=inst_data, **config_value)

    @classmethod
    def from_local(cls, base_dir: str, inst_data: ConfigurableClassData | None = None):  # type: ignore[override]
        if not _stamped(base_dir, "schedules", frozenset()):
            with creation_lock(os.path.join(base_dir, "schedules.db")):
                if not _stamped(base_dir, "schedules", frozenset()):
                    return super().from_local(base_dir, inst_data)
        return cls(create_db_conn_string(base_dir, "schedules"), inst_data)
