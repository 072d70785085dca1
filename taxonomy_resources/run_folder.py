"""The run folder resource: where one taxonomy run's artifacts live, and how they are laid out.

`<output_root>/runs/<run_id>/` holds `S0..S3/<level>/`, `hierarchy/`, `quarantine/`, `manifest.json`
and `policy.snapshot.yaml` (SPEC §3). The output root is a local folder or an object-store URL; each
per-level artifact is an `ArtifactSlot` published whole (renamed in place locally, through a commit
pointer on object stores). The run id is validated so it can never escape the folder.
"""

import contextlib
from collections.abc import Callable

from dagster import ConfigurableResource
from pydantic import Field, field_validator
from upath import UPath

from taxonomy_resources.artifact_commits import ArtifactSlot
from taxonomy_resources.locations import resolve_location
from taxonomy_resources.partition_lock import partition_lock
from taxonomy_resources.run_ids import validate_run_id

# Where each per-level asset keeps its artifact inside the run folder: asset -> (stage folder, file name).
# S0 writes a folder of shards (no single file name).
ARTIFACT_FILES: dict[str, tuple[str, str | None]] = {
    "s0_source_records": ("S0", None),
    "s1_candidates": ("S1", "candidates.parquet"),
    "s2_frequency_table": ("S2", "frequency.parquet"),
    "s3_verified_concepts": ("S3", "concepts.parquet"),
    "consolidated_concepts": ("consolidated", "concepts.parquet"),
}
HIERARCHY_ASSET = "taxonomy_hierarchy"


class RunFolderResource(ConfigurableResource):
    """Locates the run folder and every artifact in it; the single source of artifact paths.

    Object-store roots take their endpoint and credentials from the standard variables of their
    fsspec backend (for S3: AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION).
    """

    output_root: str = Field(
        "output",
        description="Local folder, file:// URL or fsspec URL (e.g. s3://bucket/taxonomy) holding runs/.",
    )
    run_id: str = Field("dev", description="Names the run folder; [A-Za-z0-9][A-Za-z0-9._-]{0,63}.")

    @field_validator("run_id")
    @classmethod
    def _run_id_is_safe(cls, value: str) -> str:
        return validate_run_id(value)

    def for_run(self, run_id: str) -> "RunFolderResource":
        """The run folder of another run under the same output root; assets take the run from their
        partition (`taxonomy_assets.partitions`), so `run_id` here is only the default for the CLI."""
        if run_id == self.run_id:
            return self
        return RunFolderResource(output_root=self.output_root, run_id=run_id)

    @property
    def root(self) -> UPath:
        return resolve_location(self.output_root) / "runs" / self.run_id

    def stage_dir(self, stage: str, level: str) -> UPath:
        return self.root / stage / level

    def artifact_slot(self, asset_name: str, level: str) -> ArtifactSlot:
        """The slot one per-level asset partition publishes into."""
        if asset_name not in ARTIFACT_FILES:
            raise KeyError(f"no artifact is laid out for asset {asset_name!r}")
        stage, file_name = ARTIFACT_FILES[asset_name]
        return ArtifactSlot(
            self.stage_dir(stage, level),
            file_name,
            lambda dagster_run_id: self.failed_output_dir(dagster_run_id, stage, level),
        )

    @property
    def hierarchy_slot(self) -> ArtifactSlot:
        return ArtifactSlot(
            self.hierarchy_dir,
            None,
            lambda dagster_run_id: self.failed_output_dir(dagster_run_id, "hierarchy", "all"),
        )

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

    def partition_lock(
        self,
        asset_name: str,
        partition: str,
        holder: str = "",
        holder_finished: Callable[[str], bool] | None = None,
    ) -> contextlib.AbstractContextManager[None]:
        """Exclusive right to write one asset partition of this run folder (see `partition_lock`).

        `holder` is the writing Dagster run; on object stores a lock held by a run for which
        `holder_finished` is true is stale and taken over.
        """
        return partition_lock(
            self.root / ".locks" / f"{asset_name}.{partition}.lock",
            f"{asset_name}[{partition}]",
            self.root,
            holder,
            holder_finished,
        )
