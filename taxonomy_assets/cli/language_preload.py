"""Imported by the fork server after `worker_preload` when the runs include S0: the language model S0
runs on every block, loaded once for every worker (from the package-data cache after the first time),
and frozen with the rest of the preload."""

from taxonomy_assets.long_lived_heap import freeze_for_good
from taxonomy_assets.sources.language import load_language_model

load_language_model()
freeze_for_good()
