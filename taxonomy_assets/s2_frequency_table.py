"""S2 frequency filtering: cross-institution support of each concept, in DuckDB (SPEC §6 S2).

Rows are grouped by canonical concept key, so 'databases' and 'database' support one concept; the label
shown is the spelling most institutions use. Institutions are resolved first: names are compared by their
identity key (NFKC, casefold and a confusable skeleton, `institution_identity`), then policy aliases and
campus vs system apply, and at venue levels editions of one venue count once; an unknown-institution
placeholder never counts. `src_count` counts distinct (institution, text fingerprint) pairs, so a page
mirrored under two URLs counts once. Every value reaches DuckDB as a parameter or a registered table.
"""

import collections
import re
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
from taxonomy_assets.partitions import LEVEL_RUN_PARTITIONS, level_and_run
from taxonomy_assets.policy.models import InstitutionPolicy, LevelThresholds
from taxonomy_resources.parquet_io_manager import ParquetArtifact
from taxonomy_resources.policy_resource import PolicyResource
from taxonomy_resources.row_stream import RowStream

ONE_STATEMENT_MAX_CANDIDATES = 20_000
SAMPLE_RECORD_IDS = 5
SAMPLE_SNIPPETS = 3
THRESHOLD_CHECK = "kept_rows_meet_level_threshold"

