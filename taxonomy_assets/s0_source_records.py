"""S0 raw extraction: source documents of one level -> filtered `SourceRecord` blocks (SPEC §6 S0).

Every entry under the level folder is walked without following links out of the sources root, and
ends read, ignored by design (hidden files, READMEs, sidecars) or quarantined with its reason, so the
counters add up from the walk to the records:
    entries_walked = sum(entries_ignored_by_reason) + documents_seen
    documents_seen = documents_read + documents_failed
    blocks_total   = blocks_kept + sum(dropped_by_reason)
    quarantined    = documents_failed + sum(dropped_by_reason)
Documents are read one at a time, in the walk's order, by a reader process under the per-document
budget (time, memory, decompressed bytes, blocks), so memory is bounded by one document and the IO
manager's shard, and no document can stall or crash the level. The reader answers with the records'
JSONL lines (`sources.record_lines`), which the IO manager writes as they are.
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
from taxonomy_assets.partitions import LEVEL_RUN_PARTITIONS, level_and_run
from taxonomy_assets.policy.models import RawExtractionPolicy
from taxonomy_assets.sources.judging import DocumentFailure, DocumentJob, DocumentJudge, Verdicts
from taxonomy_assets.sources.language import detect_language
from taxonomy_assets.sources.reader_process import BudgetExceeded, ReaderProcess, WorkerCrashed
from taxonomy_assets.sources.walk import SourceEntry, walk_level
from taxonomy_resources.policy_resource import PolicyResource
from taxonomy_resources.quarantine import QuarantineLog
from taxonomy_resources.row_stream import RowStream
from taxonomy_resources.run_folder import RunFolderResource
from taxonomy_resources.sources import SourcesResource

STAGE = "S0"
AUDIT_LIMIT_REASON = "beyond_audit_limit"


@dataclass
class S0Counters:
    entries_walked: int = 0
    folders_walked: int = 0
    documents_seen: int = 0
    documents_read: int = 0
    documents_failed: int = 0
    blocks_total: int = 0
    blocks_kept: int = 0
    reader_processes: int = 0
    entries_ignored_by_reason: collections.Counter[str] = field(default_factory=collections.Counter)
    dropped_by_reason: collections.Counter[str] = field(default_factory=collections.Counter)
    documents_failed_by_reason: collections.Counter[str] = field(default_factory=collections.Counter)
    kept_by_language: collections.Counter[str] = field(default_factory=collections.Counter)

    def as_metadata(self) -> dict[str, object]:
        return {
            "entries_walked": self.entries_walked,
            "folders_walked": self.folders_walked,
            "documents_seen": self.documents_seen,
            "documents_read": self.documents_read,
            "documents_failed": self.documents_failed,
            "blocks_total": self.blocks_total,
            "blocks_kept": self.blocks_kept,
            "reader_processes": self.reader_processes,
            "entries_ignored_by_reason": dict(sorted(self.entries_ignored_by_reason.items())),
            "dropped_by_reason": dict(sorted(self.dropped_by_reason.items())),
            "documents_failed_by_reason": dict(sorted(self.documents_failed_by_reason.items())),
            "kept_by_language": dict(sorted(self.kept_by_language.items())),
        }


def _verdicts(
    entry: SourceEntry, name: str, outcome: Verdicts | BudgetExceeded | WorkerCrashed | None
) -> Verdicts:
    """The reader's verdicts for one walked entry; refusals and budget overruns become failures."""
    if entry.kind == "refused" or entry.path is None:
        return DocumentFailure(entry.reason, f"{name}: {entry.detail}")
    if isinstance(outcome, BudgetExceeded):
        return DocumentFailure("budget_exceeded", f"{name}: {outcome.what}: {outcome.detail}")
    if isinstance(outcome, WorkerCrashed):
        return DocumentFailure("reader_crashed", f"{name}: {outcome}")
    assert outcome is not None
    return outcome


