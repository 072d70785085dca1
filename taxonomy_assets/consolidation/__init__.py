"""Consolidation (SPEC §6): merge near-duplicate concepts of one level and split ambiguous headings.

Pure and Dagster-free: `consolidate_level` takes one level's S2 rows and S3 verdicts and returns the
consolidated concepts with every merge and split recorded as a `ConceptMerge`.
"""

from taxonomy_assets.consolidation.consolidate import ConsolidationResult, consolidate_level

__all__ = ["ConsolidationResult", "consolidate_level"]
