"""Dagster's SQLite event log, keeping one SQLAlchemy engine and one open connection per database.

Dagster's `SqliteEventLogStorage` (one database per run, plus an index database for asset events)
builds a new engine for every event it stores and every query it makes, opens a connection, and
closes both after it. Building the engine, initializing its dialect, compiling every statement again
(the compiled-statement cache belongs to the engine) and closing the last connection to a database in
WAL mode (which checkpoints and deletes the WAL file) cost milliseconds each time: about half of a
small run's wall time, at ~50 events per run. This storage keeps each database's engine, with one
pooled connection, for the life of the process. Every use is still its own transaction, so other
processes reading and writing the same files see exactly what they saw before; the schema, the files
and the queries are Dagster's. A database that already carries its schema stamp is not checked
against the migration scripts again. A new run's database starts as a copy of a template that
Dagster's own initialization built (once per Dagster and SQLite version, kept in the package-data
cache): creating and stamping each one reads Dagster's migration scripts twice, a tenth of a second of
every run (`run_database_template`). Its connections commit with `synchronous=NORMAL`
(`_synchronous_normal`).

`open_instance(home)` opens the instance of a home whose dagster.yaml leaves storage to Dagster's
defaults with this event log in place of Dagster's (same `base_dir`, `history/runs`); a home configured
for any other storage (PostgreSQL, a storage of its own) opens as configured. The CLI's workers open
their instance this way; the UI and the daemon keep Dagster's class, reading and writing the same
files.
"""

import contextlib
import os
import sqlite3
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from dagster import DagsterInstance
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS, create_db_conn_string
from dagster._serdes import ConfigurableClassData
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from taxonomy_resources.package_data_cache import cached_by_package_version
from taxonomy_resources.sqlite_stamped_storages import (
    StampedSqliteRunStorage,
    StampedSqliteScheduleStorage,
    creation_lock,
    engine_is_stamped,
)

# Engines kept at most: one per run database a process touches (a webserver reads many runs).
ENGINES_KEPT = 64


@cache
def run_database_template() -> bytes:
    """The bytes of an empty run database as Dagster's `SqliteEventLogStorage` creates one (its schema,
    WAL mode, the head migration stamped), built by Dagster's own code once per installed Dagster and
    SQLite (kept in the package-data cache) and read once per process (the CLI's fork server reads it
    for its workers)."""
    name = f"run-database-sqlite{sqlite3.sqlite_version}"
    return cached_by_package_version("dagster", name, _build_template)


def _build_template() -> bytes:
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / f"{INDEX_SHARD_NAME}.db").touch()  # so the storage builds no index database
        storage = SqliteEventLogStorage(scratch)
        engine = create_engine(create_db_conn_string(scratch, "template"))
        try:
            storage._initdb(engine)
        finally:
            engine.dispose()  # the last connection checkpoints the WAL into the file
            storage.dispose()
        return (Path(scratch) / "template.db").read_bytes()


def _synchronous_normal(connection: Any, _record: object) -> None:
    """Commit without waiting for the disk: in WAL mode (every event database is in it) SQLite then
    syncs at checkpoints, not at each of a run's ~50 commits, and stays consistent through any crash;
    an operating-system crash or power cut can lose only the last events before the checkpoint."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _create_from_template(database: Path) -> None:
    """Create `database` as a copy of the template, complete or not at all: written beside it and linked
    into place, so a reader never opens half a file, and never over a database that exists (another
    process that got there first wins)."""
    if database.exists():
        return
    with tempfile.NamedTemporaryFile(dir=database.parent, prefix=".template-", suffix=".db") as staged:
        staged.write(run_database_template())
        staged.flush()
        with contextlib.suppress(FileExistsError):
            os.link(staged.name, database)


class ReusedEngineSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` that builds each database's engine once per process (see module doc)."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        # set before the parent's constructor, which may already connect to the index database
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        self._tables_found: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData | None, config_value: Mapping[str, Any]
    ) -> "ReusedEngineSqliteEventLogStorage":
        return cls(base_dir=config_value["base_dir"], inst_data=inst_data)

    def _engine(self, shard: str) -> Engine:
        with self._engines_lock:
            engine = self._engines.get(shard)
            if engine is not None:
                self._engines.move_to_end(shard)
                return engine
            engine = create_engine(
                create_db_conn_string(self._base_dir, shard),
                pool_size=1,
                max_overflow=2,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            event.listen(engine, "connect", _synchronous_normal)
            self._engines[shard] = engine
            while len(self._engines) > ENGINES_KEPT:
                self._engines.popitem(last=False)[1].dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as connection, connection.begin():
                yield connection

    def _initdb(self, engine: Engine, for_index_shard: bool = False) -> None:
        """Dagster's check, for a database not stamped yet (a new run's starts from the template), one
        process at a time (`creation_lock`)."""
        if not for_index_shard and engine.url.database:
            with contextlib.suppress(OSError):
                _create_from_template(Path(engine.url.database))
        if engine_is_stamped(engine):
            return
        database = engine.url.database
        with creation_lock(database) if database else contextlib.nullcontext():
            if not engine_is_stamped(engine):  # (another process may have created it meanwhile)
                super()._initdb(engine, for_index_shard=for_index_shard)

    def has_table(self, table_name: str) -> bool:
        """Whether the index database has the table (asked before every dynamic-partition lookup, one
        per step input); a table once found stays (a wipe keeps the schema)."""
        if table_name in self._tables_found:
            return True
        engine = self._engine(INDEX_SHARD_NAME)
        with engine.connect() as connection:
            found = bool(engine.dialect.has_table(connection, table_name))
        if found:
            self._tables_found.add(table_name)
        return found

    def _close_engines(self) -> None:
        with self._engines_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    def wipe(self) -> None:
        # Dagster deletes the run databases' files: no connection may stay open on a deleted file
        self._close_engines()
        super().wipe()

    def dispose(self) -> None:
        super().dispose()
        self._close_engines()


# dagster.yaml keys that choose a storage; a home that sets none of them uses Dagster's SQLite defaults
STORAGE_KEYS = ("storage", "run_storage", "event_log_storage", "schedule_storage", "instance_class")


def open_home_instance() -> DagsterInstance:
    """`open_instance` of $DAGSTER_HOME (Dagster's own error when it is not set)."""
    home = os.environ.get("DAGSTER_HOME")
    return open_instance(home) if home else DagsterInstance.get()


def open_instance(home: str | Path) -> DagsterInstance:
    """The instance of `home`; when the home leaves storage to Dagster's defaults, with this event log and
    the run and schedule storages that open a stamped database without reading the migration scripts
    (`sqlite_stamped_storages`), on the same files."""
    home = Path(home)
    config_file = home / "dagster.yaml"
    settings = yaml.safe_load(config_file.read_text(encoding="utf-8")) if config_file.is_file() else None
    if isinstance(settings, dict) and any(key in settings for key in STORAGE_KEYS):
        return DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))
    storages = {
        "run_storage": (StampedSqliteRunStorage, home / "history"),
        "event_log_storage": (ReusedEngineSqliteEventLogStorage, home / "history" / "runs"),
        "schedule_storage": (StampedSqliteScheduleStorage, home / "schedules"),
    }
    overrides = {
        key: {"module": storage.__module__, "class": storage.__name__, "config": {"base_dir": str(base_dir)}}
        for key, (storage, base_dir) in storages.items()
    }
    return DagsterInstance.from_ref(InstanceRef.from_dir(str(home), overrides=overrides))
