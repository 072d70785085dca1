"""S2 frequency filtering: cross-institution support of each normalized label, in DuckDB (SPEC §6 S2).

Institutions are resolved first: names are compared by their identity key (NFKC, casefold and a
confusable skeleton, `institution_identity`), then policy aliases and campus vs system apply; an
unknown-institution placeholder never counts. `src_count` counts distinct (institution, text
fingerprint) pairs, so a page mirrored under two URLs counts once. Every value reaches DuckDB as a
parameter or a registered table.
"""

import collections
import time

import duckdb
import pyarrow as pa
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetIn,
    Output,
    asset,
)

from taxonomy_assets.code_versions import code_version
from taxonomy_assets.constants import CURATION_GROUP, PARQUET_IO_MANAGER
from taxonomy_assets.contracts import FrequencyRow
from taxonomy_assets.institution_identity import institution_key
from taxonomy_assets.levels import Level
from taxonomy_assets.partitions import LEVEL_PARTITIONS
from taxonomy_assets.policy.models import InstitutionPolicy, LevelThresholds
from taxonomy_resources.parquet_io_manager import ParquetArtifact
from taxonomy_resources.policy_resource import PolicyResource
from taxonomy_resources.row_stream import RowStream

SAMPLE_RECORD_IDS = 5
SAMPLE_SNIPPETS = 3
THRESHOLD_CHECK = "kept_rows_meet_level_threshold"

FREQUENCY_SQL = """
WITH keyed AS (
    SELECT c.*, i.raw_key, i.display
    FROM candidates AS c JOIN institution_keys AS i ON i.institution = c.institution
),
resolved AS (
    SELECT k.*,
           CASE WHEN k.raw_key = '' OR k.raw_key = $unknown THEN NULL
                ELSE coalesce(m.canonical_key, k.raw_key) END AS inst_key,
           coalesce(m.canonical, k.display) AS inst_name
    FROM keyed AS k LEFT JOIN institution_map AS m ON m.alias_key = k.raw_key
),
label_counts AS (
    SELECT normalized, label, count(*) AS n FROM resolved GROUP BY normalized, label
),
best_label AS (
    SELECT normalized, first(label ORDER BY n DESC, label) AS label FROM label_counts GROUP BY normalized
),
anchor_support AS (
    SELECT normalized, anchor, count(DISTINCT inst_key) AS n
    FROM (SELECT normalized, inst_key, unnest(parent_anchor_labels) AS anchor
          FROM resolved WHERE inst_key IS NOT NULL)
    GROUP BY normalized, anchor
),
anchor_maps AS (
    SELECT normalized, map_from_entries(list((anchor, n) ORDER BY anchor)) AS parent_anchors
    FROM anchor_support GROUP BY normalized
),
support AS (
    SELECT normalized,
           count(DISTINCT inst_key) AS inst_count,
           count(DISTINCT CASE WHEN inst_key IS NOT NULL THEN inst_key || chr(31) || text_key END)
               AS src_count,
           list_sort(list_distinct(list(inst_name) FILTER (WHERE inst_key IS NOT NULL))) AS institutions,
           list_sort(list_distinct(flatten(list(aliases)) || list(label))) AS aliases,
           list_sort(list_distinct(list(record_id)))[1:$sample_ids] AS record_ids,
           list_sort(list_distinct(list(snippet)))[1:$sample_snippets] AS snippets
    FROM resolved GROUP BY normalized
)
SELECT s.normalized, b.label, s.inst_count, s.src_count,
       round($inst_weight * s.inst_count + $src_weight * ln(1 + s.src_count), 6) AS weight,
       s.institutions, coalesce(a.parent_anchors, MAP {}) AS parent_anchors, s.aliases, s.record_ids,
       s.snippets,
       s.inst_count >= $min_inst AND s.src_count >= $min_src AS kept,
       CASE WHEN s.inst_count < $min_inst
                 THEN format('below_min_institutions: {} < {}', s.inst_count, $min_inst)
            WHEN s.src_count < $min_src
                 THEN format('below_min_src_count: {} < {}', s.src_count, $min_src)
            ELSE '' END AS drop_reason
FROM support AS s JOIN best_label AS b USING (normalized)
LEFT JOIN anchor_maps AS a USING (normalized)
ORDER BY s.normalized
"""


def _key(name: str) -> str:
    return institution_key(name)


