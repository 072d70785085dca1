"""S0 throughput and memory: synthetic corpora of growing size through `extract_source_lines`.

Usage: python benchmarks/s0_throughput.py [--sizes 2000 20000 100000] [--per-document 50]
       python benchmarks/s0_throughput.py --corpus data/sample [--repeat 5]
Each size gets a fresh corpus of mixed formats (CSV, XLSX, HTML, Markdown, text, JSONL; every unit
name distinct) in a temporary folder and runs in its own subprocess, so the peak RSS it reports
belongs to that size alone: "RSS before" is the process after imports and the language model load,
"peak RSS" the high-water mark during extraction (Linux resets it through /proc/self/clear_refs;
elsewhere it is the whole process's peak). Records are written to JSONL shards as the S0 IO
manager does. Flat peak memory across sizes is the point: S0 holds one document and one shard.
With --corpus, S0 runs on each level folder of an existing corpus (the sample by default) `--repeat`
times in one warm process and the fastest time per level is printed: the per-level step cost.
"""

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from openpyxl import Workbook  # noqa: E402

from taxonomy_assets.policy import load_policy  # noqa: E402
from taxonomy_assets.project_paths import POLICIES_DIR  # noqa: E402
from taxonomy_assets.s0_source_records import S0Counters, extract_source_lines  # noqa: E402
from taxonomy_assets.sources.language import detect_language  # noqa: E402

LEVEL = "L1"
FORMATS = ("csv", "html", "md", "txt", "jsonl", "xlsx")
ADJECTIVES = [
    *("applied", "theoretical", "computational", "molecular", "cellular", "environmental", "industrial"),
    *("clinical", "social", "cognitive", "quantum", "statistical", "marine", "urban", "digital"),
    *("structural", "medical", "chemical", "biological", "mechanical", "electrical", "civil", "nuclear"),
    *("aerospace", "agricultural", "behavioural", "comparative", "experimental", "historical"),
    *("linguistic", "mathematical", "musical", "nutritional", "pharmaceutical", "political", "public"),
    *("regional", "religious", "rural", "sustainable", "translational", "veterinary"),
]
NOUNS = [
    *("physics", "chemistry", "biology", "engineering", "mathematics", "economics", "psychology"),
    *("sociology", "history", "philosophy", "linguistics", "geography", "geology", "astronomy", "ecology"),
    *("genetics", "neuroscience", "informatics", "statistics", "medicine", "nursing", "law", "music"),
    *("design", "architecture", "education", "management", "finance", "anthropology", "archaeology"),
    *("literature", "robotics", "optics", "acoustics", "materials", "energy", "climate", "oceanography"),
    *("nutrition", "pharmacology"),
]
HEADS = ["Department of", "School of", "Institute of", "Centre for", "Division of", "Program in"]


