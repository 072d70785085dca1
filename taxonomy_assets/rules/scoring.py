"""Quality scores of the text rules on labelled JSONL sets, shared by the benchmark and the quality test.

S1 is scored as micro precision/recall/F1 over labels (a record's predictions and gold labels compared as
sets; predictions for a record with no gold labels are false positives) plus exact match per record. S3 is
scored as accuracy of the pass/fail decision. Labels are compared in the eval sets' convention (lower case,
hyphens and dashes as spaces, whitespace collapsed, plurals folded), and a row's `accept` map lets a
variant count as its gold label.
"""

import inspect
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taxonomy_assets.labelers import Extractor, LabelingError
from taxonomy_assets.levels import Level
from taxonomy_assets.rules.translation import UnitNameTranslator
from taxonomy_assets.rules.verify import RuleVerifier

S1_DEV_FILE = "s1_extraction_dev.jsonl"
S3_DEV_FILE = "s3_verification_dev.jsonl"
S1_LEVELS_DEV_FILE = "s1_levels_dev.jsonl"
S3_LEVELS_DEV_FILE = "s3_levels_dev.jsonl"
EXTRACTION_FILES = (S1_DEV_FILE, S1_LEVELS_DEV_FILE)
VERIFICATION_FILES = (S3_DEV_FILE, S3_LEVELS_DEV_FILE)

_DASHES = re.compile(r"[-‐‑‒–—―−]")


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def canonical(label: str) -> str:
    """The eval sets' comparison key: 'Graph-Neural Networks' -> 'graph neural network'."""
    return " ".join(_singular(word) for word in _DASHES.sub(" ", label.lower()).split())


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSONL file; blank lines are skipped."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@dataclass
class Counts:
    """True/false positives and negatives of one slice (all rows or one level)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class ExtractionMiss:
    """A record whose predicted label set differs from the gold set."""

    level: str
    text: str
    predicted: list[str]
    gold: list[str]


@dataclass
class ExtractionScore:
    """S1 counts overall and per level, exact matches per level ([exact, rows]), and every miss."""

    total: Counts = field(default_factory=Counts)
    per_level: dict[str, Counts] = field(default_factory=dict)
    exact: dict[str, list[int]] = field(default_factory=dict)
    misses: list[ExtractionMiss] = field(default_factory=list)
    rows: int = 0

    def exact_match(self, level: str | None = None) -> float:
        """Share of records whose label set is exactly the gold set (one level, or all)."""
        tallies = [self.exact[level]] if level else list(self.exact.values())
        rows = sum(tally[1] for tally in tallies)
        return sum(tally[0] for tally in tallies) / rows if rows else 1.0


@dataclass(frozen=True)
class VerificationMiss:
    """A label whose pass/fail decision differs from the gold one, with the verifier's reason."""

    level: str
    label: str
    expected: bool
    reason: str


@dataclass
class VerificationScore:
    """S3 decisions overall and per level ([correct, rows]), plus every miss."""

    correct: int = 0
    rows: int = 0
    per_level: dict[str, list[int]] = field(default_factory=dict)
    misses: list[VerificationMiss] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.rows if self.rows else 1.0

    def level_accuracy(self, level: str) -> float:
        correct, rows = self.per_level[level]
        return correct / rows if rows else 1.0


def takes_parent(extractor: object) -> bool:
    """Whether the extractor's `extract` accepts the parent unit as context (`parent=`)."""
    try:
        return "parent" in inspect.signature(extractor.extract).parameters  # type: ignore[attr-defined]
    except (AttributeError, TypeError, ValueError):
        return False


def score_extraction(
    extractor: Extractor,
    rows: Iterable[dict[str, Any]],
    select: Callable[[dict[str, Any]], bool] | None = None,
) -> ExtractionScore:
    """Micro P/R/F1 and exact match per record, overall and per level, with every miss. A row's `parent`
    is passed as context when the extractor takes one; `select` scores a slice (e.g. non-English rows)."""
    score = ExtractionScore()
    with_parent = takes_parent(extractor)
    for row in rows:
        if select is not None and not select(row):
            continue
        level: Level = row["level"]
        context = {"parent": row["parent"]} if with_parent and row.get("parent") else {}
        extracted = extractor.extract(row["text"], level, **context)
        gold = {canonical(label) for label in row["labels"]}
        variants = {
            canonical(variant): canonical(label)
            for label, accepted in row.get("accept", {}).items()
            for variant in accepted
        }
        predicted = {variants.get(key, key) for key in (canonical(label.normalized) for label in extracted)}
        counts = score.per_level.setdefault(level, Counts())
        for target in (score.total, counts):
            target.tp += len(predicted & gold)
            target.fp += len(predicted - gold)
            target.fn += len(gold - predicted)
        tally = score.exact.setdefault(level, [0, 0])
        tally[0] += int(predicted == gold)
        tally[1] += 1
        score.rows += 1
        if predicted != gold:
            score.misses.append(ExtractionMiss(level, row["text"], sorted(predicted), sorted(gold)))
    return score


def score_verification(verifier: RuleVerifier, rows: Iterable[dict[str, Any]]) -> VerificationScore:
    """Accuracy of pass/fail decisions, overall and per level, with every miss and its reason."""
    score = VerificationScore()
    for row in rows:
        level: Level = row["level"]
        verdict = verifier.verify(row["label"], level)
        right = verdict.passed == bool(row["passed"])
        tally = score.per_level.setdefault(level, [0, 0])
        tally[0] += int(right)
        tally[1] += 1
        score.correct += int(right)
        score.rows += 1
        if not right:
            score.misses.append(VerificationMiss(level, row["label"], bool(row["passed"]), verdict.reason))
    return score


def non_english_rows(translator: UnitNameTranslator) -> Callable[[dict[str, Any]], bool]:
    """Selects rows whose text the translator reads as another language (or cannot read at all)."""

    def select(row: dict[str, Any]) -> bool:
        try:
            return translator.read(row["text"]).language != "en"
        except LabelingError:
            return True

    return select