def institution_keys(counts: dict[str, int]) -> pa.Table:
    """Each institution name as written -> its identity key and the name shown for that key: the
    spelling most candidates use (then ASCII, then the smallest), so variants count and read as one."""
    keys = {name: institution_key(name) for name in counts}
    display: dict[str, str] = {}
    for name in sorted(counts, key=lambda name: (-counts[name], not name.isascii(), name.strip())):
        display.setdefault(keys[name], name.strip())
    ordered = sorted(counts)
    return pa.table(
        {
            "institution": ordered,
            "raw_key": [keys[name] for name in ordered],
            "display": [display[keys[name]] for name in ordered],
        },
        schema=pa.schema([("institution", pa.string()), ("raw_key", pa.string()), ("display", pa.string())]),
    )


def institution_map(policy: InstitutionPolicy) -> pa.Table:
    """alias key -> canonical key and display name, from policy aliases and (optionally) campus->system."""
    rows: dict[str, tuple[str, str]] = {}
    if not policy.count_campuses_separately:
        for system, campuses in policy.systems.items():
            for campus in campuses:
                rows[_key(campus)] = (_key(system), system)
    for alias, canonical in policy.aliases.items():
        target = rows.get(_key(canonical), (_key(canonical), canonical))
        rows[_key(alias)] = target
        rows.setdefault(_key(canonical), target)
    keys = sorted(rows)
    return pa.table(
        {
            "alias_key": keys,
            "canonical_key": [rows[k][0] for k in keys],
            "canonical": [rows[k][1] for k in keys],
        },
        schema=pa.schema(
            [("alias_key", pa.string()), ("canonical_key", pa.string()), ("canonical", pa.string())]
        ),
    )


def compute_frequency_table(
    candidates: ParquetArtifact, level: Level, thresholds: LevelThresholds, institutions: InstitutionPolicy
) -> list[FrequencyRow]:
    """Group candidates by normalized label and decide keep/drop with the level's thresholds."""
    with duckdb.connect() as connection:
        candidates.duckdb_relation(connection).create_view("candidates")
        connection.register("institution_map", institution_map(institutions))
        spellings = connection.execute("SELECT institution, count(*) FROM candidates GROUP BY institution")
        connection.register("institution_keys", institution_keys(dict(spellings.fetchall())))
        params = {
            "unknown": _key(institutions.unknown_placeholder),
            "sample_ids": SAMPLE_RECORD_IDS,
            "sample_snippets": SAMPLE_SNIPPETS,
            "inst_weight": thresholds.institution_weight,
            "src_weight": thresholds.source_weight,
            "min_inst": thresholds.min_institutions,
            "min_src": thresholds.min_src_count,
        }
        cursor = connection.execute(FREQUENCY_SQL, params)
        columns = [description[0] for description in cursor.description]
        return [
            FrequencyRow(level=level, **dict(zip(columns, row, strict=True))) for row in cursor.fetchall()
        ]


def threshold_violations(rows: list[FrequencyRow], thresholds: LevelThresholds) -> list[str]:
    return [
        row.normalized
        for row in rows
        if row.kept
        and (row.inst_count < thresholds.min_institutions or row.src_count < thresholds.min_src_count)
    ]


@asset(
    partitions_def=LEVEL_PARTITIONS,
    io_manager_key=PARQUET_IO_MANAGER,
    ins={"candidates": AssetIn("s1_candidates")},
    group_name=CURATION_GROUP,
    kinds={"duckdb", "parquet"},
    code_version=code_version("s2.2", "levels", "institutions"),
    check_specs=[
        AssetCheckSpec(
            THRESHOLD_CHECK,
            asset="s2_frequency_table",
            description="No kept row is below its level's min_institutions/min_src_count.",
        )
    ],
    description="S2 cross-institution frequency: support per label, kept or dropped with a reason.",
)
def s2_frequency_table(context: AssetExecutionContext, candidates: ParquetArtifact, policy: PolicyResource):
    level: Level = context.partition_key  # type: ignore[assignment]
    pinned = policy.pinned(context.run.run_id)
    thresholds = pinned.policy.levels[level]
    started = time.perf_counter()
    rows = compute_frequency_table(candidates, level, thresholds, pinned.policy.institutions)
    dropped = collections.Counter(row.drop_reason.split(":", 1)[0] for row in rows if not row.kept)
    metadata = {
        **pinned.metadata(),
        "labels_in": len(rows),
        "kept": sum(row.kept for row in rows),
        "dropped": sum(dropped.values()),
        "dropped_by_reason": dict(sorted(dropped.items())),
        "min_institutions": thresholds.min_institutions,
        "min_src_count": thresholds.min_src_count,
        "compute_seconds": round(time.perf_counter() - started, 4),
    }
    yield Output(RowStream(rows=rows, model=FrequencyRow, metadata=metadata))
    violations = threshold_violations(rows, thresholds)
    yield AssetCheckResult(
        check_name=THRESHOLD_CHECK,
        passed=not violations,
        severity=AssetCheckSeverity.ERROR,
        metadata={"violations": len(violations), "examples": violations[:10]},
    )
