"""Merge near-duplicate concepts and split context-dependent headings, until nothing changes.

Inputs are one level's S2 rows (kept or dropped) and S3 verdicts. A merge needs a verified survivor:
a concept S3 rejected (a venue, a person's name) never merges, and a spelling S2 dropped for lack of
support may be absorbed by a verified concept, adding its support ('learned index structures' from one
venue joins 'learned indexes' from two). A heading whose meaning depends on its parent ('theory') and
whose parents belong to different families is split into one concept per parent. Every decision is a
`ConceptMerge` row with its reason; the result is deterministic.
"""

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from taxonomy_assets.concepts.families import FieldFamilies
from taxonomy_assets.concepts.keys import ConceptKeyer
from taxonomy_assets.consolidation.evidence import EvidenceFinder, KeyFacts
from taxonomy_assets.contracts import Concept, ConceptMerge, ExtractedLabel, FrequencyRow, Verdict
from taxonomy_assets.levels import Level
from taxonomy_assets.policy.concept_sections import ConsolidationPolicy
from taxonomy_assets.policy.models import LevelThresholds
from taxonomy_assets.rules.context import ContextQualifier

PASSED, REJECTED, DROPPED = "passed", "rejected", "dropped"
_STATUS_RANK = {PASSED: 0, DROPPED: 1, REJECTED: 2}


@dataclass
class _Item:
    """A concept while consolidation works on it."""

    key: str
    normalized: str
    label: str
    status: str
    institutions: set[str]
    src_count: int
    parent_anchors: dict[str, int]
    groups: dict[str, int]
    aliases: set[str]
    variants: dict[str, int]
    verdict: Concept | None = None
    row: FrequencyRow | None = None
    merged_from: list[str] = field(default_factory=list)
    merge_reasons: list[str] = field(default_factory=list)
    split_from: str = ""
    split_reason: str = ""
    inst_override: int = -1  # a split part knows its support per parent, not which institutions gave it

    @property
    def inst_count(self) -> int:
        return self.inst_override if self.inst_override >= 0 else len(self.institutions)

    def rank(self) -> tuple[int, int, int, int, str]:
        return (_STATUS_RANK[self.status], -self.inst_count, -self.src_count, len(self.normalized), self.key)


@dataclass(frozen=True)
class ConsolidationResult:
    concepts: list[Concept]
    merges: list[ConceptMerge]
    rounds: int


def _item(row: FrequencyRow, verdict: Concept | None) -> _Item:
    status = DROPPED if verdict is None else PASSED if verdict.passed else REJECTED
    return _Item(
        key=row.concept_key,
        normalized=row.normalized,
        label=row.label,
        status=status,
        institutions=set(row.institutions),
        src_count=row.src_count,
        parent_anchors=dict(row.parent_anchors),
        groups=dict(row.parent_anchor_groups),
        aliases=set(row.aliases),
        variants=dict(row.variants),
        verdict=verdict,
        row=row,
    )


def _add_counts(target: dict[str, int], source: dict[str, int], cap: int) -> dict[str, int]:
    merged = dict(target)
    for name, count in source.items():
        merged[name] = min(cap, merged.get(name, 0) + count)
    return dict(sorted(merged.items()))


def _absorb(survivor: _Item, absorbed: _Item, reason: str) -> None:
    if survivor.inst_override >= 0 or absorbed.inst_override >= 0:
        union = len(survivor.institutions | absorbed.institutions)
        survivor.inst_override = min(union, survivor.inst_count + absorbed.inst_count)
    survivor.institutions |= absorbed.institutions
    survivor.src_count += absorbed.src_count
    cap = survivor.inst_count
    survivor.parent_anchors = _add_counts(survivor.parent_anchors, absorbed.parent_anchors, cap)
    survivor.groups = _add_counts(survivor.groups, absorbed.groups, cap)
    survivor.aliases |= absorbed.aliases | {absorbed.label, absorbed.normalized}
    for variant, count in absorbed.variants.items():
        survivor.variants[variant] = survivor.variants.get(variant, 0) + count
    survivor.merged_from.extend([absorbed.key, *absorbed.merged_from])
    survivor.merge_reasons.extend([reason, *absorbed.merge_reasons])


