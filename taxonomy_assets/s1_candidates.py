"""S1 extraction and normalization: SourceRecords -> Candidates, one per record x label (SPEC §6 S1).

The parent hint of each record is read with the parent level's rules, so every candidate carries the
parent-level concept keys (`parent_anchor_labels`) the hierarchy later matches against. The same
parent reading qualifies bare headings ('Systems' under computer science), whichever extractor ran,
and every label gets its canonical concept key, the unit S2 counts support for.
"""

import collections
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from dagster import AssetExecutionContext, AssetIn, Output, asset

from taxonomy_assets.code_versions import code_version
from taxonomy_assets.concepts.reading import KeyedLabel, ParentReading, RecordReader
from taxonomy_assets.constants import EXTRACTION_GROUP, PARQUET_IO_MANAGER
from taxonomy_assets.contracts import Candidate, QuarantineEntry, SourceRecord, stable_id
from taxonomy_assets.labelers import LabelingError, map_in_order
from taxonomy_assets.levels import Level
from taxonomy_assets.partitions import LEVEL_RUN_PARTITIONS, level_and_run
from taxonomy_assets.rules.extract import RuleExtractor
from taxonomy_resources.contract_rows import row_type
from taxonomy_resources.jsonl_shards_io_manager import ShardedRecords
from taxonomy_resources.labeling import LabelingResource
from taxonomy_resources.policy_resource import PolicyResource
from taxonomy_resources.quarantine import QuarantineLog
from taxonomy_resources.row_stream import RowStream
from taxonomy_resources.run_folder import RunFolderResource

STAGE = "S1"
SNIPPET_CHARS = 200
EMPTY_SAMPLES = 10
# Distinct texts and (parent anchor, text) pairs whose fingerprints and text keys one step remembers.
FINGERPRINT_CACHE_SIZE = 65536

WORDS = re.compile(r"[^\W_]+", re.UNICODE)
CandidateRow = row_type(Candidate)


def text_fingerprint(text: str) -> str:
    """Case- and punctuation-insensitive form of a text; mirrored copies of a page share it."""
    return " ".join(word.casefold() for word in WORDS.findall(text))


@dataclass
class S1Counters:
    records_in: int = 0
    candidates_out: int = 0
    empty_records: int = 0
    quarantined: int = 0
    empty_samples: list[str] = field(default_factory=list)
    quarantined_by_reason: collections.Counter[str] = field(default_factory=collections.Counter)

    def as_metadata(self) -> dict[str, object]:
        return {
            "records_in": self.records_in,
            "candidates_out": self.candidates_out,
            "empty_records": self.empty_records,
            "quarantined": self.quarantined,
            "empty_record_samples": self.empty_samples,
            "quarantined_by_reason": dict(sorted(self.quarantined_by_reason.items())),
        }


def extract_candidates(
    records: Iterable[SourceRecord],
    level: Level,
    reader: RecordReader,
    reject: Callable[[QuarantineEntry], None],
    counters: S1Counters,
) -> Iterator[tuple]:
    """Stream candidates record by record; an item the extractor cannot handle is quarantined alone.
    `records` may be models or their contract rows (`ShardedRecords.rows`): only fields are read.

    Rows are `CandidateRow` tuples, checked against the Candidate contract a batch at a time as they are
    written (a model per row would be a third of the stage)."""

    def read(record: SourceRecord) -> tuple[tuple[KeyedLabel, ...], ParentReading] | LabelingError:
        try:
            parent = reader.parent(record.parent_hint, record.institution, level)
            return reader.keyed_labels(record.text, level, parent, record.institution), parent
        except LabelingError as exc:
            return exc

    # sibling units repeat the same parent and the same names: fingerprint each distinct text once
    fingerprint = lru_cache(maxsize=FINGERPRINT_CACHE_SIZE)(text_fingerprint)

    @lru_cache(maxsize=FINGERPRINT_CACHE_SIZE)
    def text_key_of(anchor: str, text: str) -> str:
        return stable_id(anchor, fingerprint(text))

    for record, result in map_in_order(records, read, getattr(reader.extractor, "max_concurrency", 1)):
        counters.records_in += 1
        if isinstance(result, LabelingError):
            counters.quarantined += 1
            counters.quarantined_by_reason[result.reason] += 1
            reject(
                QuarantineEntry(
                    stage=STAGE,
                    level=level,
                    reason=result.reason,
                    detail=result.detail,
                    source_file=record.source_file,
                    record_id=record.record_id,
                    payload=record.text[:500],
                )
            )
            continue
        labels, parent = result
        anchor = fingerprint(parent.hint) if parent.hint else ""
        if not labels:
            counters.empty_records += 1
            if len(counters.empty_samples) < EMPTY_SAMPLES:
                counters.empty_samples.append(record.text[:120])
            continue
        text_key = text_key_of(anchor, record.text)
        for keyed in labels:
            if not keyed.concept_key:
                continue
            counters.candidates_out += 1
            yield CandidateRow(
                level=level,
                label=keyed.label,
                normalized=keyed.normalized,
                concept_key=keyed.concept_key,
                aliases=keyed.aliases,
                parent_anchor=anchor,
                parent_anchor_labels=list(parent.keys),
                record_id=record.record_id,
                institution=record.institution,
                extractor=reader.name,
                confidence=1.0,
                snippet=record.text[:SNIPPET_CHARS],
                text_key=text_key,
            )


@asset(
    partitions_def=LEVEL_RUN_PARTITIONS,
    io_manager_key=PARQUET_IO_MANAGER,
    ins={"records": AssetIn("s0_source_records")},
    group_name=EXTRACTION_GROUP,
    kinds={"python", "parquet"},
    code_version=code_version(f"s1.2-{RuleExtractor.name}", "label", "extraction", "concepts", "llm"),
    description="S1 extraction + normalization: research-field candidates with parent anchors, per level.",
)
def s1_candidates(
    context: AssetExecutionContext,
    records: ShardedRecords,
    policy: PolicyResource,
    labeling: LabelingResource,
    run_folder: RunFolderResource,
) -> Output[RowStream]:
    level, run = level_and_run(context.partition_key)
    folder = run_folder.for_run(run)
    pinned = policy.pinned(context.run.run_id, run)
    extractor = labeling.extractor(pinned.policy)
    counters = S1Counters()
    quarantine = QuarantineLog(folder.quarantine_path(STAGE, level))
    started = time.perf_counter()
    reader = RecordReader(extractor, pinned.policy)
    candidates = extract_candidates(records.rows(), level, reader, quarantine.add, counters)

    def finish() -> dict[str, object]:
        quarantine.commit()
        return {
            **counters.as_metadata(),
            **labeling.usage_metadata(extractor),
            "compute_seconds": round(time.perf_counter() - started, 4),
        }

    stream = RowStream(
        rows=candidates,
        model=Candidate,
        on_complete=finish,
        on_failure=quarantine.discard,
        metadata={**pinned.metadata(), "extractor": extractor.name},
    )
    return Output(stream)