# One aggregate at a time, each into a small temporary table: DuckDB would otherwise run them side by side
# and hold every hash table at once (1 GiB for 600k candidates of a few concepts); in turn, the largest
# one is the peak. `resolved` is a view, scanned again by each step (the Parquet file is small).
# Up to ONE_STATEMENT_MAX_CANDIDATES candidates the same steps run as one statement, each a materialized
# CTE: what is held at once stays small (~1 KiB a candidate), and DuckDB parses and plans once instead of
# fifteen times, which was most of a small level's S2.
FREQUENCY_STEPS: tuple[tuple[str, str], ...] = (
    (
        "resolved",
        """
SELECT c.concept_key, c.normalized, c.label, c.aliases, c.parent_anchor_labels, c.record_id, c.snippet,
       c.text_key, k.inst_key, k.inst_name
FROM candidates AS c JOIN institution_keys AS k USING (institution)
""",
    ),
    (
        "variant_counts",
        """
SELECT concept_key, normalized, count(DISTINCT inst_key) AS insts, count(*) AS n
FROM resolved GROUP BY concept_key, normalized
""",
    ),
    (
        "best_normalized",
        """
SELECT concept_key,
       first(normalized ORDER BY insts DESC, n DESC, length(normalized), normalized) AS normalized,
       map_from_entries(list((normalized, n) ORDER BY normalized)) AS variants
FROM variant_counts GROUP BY concept_key
""",
    ),
    (
        "label_counts",
        """
SELECT concept_key, normalized, label, count(*) AS n FROM resolved GROUP BY concept_key, normalized, label
""",
    ),
    (
        "best_label",
        """
SELECT l.concept_key, first(l.label ORDER BY l.n DESC, l.label) AS label
FROM label_counts AS l JOIN best_normalized AS b USING (concept_key, normalized)
GROUP BY l.concept_key
""",
    ),
    (
        "anchor_support",
        """
SELECT concept_key, anchor, count(DISTINCT inst_key) AS n
FROM (SELECT concept_key, inst_key, unnest(parent_anchor_labels) AS anchor
      FROM resolved WHERE inst_key IS NOT NULL)
GROUP BY concept_key, anchor
""",
    ),
    (
        "anchor_maps",
        """
SELECT concept_key, map_from_entries(list((anchor, n) ORDER BY anchor)) AS parent_anchors
FROM anchor_support GROUP BY concept_key
""",
    ),
    (
        "group_support",
        """
SELECT concept_key, array_to_string(list_sort(list_distinct(parent_anchor_labels)), ' | ') AS reading,
       count(DISTINCT inst_key) AS n
FROM resolved WHERE inst_key IS NOT NULL AND len(parent_anchor_labels) > 0
GROUP BY concept_key, reading
""",
    ),
    (
        "group_maps",
        """
SELECT concept_key, map_from_entries(list((reading, n) ORDER BY reading)) AS parent_anchor_groups
FROM group_support GROUP BY concept_key
""",
    ),
    (
        "support",
        """
SELECT concept_key,
       count(DISTINCT inst_key) AS inst_count,
       count(DISTINCT CASE WHEN inst_key IS NOT NULL THEN inst_key || chr(31) || text_key END)
           AS src_count
FROM resolved GROUP BY concept_key
""",
    ),
    (
        "institution_lists",
        """
SELECT concept_key, list(inst_name ORDER BY inst_name) AS institutions
FROM (SELECT DISTINCT concept_key, inst_name FROM resolved WHERE inst_key IS NOT NULL)
WHERE inst_name IS NOT NULL GROUP BY concept_key
""",
    ),
    (
        "alias_lists",
        """
SELECT concept_key, list(alias ORDER BY alias) AS aliases
FROM (SELECT DISTINCT concept_key, alias
      FROM (SELECT concept_key, unnest(aliases) AS alias FROM resolved
            UNION ALL SELECT concept_key, label FROM resolved))
WHERE alias IS NOT NULL GROUP BY concept_key
""",
    ),
    (
        "record_samples",
        """
SELECT concept_key, min(record_id, $sample_ids) AS record_ids
FROM (SELECT DISTINCT concept_key, record_id FROM resolved) GROUP BY concept_key
""",
    ),
    (
        "snippet_samples",
        """
SELECT concept_key, min(snippet, $sample_snippets) AS snippets
FROM (SELECT DISTINCT concept_key, snippet FROM resolved) GROUP BY concept_key
""",
    ),
)
FREQUENCY_SQL = """
SELECT s.concept_key, b.normalized, l.label, s.inst_count, s.src_count,
       round($inst_weight * s.inst_count + $src_weight * ln(1 + s.src_count), 6) AS weight,
       coalesce(i.institutions, []) AS institutions, coalesce(a.parent_anchors, MAP {}) AS parent_anchors,
       coalesce(g.parent_anchor_groups, MAP {}) AS parent_anchor_groups, b.variants,
       coalesce(al.aliases, []) AS aliases, coalesce(r.record_ids, []) AS record_ids,
       coalesce(sn.snippets, []) AS snippets,
       s.inst_count >= $min_inst AND s.src_count >= $min_src AS kept,
       CASE WHEN s.inst_count < $min_inst
                 THEN format('below_min_institutions: {} < {}', s.inst_count, $min_inst)
            WHEN s.src_count < $min_src
                 THEN format('below_min_src_count: {} < {}', s.src_count, $min_src)
            ELSE '' END AS drop_reason
FROM support AS s JOIN best_normalized AS b USING (concept_key)
JOIN best_label AS l USING (concept_key)
LEFT JOIN institution_lists AS i USING (concept_key)
LEFT JOIN alias_lists AS al USING (concept_key)
LEFT JOIN record_samples AS r USING (concept_key)
LEFT JOIN snippet_samples AS sn USING (concept_key)
LEFT JOIN anchor_maps AS a USING (concept_key)
LEFT JOIN group_maps AS g USING (concept_key)
ORDER BY s.concept_key
"""

ONE_STATEMENT_SQL = (
    "WITH "
    + ",\n".join(
        f"{name} AS {'' if name == 'resolved' else 'MATERIALIZED '}({select})"
        for name, select in FREQUENCY_STEPS
    )
    + FREQUENCY_SQL
)


def _key(name: str) -> str:
    return institution_key(name)


