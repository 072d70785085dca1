"""S0 raw extraction: source documents of one level -> filtered `SourceRecord` blocks (SPEC §6 S0).

Documents are read one at a time in sorted path order, so memory is bounded by one document (itself
bounded by `max_document_bytes`) and the IO manager's shard, never by the corpus. A document that
cannot be used, and every dropped block or row, goes to quarantine with its reason, so counters
always add up: blocks_total = blocks_kept + sum(dropped_by_reason), and documents_seen counts every
document, failed or not.
"""

import collections
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from dagster import AssetExecutionContext, Failure, MetadataValue, Output, asset

from taxonomy_assets.code_versions import code_version
from taxonomy_assets.constants import EXTRACTION_GROUP, S0_IO_MANAGER
from taxonomy_assets.contracts import QuarantineEntry, SourceRecord
from taxonomy_assets.levels import Level
from taxonomy_assets.partitions import LEVEL_PARTITIONS
from taxonomy_assets.policy.models import RawExtractionPolicy
from taxonomy_assets.sources.block_filters import BlockFilter, NearDuplicateFilter
from taxonomy_assets.sources.blocks import DocumentError, RawBlock, RowRejection
from taxonomy_assets.sources.readers import is_source_document, read_document
from taxonomy_resources.policy_resource import PolicyResource
from taxonomy_resources.quarantine import QuarantineLog
from taxonomy_resources.row_stream import RowStream
from taxonomy_resources.run_folder import RunFolderResource
from taxonomy_resources.sources import SourcesResource

STAGE = "S0"
PAYLOAD_CHARS = 500


@dataclass
class S0Counters:
    documents_seen: int = 0
    documents_failed: int = 0
    blocks_total: int = 0
    blocks_kept: int = 0
    dropped_by_reason: collections.Counter[str] = field(default_factory=collections.Counter)
    documents_failed_by_reason: collections.Counter[str] = field(default_factory=collections.Counter)
    kept_by_language: collections.Counter[str] = field(default_factory=collections.Counter)

    def as_metadata(self) -> dict[str, object]:
        return {
            "documents_seen": self.documents_seen,
            "documents_failed": self.documents_failed,
            "blocks_total": self.blocks_total,
            "blocks_kept": self.blocks_kept,
            "dropped_by_reason": dict(sorted(self.dropped_by_reason.items())),
            "documents_failed_by_reason": dict(sorted(self.documents_failed_by_reason.items())),
            "kept_by_language": dict(sorted(self.kept_by_language.items())),
        }


def discover_documents(level_dir: Path) -> list[Path]:
    """Every source document under the level folder, in a stable order."""
    return sorted(
        (path for path in level_dir.rglob("*") if is_source_document(path, level_dir)),
        key=lambda path: path.relative_to(level_dir).as_posix(),
    )


def _read_blocks(
    path: Path, relative_name: str, level: str, policy: RawExtractionPolicy
) -> list[RawBlock | RowRejection]:
    """All blocks of one document, or DocumentError; a document is taken whole or not at all."""
    try:
        return list(read_document(path, relative_name, level, policy))
    except DocumentError:
        raise
    except Exception as exc:  # a reader bug or exotic input must not fail the batch
        raise DocumentError("reader_error", f"{relative_name}: {exc.__class__.__name__}: {exc}") from exc


def extract_source_records(
    level_dir: Path,
    level: Level,
    policy: RawExtractionPolicy,
    reject: Callable[[QuarantineEntry], None],
    counters: S0Counters,
) -> Iterator[SourceRecord]:
    """Stream the kept blocks of every document as SourceRecords; report everything dropped to `reject`."""
    block_filter = BlockFilter(policy)
    for path in discover_documents(level_dir):
        relative_name = f"{level}/{path.relative_to(level_dir).as_posix()}"
        counters.documents_seen += 1
        try:
            items = _read_blocks(path, relative_name, level, policy)
        except DocumentError as exc:
            counters.documents_failed += 1
            counters.documents_failed_by_reason[exc.reason] += 1
            reject(
                QuarantineEntry(
                    stage=STAGE, level=level, reason=exc.reason, detail=exc.detail, source_file=relative_name
                )
            )
            continue
        duplicates = NearDuplicateFilter(
            policy.near_duplicate_threshold, (item.text for item in items if isinstance(item, RawBlock))
        )
        for item in items:
            counters.blocks_total += 1
            if isinstance(item, RowRejection):
                reason, detail, payload = item.reason, f"{item.location}: {item.detail}", item.payload
            else:
                verdict = block_filter.judge(item.text, item.language)
                reason, detail, payload = verdict.reason, f"{item.location}: {verdict.detail}", item.text
                if verdict.kept and duplicates.is_duplicate(item.text, (item.institution, item.parent_hint)):
                    reason, detail = "near_duplicate", f"{item.location}: repeats an earlier block"
                if reason is None:
                    counters.blocks_kept += 1
                    counters.kept_by_language[verdict.language] += 1
                    yield SourceRecord(
                        record_id=SourceRecord.make_id(item.institution, item.url, item.section, item.text),
                        level=level,
                        text=item.text,
                        institution=item.institution,
                        url=item.url,
                        section=item.section,
                        parent_hint=item.parent_hint,
                        fetched_at=item.fetched_at,
                        language=verdict.language,
                        source_file=relative_name,
                    )
                    continue
            counters.dropped_by_reason[reason] += 1
            reject(
                QuarantineEntry(
                    stage=STAGE,
                    level=level,
                    reason=reason,
                    detail=detail,
                    source_file=relative_name,
                    payload=payload[:PAYLOAD_CHARS],
                )
            )


@asset(
    partitions_def=LEVEL_PARTITIONS,
    io_manager_key=S0_IO_MANAGER,
    group_name=EXTRACTION_GROUP,
    kinds={"python", "jsonl"},
    code_version=code_version("s0.2", "raw_extraction"),
    description="S0 raw extraction: source documents of one level -> filtered SourceRecord JSONL shards.",
)
def s0_source_records(
    context: AssetExecutionContext,
    sources: SourcesResource,
    policy: PolicyResource,
    run_folder: RunFolderResource,
) -> Output[RowStream]:
    level: Level = context.partition_key  # type: ignore[assignment]
    level_dir = sources.level_dir(level)
    if not level_dir.is_dir():
        raise Failure(
            description=f"no source folder for {level}: {level_dir} does not exist",
            metadata={
                "sources_root": MetadataValue.path(sources.root),
                "hint": "set --sources or fix the folder",
            },
        )
    pinned = policy.pinned(context.run.run_id)
    counters = S0Counters()
    quarantine = QuarantineLog(run_folder.quarantine_path(STAGE, level))
    records = extract_source_records(level_dir, level, pinned.policy.raw_extraction, quarantine.add, counters)

    def finish() -> dict[str, object]:
        written = quarantine.commit()
        return {
            **counters.as_metadata(),
            "quarantined": quarantine.count,
            "quarantine_path": str(written) if written else "",
        }

    stream = RowStream(
        rows=records,
        model=SourceRecord,
        shard_size=pinned.policy.raw_extraction.shard_size,
        on_complete=finish,
        on_failure=quarantine.discard,
        metadata={**pinned.metadata(), "sources_dir": str(level_dir)},
    )
    return Output(stream)
