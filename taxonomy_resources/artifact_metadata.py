"""Metadata every written artifact carries (SPEC §3), built the same way by every IO manager."""

from typing import Any

from dagster import MetadataValue
from upath import UPath


def artifact_metadata(
    path: UPath, sha256: str, row_count: int, size_bytes: int, seconds: float
) -> dict[str, Any]:
    return {
        "path": MetadataValue.path(str(path)),
        "sha256": MetadataValue.text(sha256),
        "dagster/row_count": MetadataValue.int(row_count),
        "bytes": MetadataValue.int(size_bytes),
        "write_seconds": MetadataValue.float(round(seconds, 4)),
    }


def provenance_metadata(run_folder_root: UPath, dagster_run_id: str) -> dict[str, Any]:
    """Which run folder and Dagster run wrote the artifact; the manifest selects entries by run folder."""
    return {
        "run_folder": MetadataValue.text(str(run_folder_root)),
        "dagster_run_id": MetadataValue.text(dagster_run_id),
    }


def typed_metadata(values: dict[str, Any]) -> dict[str, Any]:
    """Wrap plain counters and strings in their MetadataValue types for a readable UI."""
    typed: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, bool):
            typed[key] = MetadataValue.bool(value)
        elif isinstance(value, int):
            typed[key] = MetadataValue.int(value)
        elif isinstance(value, float):
            typed[key] = MetadataValue.float(value)
        elif isinstance(value, dict | list):
            typed[key] = MetadataValue.json(value)
        else:
            typed[key] = value
    return typed
