"""IO manager for the assembled hierarchy: one folder of tables, tree and outline (SPEC §7 outputs).

`hierarchy/` holds nodes.parquet, edges.parquet, orphans.parquet, hierarchy.json (nested tree),
hierarchy.md (outline), hierarchy.html (the tree to look at: collapsible, searchable), summary.json
(per-level counts) and taxonomy.duckdb (the same tables to query).
The folder is an `ArtifactSlot` attempt, published (renamed in locally, named by `hierarchy/_commit.json`
on object stores) only when every invariant held; a build that broke an invariant is kept under
`quarantine/_failed/<dagster run id>/hierarchy/` for inspection.

DuckDB stamps a random database id into every file header, so `taxonomy.duckdb` carries a
`content_sha256` over its table contents; every other file is byte-deterministic.
"""

import collections
import hashlib
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from dagster import ConfigurableIOManager, InputContext, MetadataValue, OutputContext, ResourceDependency
from upath import UPath

from taxonomy_assets.contracts import Concept, HierarchyEdge, HierarchyNode, Orphan, canonical_json
from taxonomy_assets.hierarchy_assembly import Assembly
from taxonomy_assets.hierarchy_page import hierarchy_page
from taxonomy_assets.levels import LEVELS
from taxonomy_assets.partitions import run_of
from taxonomy_resources.arrow_schema import rows_to_table
from taxonomy_resources.artifact_metadata import provenance_metadata, typed_metadata
from taxonomy_resources.atomic_files import atomic_write_bytes, sha256_file
from taxonomy_resources.locations import is_local
from taxonomy_resources.partition_lock import run_has_finished
from taxonomy_resources.run_folder import HIERARCHY_ASSET, RunFolderResource

DUCKDB_NAME = "taxonomy.duckdb"
PAGE_NAME = "hierarchy.html"


@dataclass(frozen=True)
class HierarchyBuild:
    """What the hierarchy asset hands its IO manager."""

    assembly: Assembly
    concepts: list[Concept]
    invariants_held: bool
    preview_lines: int
    metadata: dict[str, Any]


def tree_json(nodes: list[HierarchyNode], support: dict[str, int] | None = None) -> dict[str, Any]:
    """The nested tree; `support` (concept id -> distinct institutions or venues) annotates each node."""
    children: dict[str | None, list[HierarchyNode]] = collections.defaultdict(list)
    for node in nodes:
        children[node.parent_id].append(node)
    support = support or {}

    def build(node: HierarchyNode) -> dict[str, Any]:
        kids = sorted(children.get(node.concept_id, []), key=lambda n: n.label)
        return {
            "id": node.concept_id,
            "label": node.label,
            "level": node.level,
            "support": support.get(node.concept_id, 0),
            "children": [build(kid) for kid in kids],
        }

    roots = sorted(children.get(None, []), key=lambda n: n.label)
    return {"levels": list(LEVELS), "roots": [build(root) for root in roots]}


def outline_lines(tree: dict[str, Any]) -> list[str]:
    """'- computer science · L1 · 13': label, level and support (institutions; venues at L3)."""
    lines: list[str] = []

    def walk(node: dict[str, Any], depth: int) -> None:
        lines.append(f"{'  ' * depth}- {node['label']} · {node['level']} · {node.get('support', 0)}")
        for child in node["children"]:
            walk(child, depth + 1)

    for root in tree["roots"]:
        walk(root, 0)
    return lines


def level_summary(build: HierarchyBuild) -> dict[str, dict[str, int]]:
    summary = {level: {"concepts": 0, "passed": 0, "nodes": 0, "orphans": 0} for level in LEVELS}
    for concept in build.concepts:
        summary[concept.level]["concepts"] += 1
        summary[concept.level]["passed"] += int(concept.passed)
    for node in build.assembly.nodes:
        summary[node.level]["nodes"] += 1
    for orphan in build.assembly.orphans:
        summary[orphan.level]["orphans"] += 1
    return summary


def _write_parquet(path: UPath, rows: list, model: type) -> None:
    with path.open("wb") as handle:
        pq.write_table(rows_to_table(rows, model), handle, compression="zstd")


def _write_duckdb(target: UPath, tables: dict[str, pa.Table]) -> str:
    """Create the query database and return a hash of its table contents (the file bytes are not stable).

    DuckDB needs a local file; for object-store run folders it is built in scratch space and uploaded.
    """
    if is_local(target):
        _build_duckdb(Path(target), tables)
    else:
        with tempfile.TemporaryDirectory() as scratch:
            local = Path(scratch) / target.name
            _build_duckdb(local, tables)
            with open(local, "rb") as source, target.open("wb") as destination:
                shutil.copyfileobj(source, destination)
    return tables_digest(tables)


def _build_duckdb(path: Path, tables: dict[str, pa.Table]) -> None:
    with duckdb.connect(str(path)) as connection:
        for name, table in tables.items():
            connection.register("incoming", table)
            connection.execute(f'CREATE TABLE "{name}" AS SELECT * FROM incoming')  # names are constants
            connection.unregister("incoming")


def tables_digest(tables: dict[str, pa.Table]) -> str:
    """sha256 of named Arrow tables, each as one Arrow IPC record batch: the contents of the query
    database built from them, however the tables were chunked. (Reading the tables back sorted and
    hashing every row's repr took longer than building the database: a tenth of a second at 100k
    records, in the run's serial tail.)"""
    digest = hashlib.sha256()
    for name, table in tables.items():
        digest.update(name.encode("utf-8"))
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table.combine_chunks())
        digest.update(sink.getvalue())
    return digest.hexdigest()


