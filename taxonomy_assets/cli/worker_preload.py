"""Imported once by the fork server of the CLI's worker pool: what every worker needs whatever the run
folder and policy, so each worker the server forks starts with it instead of loading it again.

- the definitions (Dagster, the assets, their libraries);
- the storage classes the workers open the instance with (SQLAlchemy, Dagster's SQLite storages);
- pandas, which pyarrow and DuckDB import the first time they exchange Arrow data;
- the language model S0 runs on every block.
"""

import pandas  # noqa: F401

import taxonomy_assets.definitions  # noqa: F401
import taxonomy_resources.sqlite_event_log  # noqa: F401
from taxonomy_assets.sources.language import load_language_model

load_language_model()