class InstitutionResolver:
    """Institution identity before counting (SPEC §6 S2): policy aliases, campus vs system, and at venue
    levels the venue behind an edition ('NeurIPS 2025' and 'NeurIPS 2026' are one venue)."""

    def __init__(self, policy: InstitutionPolicy, level: Level) -> None:
        self._unknown = _key(policy.unknown_placeholder)
        self._map: dict[str, tuple[str, str]] = {}
        if not policy.count_campuses_separately:
            for system, campuses in policy.systems.items():
                for campus in campuses:
                    self._map[_key(campus)] = (_key(system), system)
        for alias, canonical in policy.aliases.items():
            target = self._map.get(_key(canonical), (_key(canonical), canonical))
            self._map[_key(alias)] = target
            self._map.setdefault(_key(canonical), target)
        venues = policy.venues
        self._editions = (
            [re.compile(pattern, re.IGNORECASE) for pattern in venues.edition_patterns]
            if level in venues.levels
            else []
        )

    def resolve(self, institution: str, display: str = "") -> tuple[str | None, str]:
        """(identity key or None when unknown, display name); `display` is the spelling to show."""
        name = " ".join((display or institution).split())
        key = _key(name)
        if not key or key == self._unknown:
            return None, name
        if key in self._map:
            return self._map[key]
        if self._editions:
            venue = name
            for pattern in self._editions:
                venue = pattern.sub(" ", venue)
            venue = " ".join(venue.split()).strip(" -_'’") or name
            return self._map.get(_key(venue), (_key(venue), venue))
        return key, name

    def table(self, counts: dict[str, int]) -> pa.Table:
        """Each institution name as written -> identity key and the name shown for it: the spelling most
        candidates use (then ASCII, then the smallest), so variants count and read as one."""
        display: dict[str, str] = {}
        for name in sorted(counts, key=lambda name: (-counts[name], not name.isascii(), name.strip())):
            display.setdefault(_key(name), name.strip())
        institutions = sorted(counts)
        resolved = [self.resolve(name, display[_key(name)]) for name in institutions]
        return pa.table(
            {
                "institution": institutions,
                "inst_key": [key for key, _ in resolved],
                "inst_name": [name for _, name in resolved],
            },
            schema=pa.schema(
                [("institution", pa.string()), ("inst_key", pa.string()), ("inst_name", pa.string())]
            ),
        )


def _used(params: dict[str, object], sql: str) -> dict[str, object]:
    """The parameters `sql` names (DuckDB refuses unused ones)."""
    return {key: value for key, value in params.items() if f"${key}" in sql}


def compute_frequency_table(
    candidates: ParquetArtifact, level: Level, thresholds: LevelThresholds, institutions: InstitutionPolicy
) -> list[FrequencyRow]:
    """Group candidates by normalized label and decide keep/drop with the level's thresholds."""
    with duckdb.connect() as connection:
        candidates.duckdb_relation(connection).create_view("candidates")
        spellings = dict(
            connection.execute("SELECT institution, count(*) FROM candidates GROUP BY ALL").fetchall()
        )
        connection.register("institution_keys", InstitutionResolver(institutions, level).table(spellings))
        params = {
            "sample_ids": SAMPLE_RECORD_IDS,
            "sample_snippets": SAMPLE_SNIPPETS,
            "inst_weight": thresholds.institution_weight,
            "src_weight": thresholds.source_weight,
            "min_inst": thresholds.min_institutions,
            "min_src": thresholds.min_src_count,
        }
        if sum(spellings.values()) <= ONE_STATEMENT_MAX_CANDIDATES:
            cursor = connection.execute(ONE_STATEMENT_SQL, _used(params, ONE_STATEMENT_SQL))
        else:
            for name, select in FREQUENCY_STEPS:
                kind = "VIEW" if name == "resolved" else "TEMP TABLE"
                connection.execute(f"CREATE {kind} {name} AS {select}", _used(params, select))
            cursor = connection.execute(FREQUENCY_SQL, _used(params, FREQUENCY_SQL))
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
    partitions_def=LEVEL_RUN_PARTITIONS,
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
    level, run = level_and_run(context.partition_key)
    pinned = policy.pinned(context.run.run_id, run)
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
