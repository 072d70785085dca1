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
from taxonomy_assets.concepts.keys import ConceptKeyer
from taxonomy_assets.constants import EXTRACTION_GROUP, PARQUET_IO_MANAGER
from taxonomy_assets.contracts import Candidate, ExtractedLabel, QuarantineEntry, SourceRecord, stable_id
from taxonomy_assets.labelers import Extractor, LabelingError, map_in_order
from taxonomy_assets.levels import Level, parent_level
from taxonomy_assets.partitions import LEVEL_PARTITIONS
from taxonomy_assets.policy.models import Policy
from taxonomy_assets.rules.context import ContextQualifier
from taxonomy_assets.rules.extract import RuleExtractor
from taxonomy_assets.rules.institution_names import InstitutionNameStripper
from taxonomy_resources.jsonl_shards_io_manager import ShardedRecords
from taxonomy_resources.labeling import LabelingResource
from taxonomy_resources.policy_resource import PolicyResource
from taxonomy_resources.quarantine import QuarantineLog
from taxonomy_resources.row_stream import RowStream
from taxonomy_resources.run_folder import RunFolderResource

STAGE = "S1"
SNIPPET_CHARS = 200
EMPTY_SAMPLES = 10
PARENT_CACHE_SIZE = 65536

WORDS = re.compile(r"[^\W_]+", re.UNICODE)


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


@dataclass(frozen=True)
class ConceptReading:
    """What surrounds any extractor: the institution's own name removed from its unit names before,
    department context and canonical keys after."""

    qualifier: ContextQualifier
    keyer: ConceptKeyer
    names: InstitutionNameStripper
    name_levels: frozenset[str]

    @classmethod
    def from_policy(cls, policy: Policy) -> "ConceptReading":
        return cls(
            ContextQualifier(policy.concepts, policy.extraction, policy.label),
            ConceptKeyer(policy.concepts, policy.label),
            InstitutionNameStripper(policy.extraction),
            frozenset(policy.extraction.institution_name_levels),
        )

    def unit_text(self, text: str, institution: str, level: Level) -> str:
        return self.names.strip(text, institution) if level in self.name_levels else text


def extract_candidates(
    records: Iterable[SourceRecord],
    level: Level,
    extractor: Extractor,
    reject: Callable[[QuarantineEntry], None],
    counters: S1Counters,
    reading: ConceptReading,
) -> Iterator[Candidate]:
    """Stream candidates record by record; an item the extractor cannot handle is quarantined alone."""
    up = parent_level(level)

    @lru_cache(maxsize=PARENT_CACHE_SIZE)
    def read_parent(hint: str, institution: str) -> tuple[str, list[str], list[str]]:
        """(fingerprint, parent labels, parent concept keys) of a parent hint."""
        if not hint or up is None:
            return "", [], []
        labels = [
            label.normalized for label in extractor.extract(reading.unit_text(hint, institution, up), up)
        ]
        keys = sorted({reading.keyer.key(label, up) for label in labels} - {""})
        return text_fingerprint(hint), labels, keys

    def read(record: SourceRecord) -> tuple[list[ExtractedLabel], str, list[str]] | LabelingError:
        try:
            anchor, parent_labels, parent_keys = read_parent(record.parent_hint, record.institution)
            text = reading.unit_text(record.text, record.institution, level)
            labels = reading.qualifier.qualify(extractor.extract(text, level), parent_labels, level)
            return labels, anchor, parent_keys
        except LabelingError as exc:
            return exc

    for record, result in map_in_order(records, read, getattr(extractor, "max_concurrency", 1)):
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
        labels, anchor, anchor_keys = result
        if not labels:
            counters.empty_records += 1
            if len(counters.empty_samples) < EMPTY_SAMPLES:
                counters.empty_samples.append(record.text[:120])
            continue
        text_key = stable_id(anchor, text_fingerprint(record.text))
        for extracted in labels:
            concept_key = reading.keyer.key(extracted.normalized, level)
            if not concept_key:
                continue
            counters.candidates_out += 1
            yield Candidate(
                level=level,
                label=extracted.label,
                normalized=extracted.normalized,
                concept_key=concept_key,
                aliases=sorted(set(extracted.aliases)),
                parent_anchor=anchor,
                parent_anchor_labels=anchor_keys,
                record_id=record.record_id,
                institution=record.institution,
                extractor=extractor.name,
                confidence=1.0,
                snippet=record.text[:SNIPPET_CHARS],
                text_key=text_key,
            )


@asset(
    partitions_def=LEVEL_PARTITIONS,
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
    level: Level = context.partition_key  # type: ignore[assignment]
    pinned = policy.pinned(context.run.run_id)
    extractor = labeling.extractor(pinned.policy)
    counters = S1Counters()
    quarantine = QuarantineLog(run_folder.quarantine_path(STAGE, level))
    started = time.perf_counter()
    reading = ConceptReading.from_policy(pinned.policy)
    candidates = extract_candidates(records, level, extractor, quarantine.add, counters, reading)

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
