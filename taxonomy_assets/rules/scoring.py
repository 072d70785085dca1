"""Quality scores of the text rules on labelled JSONL sets, shared by the benchmark and the quality test.

S1 is scored as micro precision/recall/F1 over normalized labels (a record's predictions and gold
labels compared as sets; predictions for a record with no gold labels are false positives). S3 is
scored as accuracy of the pass/fail decision.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taxonomy_assets.levels import Level
from taxonomy_assets.rules.extract import RuleExtractor
from taxonomy_assets.rules.verify import RuleVerifier

S1_DEV_FILE = "s1_extraction_dev.jsonl"
S3_DEV_FILE = "s3_verification_dev.jsonl"


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
    """S1 counts overall and per level, plus every record that missed."""

    total: Counts = field(default_factory=Counts)
    per_level: dict[str, Counts] = field(default_factory=dict)
    misses: list[ExtractionMiss] = field(default_factory=list)
    rows: int = 0


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


def score_extraction(extractor: RuleExtractor, rows: Iterable[dict[str, Any]]) -> ExtractionScore:
    """Micro P/R/F1 of normalized labels per record, overall and per level, with every miss."""
    score = ExtractionScore()
    for row in rows:
        level: Level = row["level"]
        predicted = {label.normalized for label in extractor.extract(row["text"], level)}
        gold = set(row["labels"])
        counts = score.per_level.setdefault(level, Counts())
        for target in (score.total, counts):
            target.tp += len(predicted & gold)
            target.fp += len(predicted - gold)
            target.fn += len(gold - predicted)
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
