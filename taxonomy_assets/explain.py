"""`taxonomy explain LABEL`: the evidence and every decision behind one label in a run folder (SPEC §10).

"Why is X missing?" is the first question users ask of a taxonomy. The answer is read from the run
folder's artifacts, level by level: which records named it (S1), its support and whether S2 kept it,
S3's verdict, what consolidation merged it into or split it into, and its parent with the basis and
the alternatives. A label no extractor produced is looked up in the source records (S0), and close
labels are suggested. Dagster-free: it reads Parquet and JSONL with DuckDB and pyarrow.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow.parquet as pq
from rapidfuzz import fuzz, process
from upath import UPath

from taxonomy_assets.concepts.keys import ConceptKeyer
from taxonomy_assets.levels import LEVELS, Level
from taxonomy_assets.policy import load_policy_file
from taxonomy_assets.rules.normalize import LabelNormalizer

RECORD_SAMPLES = 8
SOURCE_MATCHES = 5
SUGGESTIONS = 5
SUGGESTION_CUTOFF = 80


@dataclass
class LevelStory:
    """Everything known about the label at one level."""

    level: Level
    concept_key: str
    records: list[dict[str, Any]] = field(default_factory=list)
    record_count: int = 0
    frequency: dict[str, Any] | None = None
    verdict: dict[str, Any] | None = None
    consolidated: dict[str, Any] | None = None
    consolidation_note: str = ""
    node: dict[str, Any] | None = None
    parent: dict[str, Any] | None = None
    children: int = 0
    orphan: dict[str, Any] | None = None
    source_mentions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.records or self.frequency or self.consolidated or self.source_mentions)


@dataclass
class Explanation:
    label: str
    normalized: str
    levels: list[LevelStory]
    suggestions: list[str]


def _table(path: UPath) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with path.open("rb") as handle:
        return pq.read_table(handle, use_threads=False).to_pylist()


def _maps(row: dict[str, Any]) -> dict[str, Any]:
    """Arrow maps arrive as key/value pairs; show them as dicts."""
    return {
        key: dict(value) if isinstance(value, list) and value and isinstance(value[0], tuple) else value
        for key, value in row.items()
    }


class RunFolderReader:
    """The artifacts of one run folder, read lazily."""

    def __init__(self, root: UPath) -> None:
        self.root = root
        snapshot = root / "policy.snapshot.yaml"
        if not snapshot.exists():
            raise FileNotFoundError(f"{root} has no policy.snapshot.yaml; run the pipeline first")
        policy = load_policy_file(snapshot)
        self.normalize = LabelNormalizer(policy.label).normalize
        self.keyer = ConceptKeyer(policy.concepts, policy.label)

    def candidates(self, level: Level, key: str, normalized: str) -> tuple[list[dict[str, Any]], int]:
        path = self.root / "S1" / level / "candidates.parquet"
        if not path.exists():
            return [], 0
        with duckdb.connect() as connection:
            relation = connection.read_parquet(str(path))
            relation.create_view("candidates")
            where = (
                "concept_key = $key OR normalized = $normalized "
                "OR list_contains(list_transform(aliases, lambda alias: lower(alias)), $label)"
            )
            params = {"key": key, "normalized": normalized, "label": normalized}
            count = connection.execute(f"SELECT count(*) FROM candidates WHERE {where}", params).fetchone()
            rows = connection.execute(
                "SELECT institution, snippet, label, normalized, concept_key, parent_anchor_labels, "
                f"record_id FROM candidates WHERE {where} "
                f"ORDER BY institution, snippet LIMIT {RECORD_SAMPLES}",
                params,
            ).fetchall()
        columns = ["institution", "text", "label", "normalized", "concept_key", "parents", "record_id"]
        return [dict(zip(columns, row, strict=True)) for row in rows], int(count[0]) if count else 0

    def read_as(self, level: Level, record_ids: list[str]) -> dict[str, list[str]]:
        """What S1 extracted from each of these records (record id -> normalized labels)."""
        path = self.root / "S1" / level / "candidates.parquet"
        if not path.exists() or not record_ids:
            return {}
        with duckdb.connect() as connection:
            connection.read_parquet(str(path)).create_view("candidates")
            rows = connection.execute(
                "SELECT record_id, list_sort(list_distinct(list(normalized))) FROM candidates "
                "WHERE list_contains($ids, record_id) GROUP BY record_id",
                {"ids": record_ids},
            ).fetchall()
        return {record_id: labels for record_id, labels in rows}

    def row(self, stage: str, file_name: str, level: Level, key: str) -> dict[str, Any] | None:
        for row in _table(self.root / stage / level / file_name):
            if row.get("concept_key") == key:
                return _maps(row)
        return None

    def consolidated(self, level: Level, key: str) -> tuple[dict[str, Any] | None, str]:
        """The consolidated concept for `key`: itself, the concept it was merged into, or its split parts."""
        rows = [_maps(row) for row in _table(self.root / "consolidated" / level / "concepts.parquet")]
        for row in rows:
            if row["concept_key"] == key:
                return row, ""
        for row in rows:
            if key in row.get("merged_from", []):
                reason = row["merge_reasons"][row["merged_from"].index(key)]
                return row, f"merged into '{row['normalized']}': {reason}"
        parts = [row for row in rows if row.get("split_from") == key]
        if parts:
            names = ", ".join(f"'{row['normalized']}'" for row in parts)
            return parts[0], f"split by parent context into {names}"
        return None, ""

    def nodes(self) -> dict[str, dict[str, Any]]:
        return {row["concept_id"]: row for row in _table(self.root / "hierarchy" / "nodes.parquet")}

    def orphans(self) -> dict[str, dict[str, Any]]:
        return {row["concept_id"]: row for row in _table(self.root / "hierarchy" / "orphans.parquet")}

    def source_mentions(self, level: Level, normalized: str) -> list[dict[str, Any]]:
        """Source records whose text contains the label, for labels no extractor produced."""
        found = []
        for shard in sorted((self.root / "S0" / level).glob("shard-*.jsonl")):
            with shard.open("r", encoding="utf-8") as handle:
                for line in handle:
                    record = json.loads(line)
                    if normalized and normalized in self.normalize(record.get("text", "")):
                        found.append(record)
                        if len(found) >= SOURCE_MATCHES:
                            return found
        return found

    def all_labels(self) -> list[str]:
        labels = set()
        for level in LEVELS:
            for row in _table(self.root / "S2" / level / "frequency.parquet"):
                labels.add(row["normalized"])
        return sorted(labels)


def explain_label(root: UPath, label: str, levels: list[Level] | None = None) -> Explanation:
    """Gather the story of `label` at each level (all levels unless `levels` says otherwise)."""
    folder = RunFolderReader(root)
    normalized = folder.normalize(label) or label.strip().lower()
    nodes = folder.nodes()
    orphans = folder.orphans()
    stories = []
    for level in levels or list(LEVELS):
        key = folder.keyer.key(normalized, level)
        story = LevelStory(level=level, concept_key=key)
        story.records, story.record_count = folder.candidates(level, key, normalized)
        read_keys = {record["concept_key"] for record in story.records}
        if story.records and key not in read_keys and len(read_keys) == 1:
            # written as an alias ('Systems' under computer science): follow the concept it was read as
            key = story.concept_key = read_keys.pop()
        story.frequency = folder.row("S2", "frequency.parquet", level, key)
        story.verdict = folder.row("S3", "concepts.parquet", level, key)
        story.consolidated, story.consolidation_note = folder.consolidated(level, key)
        if story.consolidated is not None:
            concept_id = story.consolidated["concept_id"]
            story.node = nodes.get(concept_id)
            story.orphan = orphans.get(concept_id)
            if story.node is not None:
                story.parent = nodes.get(story.node["parent_id"] or "")
                story.children = sum(1 for node in nodes.values() if node["parent_id"] == concept_id)
        if not story.records and not story.frequency:
            story.source_mentions = folder.source_mentions(level, normalized)
            read = folder.read_as(level, [record["record_id"] for record in story.source_mentions])
            for record in story.source_mentions:
                record["read_as"] = read.get(record["record_id"], [])
        stories.append(story)
    suggestions: list[str] = []
    if not any(story.found for story in stories):
        choices = folder.all_labels()
        matches = process.extract(normalized, choices, scorer=fuzz.WRatio, limit=SUGGESTIONS)
        suggestions = [match[0] for match in matches if match[1] >= SUGGESTION_CUTOFF]
    return Explanation(label=label, normalized=normalized, levels=stories, suggestions=suggestions)


def _story_lines(story: LevelStory) -> Iterator[str]:
    yield f"{story.level}  (concept key '{story.concept_key}')"
    if story.records:
        yield f"  named by {story.record_count} candidate row(s), e.g.:"
        for record in story.records:
            parents = ", ".join(record["parents"]) or "no parent anchor"
            reading = f"{record['text']!r} -> '{record['normalized']}'"
            yield f"    - {record['institution']}: {reading} (parent: {parents})"
    elif story.source_mentions:
        yield "  no extractor produced it; it appears in source records:"
        for record in story.source_mentions:
            read = ", ".join(f"'{label}'" for label in record["read_as"]) or "nothing (no field)"
            where = f"{record.get('institution')}: {record.get('text')!r} ({record.get('source_file')})"
            yield f"    - {where} -> read as {read}"
    frequency = story.frequency
    if frequency is not None:
        support = (
            f"{frequency['inst_count']} institution(s) {frequency['institutions']}, "
            f"{frequency['src_count']} source(s)"
        )
        verdict = "kept" if frequency["kept"] else f"dropped: {frequency['drop_reason']}"
        yield f"  S2 support: {support} -> {verdict}"
        if len(frequency.get("variants", {})) > 1:
            yield f"     spellings counted together: {frequency['variants']}"
    if story.verdict is not None:
        outcome = "passed" if story.verdict["passed"] else "rejected"
        method = story.verdict["verification_method"]
        yield f"  S3 verification: {outcome} ({method}): {story.verdict['reasons'][-1]}"
    if story.consolidation_note:
        yield f"  consolidation: {story.consolidation_note}"
    elif story.consolidated is not None and story.consolidated.get("merged_from"):
        merged = zip(story.consolidated["merged_from"], story.consolidated["merge_reasons"], strict=True)
        yield "  consolidation absorbed: " + "; ".join(f"'{key}' ({why})" for key, why in merged)
    if story.node is not None:
        parent = story.parent["label"] if story.parent else "(root)"
        yield f"  hierarchy: node '{story.node['label']}' under '{parent}', {story.children} child node(s)"
        if story.node.get("parent_basis"):
            yield f"     parent chosen by {story.node['parent_basis']}"
        if story.node.get("parent_alternatives"):
            yield f"     alternatives: {', '.join(story.node['parent_alternatives'])}"
        yield f"     path: {' > '.join(story.node['path'])}"
    elif story.orphan is not None:
        yield f"  hierarchy: orphan ({story.orphan['reason']}); anchors {story.orphan['anchors']}"
    elif story.consolidated is not None and not story.consolidated["passed"]:
        yield "  hierarchy: not a node (did not pass verification)"


def format_explanation(explanation: Explanation) -> str:
    """A readable account, one section per level where the label left any trace."""
    lines = [f"explain '{explanation.label}' (normalized '{explanation.normalized}')"]
    found = [story for story in explanation.levels if story.found]
    for story in found:
        lines.extend(_story_lines(story))
    if not found:
        lines.append("  no record, candidate or concept names it at any level searched")
        if explanation.suggestions:
            lines.append(f"  did you mean: {', '.join(explanation.suggestions)}")
    return "\n".join(lines)


def explanation_json(explanation: Explanation) -> dict[str, Any]:
    def story(level: LevelStory) -> dict[str, Any]:
        return {
            "level": level.level,
            "concept_key": level.concept_key,
            "record_count": level.record_count,
            "records": level.records,
            "frequency": level.frequency,
            "verdict": level.verdict,
            "consolidation": level.consolidation_note,
            "node": level.node,
            "parent": level.parent["label"] if level.parent else None,
            "orphan": level.orphan,
            "source_mentions": level.source_mentions,
        }

    return {
        "label": explanation.label,
        "normalized": explanation.normalized,
        "levels": [story(level) for level in explanation.levels if level.found],
        "suggestions": explanation.suggestions,
    }