class HierarchyIOManager(ConfigurableIOManager):
    """Writes the `hierarchy/` folder of the run folder; loading returns the folder path."""

    run_folder: ResourceDependency[RunFolderResource]

    def handle_output(self, context: OutputContext, obj: HierarchyBuild) -> None:
        folder = self.run_folder.for_run(run_of(context.partition_key))
        with folder.partition_lock(
            HIERARCHY_ASSET, "all", context.run_id, run_has_finished(context.step_context.instance)
        ):
            self._write(context, obj, folder)

    def _write(self, context: OutputContext, obj: HierarchyBuild, folder: RunFolderResource) -> None:
        started = time.perf_counter()
        slot = folder.hierarchy_slot
        attempt = slot.begin(context.run_id)
        staging = attempt.path
        try:
            assembly = obj.assembly
            tree = tree_json(
                assembly.nodes, {concept.concept_id: concept.inst_count for concept in obj.concepts}
            )
            lines = outline_lines(tree)
            summary = level_summary(obj)
            _write_parquet(staging / "nodes.parquet", assembly.nodes, HierarchyNode)
            _write_parquet(staging / "edges.parquet", assembly.edges, HierarchyEdge)
            _write_parquet(staging / "orphans.parquet", assembly.orphans, Orphan)
            atomic_write_bytes(staging / "hierarchy.json", (canonical_json(tree) + "\n").encode("utf-8"))
            atomic_write_bytes(staging / "hierarchy.md", outline_markdown(lines, summary).encode("utf-8"))
            # no run id in the page: two runs of the same inputs give the same bytes
            page = hierarchy_page(assembly.nodes, obj.concepts, "Taxonomy")
            atomic_write_bytes(staging / PAGE_NAME, page.encode("utf-8"))
            atomic_write_bytes(
                staging / "summary.json",
                (json.dumps(summary, sort_keys=True, indent=2) + "\n").encode("utf-8"),
            )
            content_sha = _write_duckdb(
                staging / DUCKDB_NAME,
                {
                    "nodes": rows_to_table(assembly.nodes, HierarchyNode),
                    "edges": rows_to_table(assembly.edges, HierarchyEdge),
                    "orphans": rows_to_table(assembly.orphans, Orphan),
                    "concepts": rows_to_table(obj.concepts, Concept),
                },
            )
            files = {
                path.name: {"sha256": sha256_file(path), "bytes": path.stat().st_size}
                for path in _files_in(staging)
            }
            files[DUCKDB_NAME]["content_sha256"] = content_sha
            if not obj.invariants_held:
                destination = slot.abandon(attempt) or attempt.path
                context.add_output_metadata(
                    {
                        "path": MetadataValue.path(str(destination)),
                        "invariants_held": MetadataValue.bool(False),
                    }
                )
                return
            final = slot.publish(attempt)
        except BaseException:
            slot.abandon(attempt)
            raise
        preview = "\n".join(lines[: obj.preview_lines]) + ("\n- …" if len(lines) > obj.preview_lines else "")
        context.add_output_metadata(
            {
                "path": MetadataValue.path(str(final)),
                "sha256": MetadataValue.text(files["nodes.parquet"]["sha256"]),
                "dagster/row_count": MetadataValue.int(len(assembly.nodes)),
                "bytes": MetadataValue.int(sum(f["bytes"] for f in files.values())),
                "write_seconds": MetadataValue.float(round(time.perf_counter() - started, 4)),
                "files": MetadataValue.json(files),
                "preview": MetadataValue.md(f"```\n{preview}\n```"),
                "hierarchy_html": _page_link(final / PAGE_NAME),
                "summary": MetadataValue.md(_summary_table(summary)),
                "invariants_held": MetadataValue.bool(True),
                **provenance_metadata(folder.root, context.run_id),
                **typed_metadata(obj.metadata),
            }
        )

    def load_input(self, context: InputContext) -> UPath:
        return self.run_folder.for_run(run_of(context.asset_partition_key)).hierarchy_slot.committed()


def _files_in(folder: UPath) -> list[UPath]:
    """The files just written into an attempt folder (object-store listings are re-read, not cached)."""
    if not is_local(folder):
        folder.fs.invalidate_cache(folder.path)
    return sorted(folder.iterdir(), key=lambda path: path.name)


def _page_link(page: UPath) -> MetadataValue:
    """A link the UI opens: file:// for a local run folder, the object URL otherwise."""
    return MetadataValue.url(Path(page).resolve().as_uri() if is_local(page) else str(page))


def outline_markdown(lines: list[str], summary: dict[str, dict[str, int]]) -> str:
    """hierarchy.md: per-level counts, then the tree with each node's level and support."""
    return (
        "# Taxonomy\n\n"
        + _summary_table(summary)
        + "\n\nEach node: label · level · support (distinct institutions; distinct venues at L3).\n\n"
        + "\n".join(lines)
        + "\n"
    )


def _summary_table(summary: dict[str, dict[str, int]]) -> str:
    header = "| level | concepts | passed | nodes | orphans |\n| --- | --- | --- | --- | --- |\n"
    return header + "\n".join(
        f"| {level} | {row['concepts']} | {row['passed']} | {row['nodes']} | {row['orphans']} |"
        for level, row in summary.items()
    )
