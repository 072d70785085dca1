"""Score the rule extractor (S1) and rule verifier (S3) on every labelled dev set and time them.

Usage: python benchmarks/eval_rules.py [EVAL_DIR] [--repeat N] [--markdown] [--misses]
EVAL_DIR defaults to ../shared/eval relative to the repository root. For each S1 file: micro P/R/F1 and
exact match per level, plus the non-English rows; for each S3 file: accuracy per level. --markdown prints
the tables as in the README; --misses lists every miss; throughput is items per second.
"""

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from taxonomy_assets.concepts.reading import RecordReader  # noqa: E402
from taxonomy_assets.policy import Policy, load_policy  # noqa: E402
from taxonomy_assets.rules import RuleExtractor, RuleVerifier  # noqa: E402
from taxonomy_assets.rules.scoring import (  # noqa: E402
    EXTRACTION_FILES,
    VERIFICATION_FILES,
    ExtractionScore,
    VerificationScore,
    non_english_rows,
    read_jsonl,
    score_extraction,
    score_verification,
)
from taxonomy_assets.rules.translation import UnitNameTranslator  # noqa: E402

DEFAULT_EVAL_DIR = REPO_ROOT.parent / "shared" / "eval"


def _extraction_rows(name: str, score: ExtractionScore) -> list[list[str]]:
    rows = []
    for level in sorted(score.per_level):
        counts = score.per_level[level]
        rows.append(
            [
                name,
                level,
                str(score.exact[level][1]),
                f"{counts.precision:.3f}",
                f"{counts.recall:.3f}",
                f"{counts.f1:.3f}",
                f"{score.exact_match(level):.3f}",
            ]
        )
    return rows


def _verification_rows(name: str, score: VerificationScore) -> list[list[str]]:
    return [
        [name, level, str(score.per_level[level][1]), f"{score.level_accuracy(level):.3f}"]
        for level in sorted(score.per_level)
    ]


def _table(header: list[str], rows: list[list[str]], markdown: bool) -> None:
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join(" --- " for _ in header) + "|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
        for row in [header, *rows]:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print()


def _throughput(label: str, items: int, repeat: int, prepare: Callable[[], Callable[[], Any]]) -> None:
    """Items per second over `repeat` passes; each pass runs what `prepare` returns, untimed setup aside."""
    elapsed = 0.0
    for _ in range(repeat):
        run = prepare()
        start = time.perf_counter()
        run()
        elapsed += time.perf_counter() - start
    total = items * repeat
    print(f"{label} throughput: {total / elapsed:,.0f} items/s ({total} items in {elapsed:.2f}s)")


def _fresh_reading(policy: Policy, rows: list[dict[str, Any]]) -> Callable[[], Any]:
    """One pass of S1 over `rows` with a new extractor: the extractor remembers the texts it read, so
    reusing one across passes would time its memo, not the rules."""
    reader = RecordReader(RuleExtractor.from_policy(policy), policy)
    return lambda: [reader.extract(row["text"], row["level"]) for row in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("eval_dir", nargs="?", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--repeat", type=int, default=20, help="Passes over each set for the timing.")
    parser.add_argument("--markdown", action="store_true", help="Print the tables as Markdown.")
    parser.add_argument("--misses", action="store_true", help="List every miss with the rules' reason.")
    args = parser.parse_args(argv)
    present = [name for name in (*EXTRACTION_FILES, *VERIFICATION_FILES) if (args.eval_dir / name).is_file()]
    if not present:
        print(f"eval sets not found in {args.eval_dir}", file=sys.stderr)
        return 2

    policy = load_policy(REPO_ROOT / "policies")
    # S1 reads a record the way the pipeline does: rules, then the parent unit's context (`parent` rows)
    extractor = RecordReader(RuleExtractor.from_policy(policy), policy)
    verifier = RuleVerifier.from_policy(policy)
    foreign = non_english_rows(UnitNameTranslator(policy.extraction.translation))
    extraction: list[list[str]] = []
    verification: list[list[str]] = []
    misses: list[str] = []
    timings: list[tuple[str, int, Callable[[], Callable[[], Any]]]] = []
    for name in present:
        rows = read_jsonl(args.eval_dir / name)
        if name in EXTRACTION_FILES:
            score = score_extraction(extractor, rows)
            extraction += _extraction_rows(name, score)
            non_english = score_extraction(extractor, rows, select=foreign)
            if non_english.rows:
                extraction += _extraction_rows(f"{name} (non-English rows)", non_english)
            misses += [
                f"MISS {m.level} {m.text!r}: predicted {m.predicted} gold {m.gold}" for m in score.misses
            ]
            timings.append(
                (
                    f"S1 {name}",
                    len(rows),
                    lambda rows=rows: _fresh_reading(policy, rows),
                )
            )
        else:
            vscore = score_verification(verifier, rows)
            verification += _verification_rows(name, vscore)
            misses += [
                f"MISS {m.level} {m.label!r}: expected passed={m.expected}; {m.reason}" for m in vscore.misses
            ]
            timings.append(
                (
                    f"S3 {name}",
                    len(rows),
                    lambda rows=rows: lambda: [verifier.verify(r["label"], r["level"]) for r in rows],
                )
            )

    print("S1 extraction (micro P/R/F1 over label sets, exact match per record)\n")
    _table(["file", "level", "rows", "P", "R", "F1", "exact"], extraction, args.markdown)
    print("S3 verification (accuracy of the pass/fail decision)\n")
    _table(["file", "level", "rows", "accuracy"], verification, args.markdown)
    if args.misses:
        print("\n".join(misses) or "no misses", end="\n\n")
    for label, items, run in timings:
        _throughput(label, items, args.repeat, run)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