def extract_source_lines(
    level_dir: Path,
    level: Level,
    policy: RawExtractionPolicy,
    reject: Callable[[QuarantineEntry], None],
    counters: S0Counters,
    sources_root: Path | None = None,
    limit: int | None = None,
) -> Iterator[str]:
    """Stream the kept blocks of every document as SourceRecord JSONL lines (`to_json_line`'s bytes);
    report everything dropped to `reject`.

    With `limit` (audit mode) only the first `limit` documents in walk order are read; the rest are
    counted under `entries_ignored_by_reason["beyond_audit_limit"]`, so the accounting still adds up.
    """
    walked = walk_level(level_dir, sources_root)
    counters.folders_walked += walked.folders
    detect_language("load the model once, before the reader process is forked")
    judge = DocumentJudge(level, policy)
    documents: list[tuple[SourceEntry, str]] = []
    for entry in walked.entries:
        counters.entries_walked += 1
        if entry.kind == "ignored":
            counters.entries_ignored_by_reason[entry.reason] += 1
        elif limit is not None and len(documents) >= limit:
            counters.entries_ignored_by_reason[AUDIT_LIMIT_REASON] += 1
        else:
            documents.append((entry, f"{level}/{entry.name}"))

    def request(document: tuple[SourceEntry, str]) -> DocumentJob | None:
        entry, name = document
        if entry.kind == "refused" or entry.path is None:
            return None
        return DocumentJob(name, entry.path, entry.sidecar)

    with ReaderProcess(judge, policy.max_document_seconds, policy.max_document_memory_bytes) as reader:
        for (entry, name), outcome in reader.answers(documents, request):
            counters.documents_seen += 1
            verdicts = _verdicts(entry, name, outcome)
            counters.reader_processes = reader.started
            if isinstance(verdicts, DocumentFailure):
                counters.documents_failed += 1
                counters.documents_failed_by_reason[verdicts.reason] += 1
                reject(
                    QuarantineEntry(
                        stage=STAGE,
                        level=level,
                        reason=verdicts.reason,
                        detail=verdicts.detail,
                        source_file=name,
                    )
                )
                continue
            counters.documents_read += 1
            counters.blocks_total += len(verdicts.lines) + len(verdicts.dropped)
            counters.blocks_kept += len(verdicts.lines)
            counters.kept_by_language.update(verdicts.languages)
            yield from verdicts.lines
            for dropped in verdicts.dropped:
                counters.dropped_by_reason[dropped.reason] += 1
                reject(
                    QuarantineEntry(
                        stage=STAGE,
                        level=level,
                        reason=dropped.reason,
                        detail=dropped.detail,
                        source_file=name,
                        payload=dropped.payload,
                    )
                )


@asset(
    partitions_def=LEVEL_RUN_PARTITIONS,
    io_manager_key=S0_IO_MANAGER,
    group_name=EXTRACTION_GROUP,
    kinds={"python", "jsonl"},
    code_version=code_version("s0.3", "raw_extraction"),
    description="S0 raw extraction: source documents of one level -> filtered SourceRecord JSONL shards.",
)
def s0_source_records(
    context: AssetExecutionContext,
    sources: SourcesResource,
    policy: PolicyResource,
    run_folder: RunFolderResource,
) -> Output[RowStream]:
    level, run = level_and_run(context.partition_key)
    folder = run_folder.for_run(run)
    level_dir = sources.level_dir(level)
    if not level_dir.is_dir():
        raise Failure(
            description=f"no source folder for {level}: {level_dir} does not exist",
            metadata={
                "sources_root": MetadataValue.path(sources.root),
                "hint": "set --sources or fix the folder",
            },
        )
    pinned = policy.pinned(context.run.run_id, run)
    counters = S0Counters()
    quarantine = QuarantineLog(folder.quarantine_path(STAGE, level))
    lines = extract_source_lines(
        level_dir,
        level,
        pinned.policy.raw_extraction,
        quarantine.add,
        counters,
        sources.root_dir,
        limit=sources.limit,
    )

    def finish() -> dict[str, object]:
        written = quarantine.commit()
        return {
            **counters.as_metadata(),
            "quarantined": quarantine.count,
            "quarantine_path": str(written) if written else "",
        }

    stream = RowStream(
        rows=lines,
        model=SourceRecord,
        encoded=True,
        shard_size=pinned.policy.raw_extraction.shard_size,
        on_complete=finish,
        on_failure=quarantine.discard,
        metadata={
            **pinned.metadata(),
            "sources_dir": str(level_dir),
            **({"audit_limit": sources.limit} if sources.limit else {}),
        },
    )
    return Output(stream)
