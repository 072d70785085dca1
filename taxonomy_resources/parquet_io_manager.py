"""IO manager for S1-S3: one Parquet file per asset partition, schema derived from the contract.

Rows arrive as a `RowStream` (written in batches, memory bounded by the batch) or a list of contract
rows; a stream may carry named-tuple rows, checked against the contract batch by batch (contract_rows).
The file is an `ArtifactSlot` attempt: written beside its target and renamed over it locally,
published through the slot's commit pointer on object stores; a failed write is moved under
`quarantine/_failed/<dagster run id>/`. Loading returns `ParquetArtifact` handles on the published
file; an unpartitioned consumer (the hierarchy) receives one per level.
"""

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from dagster import ConfigurableIOManager, InputContext, OutputContext, ResourceDependency
from pydantic import BaseModel
from upath import UPath

from taxonomy_assets.partitions import level_and_run
from taxonomy_resources.arrow_schema import RowT, arrow_schema, rows_to_table, table_to_rows
from taxonomy_resources.artifact_commits import ArtifactMissingError
from taxonomy_resources.artifact_metadata import artifact_metadata, provenance_metadata, typed_metadata
from taxonomy_resources.atomic_files import sha256_file
from taxonomy_resources.contract_rows import rows_to_checked_table
from taxonomy_resources.locations import is_local
from taxonomy_resources.partition_lock import run_has_finished
from taxonomy_resources.row_stream import RowStream
from taxonomy_resources.run_folder import RunFolderResource

BATCH_ROWS = 5000


@dataclass(frozen=True)
class ParquetArtifact:
    """A committed Parquet artifact; readers choose Arrow, validated rows, or a DuckDB relation."""

    path: UPath

    def _require(self) -> None:
        if not self.path.exists():
            raise ArtifactMissingError(f"{self.path} does not exist; materialize that asset partition first")

    def read_table(self) -> pa.Table:
        self._require()
        with self.path.open("rb") as handle:
            return pq.read_table(handle)

    def iter_rows(self, model: type[RowT]) -> Iterator[RowT]:
        self._require()
        with self.path.open("rb") as handle:
            for batch in pq.ParquetFile(handle).iter_batches(batch_size=BATCH_ROWS):
                yield from table_to_rows(pa.Table.from_batches([batch]), model)

    def duckdb_relation(self, connection: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
        """Local files are scanned by DuckDB directly; remote ones go through Arrow."""
        self._require()
        if is_local(self.path):
            return connection.read_parquet(str(Path(self.path)))
        return connection.from_arrow(self.read_table())


def _batch_table(batch: list[Any], model: type[BaseModel]) -> pa.Table:
    """Models convert as they are; contract rows (named tuples) are checked against `model` first."""
    if batch and not isinstance(batch[0], BaseModel):
        return rows_to_checked_table(batch, model)
    return rows_to_table(batch, model)


def _write_parquet(handle: object, rows: Sequence[BaseModel] | RowStream, model: type[BaseModel]) -> int:
    schema = arrow_schema(model)
    count = 0
    with pq.ParquetWriter(handle, schema, compression="zstd") as writer:
        batch: list[Any] = []
        iterable = rows.rows if isinstance(rows, RowStream) else rows
        for row in iterable:
            batch.append(row)
            if len(batch) >= BATCH_ROWS:
                writer.write_table(_batch_table(batch, model))
                count += len(batch)
                batch = []
        if batch or count == 0:
            writer.write_table(_batch_table(batch, model))
            count += len(batch)
    return count


class ParquetIOManager(ConfigurableIOManager):
    """Stores contract rows as `<stage>/<level>/<file>.parquet` in the run folder."""

    run_folder: ResourceDependency[RunFolderResource]

    def handle_output(self, context: OutputContext, obj: RowStream | Sequence[BaseModel]) -> None:
        asset_name = context.asset_key.path[-1]
        level, run = level_and_run(context.partition_key)
        folder = self.run_folder.for_run(run)
        with folder.partition_lock(
            asset_name, level, context.run_id, run_has_finished(context.step_context.instance)
        ):
            self._write(context, obj, folder, level)

    def _write(
        self,
        context: OutputContext,
        obj: RowStream | Sequence[BaseModel],
        folder: RunFolderResource,
        level: str,
    ) -> None:
        asset_name = context.asset_key.path[-1]
        slot = folder.artifact_slot(asset_name, level)
        model = obj.model if isinstance(obj, RowStream) else type(obj[0]) if obj else None
        if model is None:
            raise ValueError(f"{asset_name}[{level}]: an empty list carries no contract; return a RowStream")
        if isinstance(obj, RowStream) and obj.encoded:
            raise ValueError(f"{asset_name}[{level}]: Parquet takes rows, not JSONL lines; return rows")
        started = time.perf_counter()
        attempt = slot.begin(context.run_id)
        try:
            with attempt.path.open("wb") as handle:
                count = _write_parquet(handle, obj, model)
            path = slot.publish(attempt)
            extra = obj.complete() if isinstance(obj, RowStream) else {}
        except BaseException:
            if isinstance(obj, RowStream):
                obj.fail()
            slot.abandon(attempt)
            raise
        metadata = artifact_metadata(
            path, sha256_file(path), count, path.stat().st_size, time.perf_counter() - started
        )
        static = obj.metadata if isinstance(obj, RowStream) else {}
        metadata.update(provenance_metadata(folder.root, context.run_id))
        context.add_output_metadata({**metadata, **typed_metadata({**static, **extra})})

    def load_input(self, context: InputContext) -> ParquetArtifact | dict[str, ParquetArtifact]:
        """One level's artifact for a per-level consumer; every level of the run for the hierarchy."""
        asset_name = context.asset_key.path[-1]
        keys = sorted(level_and_run(key) for key in context.asset_partition_keys)
        per_level_consumer = context.has_partition_key and "|" in str(context.partition_key)
        if per_level_consumer and len(keys) == 1:
            level, run = keys[0]
            return ParquetArtifact(self._published(asset_name, level, run))
        return {level: ParquetArtifact(self._published(asset_name, level, run)) for level, run in keys}

    def _published(self, asset_name: str, level: str, run: str) -> UPath:
        """The published file, or where it would be (a missing one fails when the asset reads it)."""
        slot = self.run_folder.for_run(run).artifact_slot(asset_name, level)
        try:
            return slot.committed()
        except ArtifactMissingError:
            return slot.directory / (slot.file_name or "")
