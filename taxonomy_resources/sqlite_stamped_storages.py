"""Dagster's SQLite run and schedule storages, opened without reading the migration scripts when the
database already carries its schema stamp.

Opening either storage asks alembic for the head revision, and alembic executes every one of Dagster's
migration scripts to answer: a tenth of a second per storage in every process that opens the instance
(the CLI, its progress reader, each worker). Dagster uses the answer only to tell a database that was
never stamped, which it then creates and stamps; a stamped one it opens as it is. These classes open a
stamped database the same way without asking, and hand anything else to Dagster's own `from_local`.
The schema, the files and every query stay Dagster's (`open_instance` puts them in place for a home
that leaves storage to Dagster's defaults).
"""

import os

from dagster._core.storage.runs import SqliteRunStorage
from dagster._core.storage.schedules import SqliteScheduleStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import create_db_conn_string
from dagster._serdes import ConfigurableClassData
from sqlalchemy import exc as sqlalchemy_errors
from sqlalchemy import inspect, text
from sqlalchemy.pool import NullPool


def _stamped_with(base_dir: str, name: str, tables: set[str]) -> bool:
    """Whether database `name` exists, carries an alembic stamp and holds `tables`."""
    if not os.path.isfile(os.path.join(base_dir, f"{name}.db")):
        return False
    engine = create_engine(create_db_conn_string(base_dir, name), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            try:
                stamp = connection.execute(text("SELECT version_num FROM alembic_version")).first()
            except sqlalchemy_errors.OperationalError:
                return False  # no such table: never stamped
            return bool(stamp and stamp[0]) and tables <= set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


class StampedSqliteRunStorage(SqliteRunStorage):
    """`SqliteRunStorage` that opens a stamped database (runs and instance_info present) directly."""

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value):  # type: ignore[override]
        return cls.from_local(inst_data=inst_data, **config_value)

    @classmethod
    def from_local(cls, base_dir: str, inst_data: ConfigurableClassData | None = None):  # type: ignore[override]
        if _stamped_with(base_dir, "runs", {"runs", "instance_info"}):
            return cls(create_db_conn_string(base_dir, "runs"), inst_data)
        return super().from_local(base_dir, inst_data)


class StampedSqliteScheduleStorage(SqliteScheduleStorage):
    """`SqliteScheduleStorage` that opens a stamped database directly."""

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value):  # type: ignore[override]
        return cls.from_local(inst_data=inst_data, **config_value)

    @classmethod
    def from_local(cls, base_dir: str, inst_data: ConfigurableClassData | None = None):  # type: ignore[override]
        if _stamped_with(base_dir, "schedules", set()):
            return cls(create_db_conn_string(base_dir, "schedules"), inst_data)
        return super().from_local(base_dir, inst_data)
