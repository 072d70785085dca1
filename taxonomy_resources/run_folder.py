"""The run folder resource: where one taxonomy run's artifacts live, and how they are laid out.

`<output_root>/runs/<run_id>/` holds `S0..S3/<level>/`, `hierarchy/`, `quarantine/`, `manifest.json`
and `policy.snapshot.yaml` (SPEC §3). The run id is validated so it can never escape the folder.
"""

import contextlib
import fcntl
import os
import re
from collections.abc import Iterator
from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field, field_validator
from upath import UPath

from taxonomy_resources.atomic_files import is_local

RUN_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

# Where each per-level asset keeps its artifact inside the run folder: asset -> (stage folder, file name).
ARTIFACT_FILES: dict[str, tuple[str, str]] = {
    "s1_candidates": ("S1", "candidates.parquet"),
    "s2_frequency_table": ("S2", "frequency.parquet"),
    "s3_verified_concepts": ("S3", "concepts.parquet"),
    "consolidated_concepts": ("consolidated", "concepts.parquet"),
}


class InvalidRunIdError(ValueError):
    """A run id that could name a path outside the output root, or is otherwise malformed."""


class PartitionBusyError(RuntimeError):
    """Another process is materializing the same asset partition into the same run folder."""


def validate_run_id(run_id: str) -> str:
    if not RUN_ID_PATTERN.fullmatch(run_id) or run_id in {".", ".."} or ".." in run_id:
        raise InvalidRunIdError(
            f"invalid run id {run_id!r}: use 1-64 characters from A-Z a-z 0-9 . _ -, starting with a letter "
            "or digit, and no '..'"
        )
    return run_id


class RunFolderResource(ConfigurableResource):
    """Locates the run folder and every artifact in it; the single source of artifact paths."""

    output_root: str = Field(
        "output", description="Local folder or fsspec URL (e.g. s3://bucket/taxonomy) holding runs/."
    )
    run_id: str = Field("dev", description="Names the run folder; [A-Za-z0-9][A-Za-z0-9._-]{0,63}.")

    @field_validator("run_id")
    @classmethod
    def _run_id_is_safe(cls, value: str) -> str:
        return validate_run_id(value)

    @property
    def root(self) -> UPath:
        base = UPath(self.output_root)
        if is_local(base):
            base = UPath(os.path.abspath(base))
        return base / "runs" / self.run_id

    def stage_dir(self, stage: str, level: str) -> UPath:
        return self.root / stage / level

    def artifact_path(self, asset_name: str, level: str) -> UPath:
        if asset_name not in ARTIFACT_FILES:
            raise KeyError(f"no artifact file is laid out for asset {asset_name!r}")
        stage, file_name = ARTIFACT_FILES[asset_name]
        return self.stage_dir(stage, level) / file_name

    @property
    def hierarchy_dir(self) -> UPath:
        return self.root / "hierarchy"

    @property
    def manifest_path(self) -> UPath:
        return self.root / "manifest.json"

    @property
    def policy_snapshot_path(self) -> UPath:
        return self.root / "policy.snapshot.yaml"

    @property
    def policy_pin_path(self) -> UPath:
        return self.root / "policy.pin.json"

    def quarantine_path(self, stage: str, level: str) -> UPath:
        return self.root / "quarantine" / stage / f"{level}.jsonl"

    def failed_output_dir(self, dagster_run_id: str, stage: str, level: str) -> UPath:
        return self.root / "quarantine" / "_failed" / dagster_run_id / stage / level

    @contextlib.contextmanager
    def partition_lock(self, asset_name: str, partition: str) -> Iterator[None]:
        """Hold an exclusive lock on one asset partition of this run folder (local output roots).

        Object-store roots rely on the run queue's per-partition tag limit instead (dagster.yaml).
        """
        if not is_local(self.root):
            yield
            return
        lock_dir = Path(self.root) / ".locks"
        lock_dir.mkdir(parents=True, exist_ok=True)
        with open(lock_dir / f"{asset_name}.{partition}.lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise PartitionBusyError(
                    f"{asset_name}[{partition}] is being materialized by another process into {self.root}; "
                    "wait for that run to finish"
                ) from exc
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
