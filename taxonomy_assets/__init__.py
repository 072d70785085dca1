"""Taxonomy asset graph: a Dagster project that builds a four-level academic taxonomy."""