def unit_name(number: int) -> str:
    """A distinct, word-only unit name per number (no digits, so no filter drops it)."""
    adjective = ADJECTIVES[number % len(ADJECTIVES)]
    noun = NOUNS[(number // len(ADJECTIVES)) % len(NOUNS)]
    head = HEADS[(number // (len(ADJECTIVES) * len(NOUNS))) % len(HEADS)]
    extra = number // (len(ADJECTIVES) * len(NOUNS) * len(HEADS))
    tail = " and " + " ".join(NOUNS[int(digit)] for digit in str(extra)) if extra else ""
    return f"{head} {adjective.title()} {noun.title()}{tail}"


def write_document(folder: Path, number: int, names: list[str]) -> None:
    kind = FORMATS[number % len(FORMATS)]
    stem = folder / f"doc-{number:06d}"
    institution, parent = f"University {number % 97}", "Faculty of Science"
    front = f"---\ninstitution: {institution}\nparent: {parent}\n---\n"
    if kind == "csv":
        rows = "".join(f'{institution},{parent},"{name}"\n' for name in names)
        stem.with_suffix(".csv").write_text("institution,parent,unit\n" + rows, encoding="utf-8")
    elif kind == "html":
        items = "".join(f"<li><a href='#'>{name}</a></li>" for name in names)
        page = (
            f"<html lang='en'><head><meta name='taxonomy:institution' content='{institution}'>"
            f"<meta name='taxonomy:parent' content='{parent}'></head><body><nav><ul><li>Home</li></ul></nav>"
            f"<main><h1>Units</h1><ul>{items}</ul></main><footer>&copy; 2026</footer></body></html>"
        )
        stem.with_suffix(".html").write_text(page, encoding="utf-8")
    elif kind == "md":
        stem.with_suffix(".md").write_text(
            front + "# Units\n\n" + "".join(f"- {n}\n" for n in names), "utf-8"
        )
    elif kind == "txt":
        stem.with_suffix(".txt").write_text(front + "".join(f"* {n}\n" for n in names), encoding="utf-8")
    elif kind == "jsonl":
        lines = (
            json.dumps({"text": name, "institution": institution, "parent": parent}) + "\n" for name in names
        )
        stem.with_suffix(".jsonl").write_text("".join(lines), encoding="utf-8")
    else:
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(["institution", "parent", "unit"])
        for name in names:
            sheet.append([institution, parent, name])
        workbook.save(stem.with_suffix(".xlsx"))


def build_corpus(root: Path, records: int, per_document: int) -> int:
    folder = root / LEVEL
    folder.mkdir(parents=True)
    documents = 0
    for start in range(0, records, per_document):
        names = [unit_name(number) for number in range(start, min(start + per_document, records))]
        write_document(folder, documents, names)
        documents += 1
    return documents


def _status_mb(field: str) -> float | None:
    """A memory field of /proc/self/status in MiB, or None where there is no procfs."""
    status = Path("/proc/self/status")
    match = re.search(rf"^{field}:\s+(\d+) kB", status.read_text(), re.M) if status.exists() else None
    return int(match.group(1)) / 1024 if match else None


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def run_worker(root: Path) -> dict[str, float]:
    """Extract one corpus, writing shards; report counts, time and memory as JSON."""
    policy = load_policy(POLICIES_DIR, "production").raw_extraction
    detect_language("warm up the language model before measuring")
    baseline_rss = _status_mb("VmRSS") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_is_reset = _reset_peak_rss()
    counters = S0Counters()
    shards = root / "shards"
    shards.mkdir()
    started = time.perf_counter()
    handle = None
    lines = extract_source_lines(root / LEVEL, LEVEL, policy, lambda entry: None, counters)
    for number, line in enumerate(lines):
        if number % policy.shard_size == 0:
            if handle is not None:
                handle.close()
            handle = (shards / f"shard-{number // policy.shard_size:05d}.jsonl").open("w", encoding="utf-8")
        handle.write(line)
    if handle is not None:
        handle.close()
    seconds = time.perf_counter() - started
    return {
        "documents": counters.documents_seen,
        "records": counters.blocks_kept,
        "dropped": sum(counters.dropped_by_reason.values()),
        "seconds": seconds,
        "baseline_rss_mb": baseline_rss,
        "peak_rss_mb": (peak_is_reset and _status_mb("VmHWM"))
        or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def time_corpus(corpus: Path, repeat: int) -> None:
    """Fastest of `repeat` S0 passes per level folder of `corpus`, in this (warmed-up) process."""
    policy = load_policy(POLICIES_DIR, "development").raw_extraction
    detect_language("warm up the language model before measuring")
    print(f"{'level':>5} {'docs':>5} {'records':>8} {'fastest s':>10} {'median s':>9}")
    total = 0.0
    for level_dir in sorted(path for path in corpus.iterdir() if path.is_dir()):
        times = []
        for _ in range(repeat):
            counters = S0Counters()
            started = time.perf_counter()
            records = sum(
                1 for _ in extract_source_lines(level_dir, level_dir.name, policy, lambda e: None, counters)
            )
            times.append(time.perf_counter() - started)
        times.sort()
        total += times[0]
        median = times[len(times) // 2]
        print(
            f"{level_dir.name:>5} {counters.documents_seen:>5} {records:>8} {times[0]:>10.3f} {median:>9.3f}"
        )
    print(f"{'all':>5} {'':>5} {'':>8} {total:>10.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 20_000, 100_000])
    parser.add_argument("--per-document", type=int, default=50)
    parser.add_argument("--corpus", type=Path, help="Time S0 per level folder of this corpus instead.")
    parser.add_argument("--repeat", type=int, default=5, help="Passes per level with --corpus.")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.corpus:
        time_corpus(args.corpus, args.repeat)
        return
    if args.worker:
        print(json.dumps(run_worker(args.worker)))
        return
    print(
        f"{'records':>8} {'docs':>6} {'dropped':>7} {'seconds':>8} {'records/s':>10} "
        f"{'RSS before MB':>13} {'peak RSS MB':>11}"
    )
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="s0-bench-") as folder:
            build_corpus(Path(folder), size, args.per_document)
            output = subprocess.run(
                [sys.executable, __file__, "--worker", folder], check=True, capture_output=True, text=True
            ).stdout
        result = json.loads(output.strip().splitlines()[-1])
        print(
            f"{result['records']:>8} {result['documents']:>6} {result['dropped']:>7} "
            f"{result['seconds']:>8.2f} {result['records'] / result['seconds']:>10.0f} "
            f"{result['baseline_rss_mb']:>13.1f} {result['peak_rss_mb']:>11.1f}"
        )


if __name__ == "__main__":
    main()
