"""Imported once by the fork server of the CLI's worker pool: what every worker needs whatever the run
folder and policy, so each worker the server forks starts with it instead of loading it again.

- the definitions (Dagster, the assets, their libraries);
- the storage classes the workers open the instance with: Dagster's defaults for a home (SQLite run,
  event, schedule storages; local compute logs), which their module names say without opening any,
  and the template every new run's event database is copied from;
- the modules a first run would import on the way: the runner, pandas and pyarrow's pandas bridge
  (which pyarrow and DuckDB import the first time they exchange Arrow data), the confusables data
  behind institution keys.
(`language_preload` adds the language model when the runs include S0.)

All of it lives as long as the worker, so the collector stays off while it loads (its passes over a
heap that only grows cost 0.6 s of a 2.8 s import) and it is then frozen out of the collector's reach:
a full collection would otherwise walk these few hundred thousand objects every time (0.2 s each, about
a sixth of a worker's time at 100k records) and copy every page it touches into each worker.
"""

import gc

collecting = gc.isenabled()
gc.disable()

import importlib  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import confusable_homoglyphs.confusables  # noqa: E402, F401
import pandas  # noqa: E402, F401
import pyarrow.pandas_compat  # noqa: E402, F401
from dagster._core.instance.ref import InstanceRef  # noqa: E402

import taxonomy_assets.cli.pipeline_runner  # noqa: E402
import taxonomy_assets.definitions  # noqa: E402, F401
from taxonomy_assets.long_lived_heap import freeze_for_good  # noqa: E402
from taxonomy_resources.sqlite_event_log import run_database_template  # noqa: E402


def _import_default_storages() -> None:
    with tempfile.TemporaryDirectory() as empty_home:
        # an empty dagster.yaml: the defaults, without Dagster's warning that the file is missing
        (Path(empty_home) / "dagster.yaml").touch()
        defaults = InstanceRef.from_dir(empty_home)
    for name in dir(defaults):
        configured = getattr(defaults, name) if name.endswith("_data") else None
        if configured is not None and hasattr(configured, "module_name"):
            importlib.import_module(configured.module_name)


_import_default_storages()
run_database_template()
freeze_for_good()
if collecting:
    gc.enable()