class Consolidator:
    """Merges and splits for one level, driven by the `consolidation` policy section."""

    def __init__(
        self,
        policy: ConsolidationPolicy,
        keyer: ConceptKeyer,
        families: FieldFamilies,
        qualifier: ContextQualifier,
        level: Level,
        verify: Callable[[str, Level], Verdict] | None = None,
    ) -> None:
        self._policy = policy
        self._qualifier = qualifier
        self._verify = verify
        self._thresholds: LevelThresholds | None = None
        self._keyer = keyer
        self._families = families
        self._level = level
        self._finder = EvidenceFinder(policy, keyer.fold_word, complements=level in policy.complement_levels)
        self._split_heads = frozenset(keyer.fold(head) for head in policy.context_dependent_heads)

    def run(
        self, rows: Iterable[FrequencyRow], verdicts: Iterable[Concept], thresholds: LevelThresholds
    ) -> ConsolidationResult:
        self._thresholds = thresholds
        by_key = {concept.concept_key: concept for concept in verdicts}
        items = {row.concept_key: _item(row, by_key.get(row.concept_key)) for row in rows}
        merges = self._spelling_merges(items.values())
        rounds = 0
        for rounds in range(1, self._policy.max_rounds + 1):  # noqa: B007 - rounds is reported
            changed = self._merge_round(items, merges)
            changed |= self._split_round(items, merges)
            if not changed:
                break
        concepts = [
            self._concept(item, thresholds)
            for item in sorted(items.values(), key=lambda item: item.key)
            if item.status != DROPPED
        ]
        return ConsolidationResult(concepts=concepts, merges=merges, rounds=rounds)

    def _spelling_merges(self, items: Iterable[_Item]) -> list[ConceptMerge]:
        """Record the spellings the canonical key already folded together (S2 grouped them)."""
        merges = []
        for item in sorted(items, key=lambda item: item.key):
            if item.status != PASSED:
                continue
            for variant in sorted(item.variants):
                if variant == item.normalized:
                    continue
                kinds = self._keyer.fold_kinds(variant, item.normalized)
                merges.append(
                    ConceptMerge(
                        level=self._level,
                        kind="spelling",
                        source_key=self._keyer.fold(variant),
                        source_label=variant,
                        target_key=item.key,
                        target_label=item.normalized,
                        reason="same concept key (" + ", ".join(kinds or ["normalization"]) + ")",
                    )
                )
        return merges

    def _merge_round(self, items: dict[str, _Item], merges: list[ConceptMerge]) -> bool:
        facts = {
            key: KeyFacts(key, item.normalized, tuple(sorted(item.aliases)), frozenset(item.parent_anchors))
            for key, item in items.items()
            if item.status != REJECTED
        }
        changed = False
        for evidence in self._finder.find(facts):
            first, second = items.get(evidence.first), items.get(evidence.second)
            if first is None or second is None or first is second:
                continue
            survivor, absorbed = sorted(
                (first, second),
                key=lambda item: (*item.rank()[:3], item.key != evidence.prefer, *item.rank()[3:]),
            )
            if evidence.minority_only and absorbed.status == PASSED:
                continue  # 'machine learning for data management' stands on its own support
            if survivor.status != PASSED and not self._passes_together(survivor, absorbed):
                continue
            _absorb(survivor, absorbed, evidence.reason)
            merges.append(
                ConceptMerge(
                    level=self._level,
                    kind="merge",
                    source_key=absorbed.key,
                    source_label=absorbed.normalized,
                    target_key=survivor.key,
                    target_label=survivor.normalized,
                    reason=evidence.reason,
                )
            )
            del items[absorbed.key]
            changed = True
        return changed

    def _passes_together(self, survivor: _Item, absorbed: _Item) -> bool:
        """Two phrasings S2 dropped may together meet the level threshold ('formal verification' at one
        venue, 'formal verification of systems software' at another); the survivor is then verified
        like any S3 concept and, when it passes, becomes one."""
        thresholds, verify = self._thresholds, self._verify
        if thresholds is None or verify is None or survivor.row is None:
            return False
        institutions = len(survivor.institutions | absorbed.institutions)
        sources = survivor.src_count + absorbed.src_count
        if institutions < thresholds.min_institutions or sources < thresholds.min_src_count:
            return False
        verdict = verify(survivor.normalized, self._level)
        if not verdict.passed:
            return False
        survivor.status = PASSED
        survivor.verdict = Concept.judged(
            self._level,
            survivor.row,
            verdict,
            [f"kept once its phrasings joined ({institutions} institution(s))", verdict.reason],
            thresholds.min_institutions,
            thresholds.min_src_count,
        )
        return True

    def _reading(self, item: _Item, anchor: str) -> str:
        """What the department-context lexicon reads this heading as under `anchor` ("" when nothing)."""
        label = ExtractedLabel(label=item.label, normalized=item.normalized)
        qualified = self._qualifier.qualify([label], [anchor], self._level)
        reading = qualified[0].normalized if qualified else ""
        return reading if reading != item.normalized else ""

    def _split_round(self, items: dict[str, _Item], merges: list[ConceptMerge]) -> bool:
        """A context-dependent heading whose parents belong to different families and that the context
        lexicon reads differently under some of them ('architecture' under computer science and under
        engineering) becomes one concept per reading."""
        changed = False
        for key in sorted(items):
            item = items.get(key)
            if item is None or item.status != PASSED or key not in self._split_heads:
                continue
            by_family: dict[str, dict[str, int]] = {}
            for anchor, count in sorted(item.parent_anchors.items()):
                families = self._families.families(anchor)
                by_family.setdefault(families[0] if families else anchor, {})[anchor] = count
            if len(by_family) < 2:
                continue
            parts: dict[str, dict[str, int]] = {}
            for anchors in by_family.values():
                readings = sorted({self._reading(item, anchor) for anchor in anchors})
                parts.setdefault(readings[-1] if readings else "", {}).update(anchors)
            if len(parts) < 2:
                continue
            del items[key]
            for reading, anchors in sorted(parts.items()):
                normalized = reading or item.normalized
                part_key = self._keyer.key(normalized, self._level) if reading else item.key
                count = min(item.inst_count, sum(anchors.values()))
                where = ", ".join(sorted(anchors))
                reason = f"'{item.normalized}' under {where} reads as '{normalized}' (department context)"
                part = _Item(
                    key=part_key,
                    normalized=normalized,
                    label=normalized if reading else item.label,
                    status=PASSED,
                    institutions=set(item.institutions),
                    src_count=min(item.src_count, count),
                    parent_anchors=dict(anchors),
                    groups={
                        text: n for text, n in item.groups.items() if set(text.split(" | ")) <= set(anchors)
                    },
                    aliases=set(item.aliases) | {item.label},
                    variants={normalized: count},
                    verdict=item.verdict,
                    split_from=item.key,
                    split_reason=reason,
                    inst_override=count,
                )
                existing = items.get(part_key)
                if existing is not None and existing.status == PASSED:
                    _absorb(existing, part, reason)
                else:
                    items[part_key] = part
                merges.append(
                    ConceptMerge(
                        level=self._level,
                        kind="split",
                        source_key=item.key,
                        source_label=item.normalized,
                        target_key=part_key,
                        target_label=normalized,
                        reason=reason,
                    )
                )
            changed = True
        return changed

    def _concept(self, item: _Item, thresholds: LevelThresholds) -> Concept:
        verdict = item.verdict
        assert verdict is not None  # dropped items are filtered out by the caller
        reasons = list(verdict.reasons)
        passed = verdict.passed
        if item.merged_from:
            reasons.append(
                "merged: "
                + "; ".join(
                    f"{key} ({why})" for key, why in zip(item.merged_from, item.merge_reasons, strict=True)
                )
            )
        if item.split_from:
            reasons.append(f"split from '{item.split_from}': {item.split_reason}")
            if item.inst_count < thresholds.min_institutions or item.src_count < thresholds.min_src_count:
                passed = False
                reasons.append(
                    f"below the level threshold after the split: {item.inst_count} institution(s), "
                    f"{item.src_count} source(s)"
                )
        inst_count = item.inst_count
        return verdict.model_copy(
            update={
                "concept_id": Concept.make_id(self._level, item.key),
                "concept_key": item.key,
                "normalized": item.normalized,
                "label": item.label,
                "aliases": sorted(item.aliases),
                "variants": dict(sorted(item.variants.items())),
                "parent_anchors": dict(sorted(item.parent_anchors.items())),
                "parent_anchor_groups": dict(sorted(item.groups.items())),
                "inst_count": inst_count,
                "src_count": item.src_count,
                "weight": round(
                    thresholds.institution_weight * inst_count
                    + thresholds.source_weight * math.log(1 + item.src_count),
                    6,
                ),
                "passed": passed,
                "reasons": reasons,
                "institutions": sorted(item.institutions),
                "min_institutions": thresholds.min_institutions,
                "min_src_count": thresholds.min_src_count,
                "merged_from": list(item.merged_from),
                "merge_reasons": list(item.merge_reasons),
                "split_from": item.split_from,
            }
        )


def consolidate_level(
    level: Level,
    rows: Iterable[FrequencyRow],
    verdicts: Iterable[Concept],
    thresholds: LevelThresholds,
    policy: ConsolidationPolicy,
    keyer: ConceptKeyer,
    families: FieldFamilies,
    qualifier: ContextQualifier,
    verify: Callable[[str, Level], Verdict] | None = None,
) -> ConsolidationResult:
    """Consolidated concepts of one level plus every merge and split, deterministic for equal inputs.

    `verify` (the S3 verifier) judges a concept that only meets its threshold once merged."""
    return Consolidator(policy, keyer, families, qualifier, level, verify).run(rows, verdicts, thresholds)
