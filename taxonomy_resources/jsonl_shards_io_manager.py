"""IO manager for S0: source records as JSONL shards plus an `_index.json` with counts and sha256.

Writing consumes a `RowStream` shard by shard (memory bounded by the shard size, not the corpus);
the shard folder is an `ArtifactSlot` attempt, published only when complete (renamed into
`S0/<level>/` locally, named by `S0/<level>/_commit.json` on object stores). Loading returns a lazy
`ShardedRecords` over the published folder that re-checks every shard's sha256 as it reads it.
"""

import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, Generic

from dagster import ConfigurableIOManager, InputContext, OutputContext, ResourceDependency
from upath import UPath

from taxonomy_assets.contracts import SourceRecord, canonical_json, to_json_line
from taxonomy_assets.partitions import level_and_run
from taxonomy_resources.artifact_commits import ArtifactMissingError
from taxonomy_resources.artifact_metadata import artifact_metadata, provenance_metadata, typed_metadata
from taxonomy_resources.atomic_files import atomic_write_bytes
from taxonomy_resources.contract_rows import json_lines, rows_from_json_lines
from taxonomy_resources.partition_lock import run_has_finished
from taxonomy_resources.row_stream import RowStream, RowT
from taxonomy_resources.run_folder import RunFolderResource

INDEX_NAME = "_index.json"


class ArtifactCorruptError(ValueError):
    """An artifact's bytes no longer match the sha256 recorded when it was written."""


def shard_name(number: int) -> str:
    return f"shard-{number:05d}.jsonl"


@dataclass(frozen=True)
class ShardedRecords(Generic[RowT]):
    """A committed shard folder, read lazily one shard at a time."""

    directory: UPath
    model: type[RowT]

    def index(self) -> dict[str, Any]:
        index_path = self.directory / INDEX_NAME
        if not index_path.exists():
            raise ArtifactMissingError(
                f"no {INDEX_NAME} in {self.directory}; materialize this partition first"
            )
        return json.loads(index_path.read_text(encoding="utf-8"))

    def __len__(self) -> int:
        return int(self.index()["records"])

    def _shards(self) -> Iterator[tuple[UPath, bytes]]:
        """Each shard's path and bytes, once they match the sha256 the index recorded."""
        for shard in self.index()["shards"]:
            path = self.directory / shard["file"]
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() != shard["sha256"]:
                raise ArtifactCorruptError(
                    f"{path}: sha256 differs from {INDEX_NAME}; re-materialize this partition"
                )
            yield path, data

    def __iter__(self) -> Iterator[RowT]:
        for _, data in self._shards():
            for _, line in json_lines(data):
                yield self.model.model_validate_json(line)

    def rows(self) -> Iterator[Any]:
        """The records as `row_type(model)` tuples (the model's fields, as attributes), each shard parsed
        and checked against the contract at once (`contract_rows`): a model per record was a third of
        reading a shard back."""
        for path, data in self._shards():
            yield from rows_from_json_lines(data, self.model, str(path))


class _ShardWriter:
    """Writes rows into numbered shards of at most `shard_size` lines, hashing as it goes."""

    def __init__(self, directory: UPath, shard_size: int) -> None:
        self.directory = directory
        self.shard_size = shard_size
        self.shards: list[dict[str, Any]] = []
        self.records = 0
        self._handle: IO[bytes] | None = None
        self._digest = hashlib.sha256()
        self._lines = 0
        self._bytes = 0

    def write(self, line: str) -> None:
        if self._handle is None:
            self._handle = (self.directory / shard_name(len(self.shards))).open("wb")
        data = line.encode("utf-8")
        self._handle.write(data)
        self._digest.update(data)
        self._lines += 1
        self._bytes += len(data)
        self.records += 1
        if self._lines >= self.shard_size:
            self.close_shard()

    def close_shard(self) -> None:
        if self._handle is None:
            return
        self._handle.close()
        self.shards.append(
            {
                "file": shard_name(len(self.shards)),
                "records": self._lines,
                "bytes": self._bytes,
                "sha256": self._digest.hexdigest(),
            }
        )
        self._handle, self._digest, self._lines, self._bytes = None, hashlib.sha256(), 0, 0


class JsonlShardsIOManager(ConfigurableIOManager):
    """Stores S0 `SourceRecord` streams as `S0/<level>/shard-NNNNN.jsonl` + `_index.json`."""

    run_folder: ResourceDependency[RunFolderResource]

    def handle_output(self, context: OutputContext, obj: RowStream) -> None:
        asset_name = context.asset_key.path[-1]
        level, run = level_and_run(context.partition_key)
        folder = self.run_folder.for_run(run)
        with folder.partition_lock(
            asset_name, level, context.run_id, run_has_finished(context.step_context.instance)
        ):
            self._write(context, obj, folder, level)

    def _write(self, context: OutputContext, obj: RowStream, folder: RunFolderResource, level: str) -> None:
        slot = folder.artifact_slot(context.asset_key.path[-1], level)
        started = time.perf_counter()
        attempt = slot.begin(context.run_id)
        try:
            writer = _ShardWriter(attempt.path, obj.shard_size)
            lines = obj.rows if obj.encoded else map(to_json_line, obj.rows)
            for line in lines:
                writer.write(line)
            writer.close_shard()
            extra = obj.complete()
            index = {
                "level": level,
                "model": obj.model.__name__,
                "records": writer.records,
                "shards": writer.shards,
            }
            index_bytes = (canonical_json(index) + "\n").encode("utf-8")
            index_sha = atomic_write_bytes(attempt.path / INDEX_NAME, index_bytes)
            final = slot.publish(attempt)
        except BaseException:
            obj.fail()
            slot.abandon(attempt)
            raise
        size = sum(shard["bytes"] for shard in writer.shards) + len(index_bytes)
        metadata = artifact_metadata(final, index_sha, writer.records, size, time.perf_counter() - started)
        metadata["shards"] = len(writer.shards)
        metadata.update(provenance_metadata(folder.root, context.run_id))
        context.add_output_metadata({**metadata, **typed_metadata({**obj.metadata, **extra})})

    def load_input(self, context: InputContext) -> ShardedRecords[SourceRecord]:
        level, run = level_and_run(context.asset_partition_key)
        slot = self.run_folder.for_run(run).artifact_slot(context.asset_key.path[-1], level)
        records = ShardedRecords(slot.committed(), SourceRecord)
        records.index()
        return records
