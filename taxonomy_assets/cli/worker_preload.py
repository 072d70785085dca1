"""Imported once by the fork server of the CLI's worker pool: what every worker needs whatever the run
folder and policy, so each worker the server forks starts with it instead of loading it again.

- the definitions (Dagster, the assets, their libraries);
- the storage classes the workers open the instance with (SQLAlchemy, Dagster's SQLite storages);
- pandas, which pyarrow and DuckDB import the first time they exchange Arrow data.
(`language_preload` adds the language model when the runs include S0.)

All of it lives as long as the worker, so the collector stays off while it loads (its passes over a
heap that only grows cost 0.6 s of a 2.8 s import) and it is then frozen out of the collector's reach:
a full collection would otherwise walk these few hundred thousand objects every time (0.2 s each, about
a sixth of a worker's time at 100k records) and copy every page it touches into each worker.
"""

import gc

collecting = gc.isenabled()
gc.disable()

import pandas  # noqa: E402, F401

import taxonomy_assets.definitions  # noqa: E402, F401
import taxonomy_resources.sqlite_event_log  # noqa: E402, F401

gc.freeze()
if collecting:
    gc.enable()
