"""Check an assembled hierarchy against an expert's expectations (edges, survivors, absentees, synonyms).

Used by the realcorpus test and `benchmarks/realcorpus_expectations.py`; expectations are YAML (see
tests/data/realcorpus_expected.yaml). "a | b" names one node by any of its acceptable labels.
"""

import collections
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import yaml

from taxonomy_assets.levels import LEVELS


def _options(label: str) -> list[str]:
    return [part.strip() for part in label.split("|")]


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").replace("‐", " ").split())


@dataclass
class ExpectationReport:
    """Per-section counts and every problem found."""

    counts: dict[str, list[int]] = field(default_factory=lambda: collections.defaultdict(lambda: [0, 0]))
    problems: list[str] = field(default_factory=list)

    def tally(self, section: str, ok: bool, problem: str) -> None:
        self.counts[section][0] += int(ok)
        self.counts[section][1] += 1
        if not ok:
            self.problems.append(f"{section}: {problem}")

    def summary(self) -> str:
        return "\n".join(
            f"{section:16s} {good}/{total}" for section, (good, total) in sorted(self.counts.items())
        )


class HierarchyView:
    """Nodes of one run folder's hierarchy with the consolidated concepts behind them."""

    def __init__(self, run_folder: Path) -> None:
        nodes = pq.read_table(run_folder / "hierarchy" / "nodes.parquet").to_pylist()
        self.by_id = {node["concept_id"]: node for node in nodes}
        self.by_level: dict[str, dict[str, dict[str, Any]]] = collections.defaultdict(dict)
        for node in nodes:
            self.by_level[node["level"]][node["label"]] = node
        self.concepts: dict[str, dict[str, Any]] = {}
        self.keys_by_text: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
        for level in LEVELS:
            path = run_folder / "consolidated" / level / "concepts.parquet"
            if path.exists():
                for concept in pq.read_table(path).to_pylist():
                    self.concepts[concept["concept_id"]] = concept
            candidates = run_folder / "S1" / level / "candidates.parquet"
            if candidates.exists():
                table = pq.read_table(candidates, columns=["snippet", "concept_key"]).to_pylist()
                for row in table:
                    self.keys_by_text[(level, _norm(row["snippet"]))].add(row["concept_key"])

    def node(self, level: str, label: str) -> dict[str, Any] | None:
        """The node named by any of the label's options; failing that, the node whose concept counted
        that spelling as one of its variants (a synonym such as 'dental medicine' in 'dentistry')."""
        options = _options(label)
        for option in options:
            found = self.by_level[level].get(option)
            if found is not None:
                return found
        for node in self.by_level[level].values():
            variants = self.concepts.get(node["concept_id"], {}).get("variants", {})
            names = set(dict(variants)) if variants else set()
            if names & set(options):
                return node
        return None

    def parent_label(self, node: dict[str, Any]) -> str:
        parent = self.by_id.get(node["parent_id"] or "")
        return parent["label"] if parent else ""

    def aliases(self, node: dict[str, Any]) -> set[str]:
        concept = self.concepts.get(node["concept_id"], {})
        return {_norm(alias) for alias in concept.get("aliases", [])} | {_norm(node["label"])}

    def reads_as(self, level: str, text: str, node: dict[str, Any]) -> bool:
        """Whether the source text `text` was read as this node's concept (directly or merged into it)."""
        concept = self.concepts.get(node["concept_id"], {})
        keys = {concept.get("concept_key"), *concept.get("merged_from", [])}
        return bool(self.keys_by_text.get((level, _norm(text)), set()) & keys)

    def institutions(self, node: dict[str, Any]) -> set[str]:
        return set(self.concepts.get(node["concept_id"], {}).get("institutions", []))


def check_expectations(run_folder: Path, expectations: dict[str, Any]) -> ExpectationReport:
    view = HierarchyView(run_folder)
    report = ExpectationReport()
    for level, edges in expectations.get("edges", {}).items():
        for child, parents in edges.items():
            node = view.node(level, child)
            if node is None:
                report.tally("edges", False, f"{level} '{child}' is missing")
                continue
            parent = view.parent_label(node)
            accepted = {option for name in parents for option in _options(name)}
            report.tally(
                "edges", parent in accepted, f"{level} '{child}' under '{parent}', expected {parents}"
            )
    for level, labels in expectations.get("must_survive", {}).items():
        for label in labels:
            report.tally(f"survive {level}", view.node(level, label) is not None, f"'{label}' missing")
    for level, labels in expectations.get("must_not", {}).items():
        levels = LEVELS if level == "any" else [level]
        for label in labels:
            present = [lvl for lvl in levels if label in view.by_level[lvl]]
            report.tally("must not", not present, f"'{label}' present at {present}")
    for level, groups in expectations.get("synonym_groups", {}).items():
        for group in groups:
            present = [label for label in group if label in view.by_level[level]]
            report.tally("synonyms", len(present) <= 1, f"{level} {present} are separate nodes")
    for level, targets in expectations.get("collapses_into", {}).items():
        for label, surfaces in targets.items():
            node = view.node(level, label)
            for surface in surfaces:
                ok = node is not None and view.reads_as(level, surface, node)
                report.tally("collapses", ok, f"{level} '{surface}' is not read as '{label}'")
    for institution, labels in expectations.get("l0_labels", {}).items():
        for label in labels:
            node = view.node("L0", label)
            ok = node is not None and institution in view.institutions(node)
            report.tally("L0 labels", ok, f"{institution}: '{label}' missing")
    return report


def load_expectations(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))
