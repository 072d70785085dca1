"""End-to-end scale benchmark: a seeded synthetic corpus through the real CLI, against a DuckDB floor.

Usage: python benchmarks/pipeline_scale.py [--records 100000 1000000] [--repeat 3] [--keep DIR]

For each size: generate the corpus (2,000 institutions; levels L0 2% / L1 10% / L2 30% / L3 58%; JSONL
files with every fifth file CSV; unit names with coordination, eponyms and institution prefixes;
parents that resolve one level up; at L3 the institution is a venue with editions), then
1. the floor: DuckDB reads every record, normalizes the unit text and counts distinct institutions per
   label and level (what any implementation must at least do);
2. `taxonomy pipeline run` on it (fresh DAGSTER_HOME and output root);
3. `taxonomy pipeline run --resume-phase S2` on the same run folder.
Peak memory is sampled from /proc for the whole process tree (sum of PSS, every 0.5 s) and for its
largest process (RSS, every 0.1 s). Stage seconds come from the manifest (each asset's step duration,
summed over the four levels). With --repeat N each measurement is taken N times and the minimum and
median are printed, with the load average before each size (the machine may be shared).
"""

import argparse
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
INSTITUTIONS = 2000
VENUES = 400
LEVEL_SHARES = {"L0": 0.02, "L1": 0.10, "L2": 0.30, "L3": 0.58}
RECORDS_PER_FILE = 500
CSV_EVERY = 5
SEED = 20261130
# Largest RSS every SAMPLE_SECONDS, the tree's PSS every PSS_EVERY samples: reading a process's PSS
# (smaps_rollup: the kernel walks its page tables) takes 4-5 ms for a worker, 17 ms for the tree, and
# sampling it every 50 ms, with a scan of all of /proc, took a quarter of a core from the 2-core run it
# measured.
SAMPLE_SECONDS = 0.1
PSS_EVERY = 5

PLACES = [
    *("Northfield", "Eastbrook", "Westmoor", "Southgate", "Lakeside", "Riverton", "Hillcrest", "Fairview"),
    *(
        "Oakridge",
        "Pinehurst",
        "Maple Valley",
        "Cedar Falls",
        "Stonebridge",
        "Brookhaven",
        "Ashford",
        "Kingsley",
    ),
]
KINDS = [
    "University of {place}",
    "{place} University",
    "{place} Institute of Technology",
    "{place} State University",
]
EPONYMS = [
    "Hartwell",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Kowalski",
    "Achebe",
    "Brennan",
    "Sato",
    "Gupta",
]
L0_FIELDS = [
    *(
        "Engineering",
        "Medicine",
        "Law",
        "Business",
        "Arts and Sciences",
        "Education",
        "Nursing",
        "Public Health",
    ),
    *(
        "Computing",
        "Music",
        "Architecture",
        "Social Work",
        "Agriculture and Life Sciences",
        "Design",
        "Pharmacy",
    ),
    *("Engineering and Applied Science", "Humanities", "Social Sciences", "Natural Sciences", "Dentistry"),
]
L0_UNITS = ["School of {field}", "College of {field}", "Faculty of {field}", "{eponym} School of {field}"]
L0_NOISE = ["Graduate School", "School of Continuing Studies", "University Libraries", "Honors College"]
L1_FIELDS = [
    *("Computer Science", "Electrical and Computer Engineering", "Mechanical Engineering", "Physics"),
    *("Chemistry", "Mathematics", "Economics", "Psychology", "History", "Philosophy", "Linguistics"),
    *("Civil and Environmental Engineering", "Materials Science and Engineering", "Biology", "Sociology"),
    *("Molecular, Cellular and Developmental Biology", "Earth and Planetary Sciences", "Statistics"),
    *("Biomedical Engineering", "Chemical and Biomolecular Engineering", "Astronomy", "Political Science"),
    *("English", "Classics", "Anthropology", "Geography", "Aerospace Engineering", "Industrial Engineering"),
]
L1_UNITS = [
    "Department of {field}",
    "School of {field}",
    "{field} Department",
    "{eponym} Department of {field}",
]
L1_NOISE = ["Student Services Office", "Engineering Admissions", "Alumni Relations", "Machine Shop"]
L2_FIELDS = [
    *("Machine Learning", "Artificial Intelligence", "Computer Vision", "Natural Language Processing"),
    *("Systems and Networking", "Theory", "Security and Privacy", "Databases", "Programming Languages"),
    *("Human-Computer Interaction", "Robotics", "Computer Architecture", "Graphics", "Software Engineering"),
    *("Condensed Matter Physics", "Astrophysics", "Particle Physics", "Organic Chemistry", "Algebra"),
    *(
        "Macroeconomics",
        "Econometrics",
        "Cognitive Psychology",
        "Fluid Mechanics",
        "Control and Dynamical Systems",
    ),
    *("Computational Biology", "Quantum Computing", "Data Mining", "Scientific Computing", "Algorithms"),
]
L2_NOISE = ["Research Overview", "Seminars and Colloquia", "Open Positions", "Recent Publications"]
L3_TOPICS = [
    *("Federated learning", "Graph neural networks", "Reinforcement learning", "Causal inference"),
    *("Query processing and optimization", "Self-, semi- and weakly-supervised learning", "Data cleaning"),
    *("Transfer, meta, and lifelong learning", "Large language models and foundation models", "Fairness"),
    *("Probabilistic methods (e.g., variational inference, causal inference)", "Anomaly detection"),
    *("Stream processing", "Transaction processing and concurrency control", "Vector databases"),
    *("Adversarial robustness", "Recommender systems", "Knowledge graphs", "Differential privacy"),
    *(
        "Object detection, segmentation, and tracking",
        "Speech recognition and synthesis",
        "Program synthesis",
    ),
]
L3_NOISE = ["Submission deadline: May 1, 2026", "Program Committee Co-Chairs", "Camera-ready due: June 5"]
VENUE_NAMES = ["NeurIPS", "ICML", "SIGMOD", "VLDB", "KDD", "AAAI", "ACL", "CVPR", "OSDI", "CHI"]


@dataclass
class Corpus:
    root: Path
    records: int
    files: int
    by_level: dict[str, int] = field(default_factory=dict)


def _institutions(rng: random.Random) -> list[str]:
    names = []
    for index in range(INSTITUTIONS):
        place = f"{PLACES[index % len(PLACES)]} {index // len(PLACES) + 1}"
        names.append(KINDS[(index // len(PLACES)) % len(KINDS)].format(place=place))
    rng.shuffle(names)
    return names


def _venues() -> list[str]:
    return [
        f"{VENUE_NAMES[i % len(VENUE_NAMES)]}{i // len(VENUE_NAMES) or ''} {2024 + i % 3}"
        for i in range(VENUES)
    ]


def _rows(level: str, count: int, rng: random.Random, institutions: list[str]) -> Iterator[dict[str, str]]:
    venues = _venues()
    for number in range(count):
        institution = institutions[rng.randrange(len(institutions))]
        eponym = EPONYMS[rng.randrange(len(EPONYMS))]
        noise = rng.random() < 0.04
        if level == "L0":
            field_name = L0_FIELDS[rng.randrange(len(L0_FIELDS))]
            text = (
                rng.choice(L0_NOISE)
                if noise
                else rng.choice(L0_UNITS).format(field=field_name, eponym=eponym)
            )
            if rng.random() < 0.1:
                text = f"{institution} - {text}"
            yield {
                "institution": institution,
                "unit": text,
                "url": f"https://u{number % 97}.example/{number}",
            }
        elif level == "L1":
            field_name = L1_FIELDS[rng.randrange(len(L1_FIELDS))]
            text = (
                rng.choice(L1_NOISE)
                if noise
                else rng.choice(L1_UNITS).format(field=field_name, eponym=eponym)
            )
            parent = rng.choice(L0_UNITS).format(
                field=L0_FIELDS[rng.randrange(len(L0_FIELDS))], eponym=eponym
            )
            yield {
                "institution": institution,
                "unit": text,
                "parent": parent,
                "url": f"https://d{number % 89}.example/{number}",
            }
        elif level == "L2":
            text = rng.choice(L2_NOISE) if noise else L2_FIELDS[rng.randrange(len(L2_FIELDS))]
            parent = rng.choice(L1_UNITS).format(
                field=L1_FIELDS[rng.randrange(len(L1_FIELDS))], eponym=eponym
            )
            yield {
                "institution": institution,
                "unit": text,
                "parent": parent,
                "url": f"https://r{number % 83}.example/{number}",
            }
        else:
            venue = venues[rng.randrange(len(venues))]
            text = rng.choice(L3_NOISE) if noise else L3_TOPICS[rng.randrange(len(L3_TOPICS))]
            parent = L2_FIELDS[rng.randrange(len(L2_FIELDS))]
            yield {
                "institution": venue,
                "unit": text,
                "parent": parent,
                "url": f"https://v{number % 79}.example/{number}",
            }


def generate(root: Path, records: int, seed: int = SEED) -> Corpus:
    """Write the seeded corpus under `root` (one folder per level)."""
    rng = random.Random(seed)
    institutions = _institutions(rng)
    corpus = Corpus(root=root, records=0, files=0)
    for level, share in LEVEL_SHARES.items():
        count = max(1, round(records * share))
        folder = root / level
        folder.mkdir(parents=True, exist_ok=True)
        rows = list(_rows(level, count, rng, institutions))
        for index, start in enumerate(range(0, len(rows), RECORDS_PER_FILE)):
            chunk = rows[start : start + RECORDS_PER_FILE]
            if index % CSV_EVERY == CSV_EVERY - 1:
                path = folder / f"units-{index:05d}.csv"
                with path.open("w", encoding="utf-8", newline="") as handle:
                    writer = csv.DictWriter(handle, fieldnames=["institution", "unit", "parent", "url"])
                    writer.writeheader()
                    writer.writerows({"parent": "", **row} for row in chunk)
            else:
                path = folder / f"units-{index:05d}.jsonl"
                with path.open("w", encoding="utf-8") as handle:
                    for row in chunk:
                        record = {"institution": row["institution"], "text": row["unit"], "url": row["url"]}
                        if row.get("parent"):
                            record["parent"] = row["parent"]
                        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            corpus.files += 1
        corpus.by_level[level] = len(rows)
        corpus.records += len(rows)
    return corpus


FLOOR_SQL = """
WITH records AS (
    SELECT level, institution, coalesce(text, unit) AS text FROM (
        SELECT regexp_extract(filename, '/(L[0-3])/', 1) AS level, institution, text, NULL AS unit
        FROM read_json_auto($jsonl, filename = true, union_by_name = true)
        UNION ALL
        SELECT regexp_extract(filename, '/(L[0-3])/', 1) AS level, institution, NULL AS text, unit
        FROM read_csv_auto($csv, filename = true, union_by_name = true, all_varchar = true)
    )
),
labels AS (
    SELECT level, institution,
           trim(regexp_replace(lower(regexp_replace(
               text, '^(department|school|college|faculty|institute) of ', '', 'i')), '[^a-z0-9]+', ' ', 'g'))
               AS label
    FROM records
)
SELECT level, label, count(DISTINCT institution) AS institutions FROM labels GROUP BY level, label
"""


def floor_seconds(root: Path) -> tuple[float, int]:
    import duckdb

    started = time.perf_counter()
    with duckdb.connect() as connection:
        rows = connection.execute(
            FLOOR_SQL, {"jsonl": str(root / "L*" / "*.jsonl"), "csv": str(root / "L*" / "*.csv")}
        ).fetchall()
    return time.perf_counter() - started, len(rows)


def _proportional_size(pid: int) -> int | None:
    """The process's PSS in bytes: its private pages plus its share of pages it shares with others."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def _tree_pids(root_pid: int) -> list[int]:
    """The process and its descendants, from each thread's /proc children list (no scan of /proc)."""
    pids, stack = [], [root_pid]
    while stack:
        pid = stack.pop()
        pids.append(pid)
        try:
            threads = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for thread in threads:
            try:
                with open(f"/proc/{pid}/task/{thread}/children", encoding="ascii") as handle:
                    stack.extend(int(child) for child in handle.read().split())
            except (OSError, ValueError):
                continue
    return pids


def _tree_rss(root_pid: int, proportional: bool = True) -> tuple[int, int]:
    """(memory of the process tree, largest single RSS), in bytes, read from /proc. The tree's memory
    sums PSS, not RSS: workers forked from one fork server share its pages, which a sum of RSS would
    count once per worker (RSS where PSS cannot be read). Without `proportional`, only the largest RSS
    (the tree's memory is 0)."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = largest = 0
    for pid in _tree_pids(root_pid):
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
                rss = int(handle.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
        largest = max(largest, rss)
        if proportional:
            pss = _proportional_size(pid)
            total += pss if pss is not None else rss
    return total, largest


@dataclass
class RunMeasure:
    wall: float
    peak_tree: int
    peak_process: int
    stages: dict[str, float]


def run_cli(args: list[str], env: dict[str, str]) -> RunMeasure:
    """Run the CLI, sampling the process tree's memory until it exits."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "taxonomy_assets.cli", *args],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peaks = [0, 0]

    def sample() -> None:
        count = 0
        while process.poll() is None:
            total, largest = _tree_rss(process.pid, proportional=count % PSS_EVERY == 0)
            peaks[0], peaks[1] = max(peaks[0], total), max(peaks[1], largest)
            count += 1
            time.sleep(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"taxonomy {' '.join(args)} failed ({process.returncode}):\n{stdout}\n{stderr}")
    return RunMeasure(wall, peaks[0], peaks[1], {})


def stage_seconds(manifest_path: Path, since: float = 0.0) -> dict[str, float]:
    """Seconds per asset (summed over levels) of the steps that ran after `since`."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    totals: dict[str, float] = {}
    for asset, partitions in manifest["assets"].items():
        for entry in partitions.values():
            seconds = entry.get("duration_seconds")
            started = entry.get("step_started_at")
            if seconds is None or not started:
                continue
            from datetime import datetime

            if datetime.fromisoformat(started).timestamp() < since:
                continue
            totals[asset] = totals.get(asset, 0.0) + seconds
    return totals


def measure(records: int, repeat: int, keep: Path | None) -> list[dict[str, object]]:
    results = []
    with tempfile.TemporaryDirectory(prefix="pipeline-scale-") as scratch:
        base = keep or Path(scratch)
        sources = base / f"corpus-{records}"
        if sources.exists():
            shutil.rmtree(sources)
        corpus = generate(sources, records)
        for attempt in range(repeat):
            load = os.getloadavg()[0]
            floor, labels = floor_seconds(sources)
            work = base / f"work-{records}-{attempt}"
            shutil.rmtree(work, ignore_errors=True)
            env = {
                key: value
                for key, value in os.environ.items()
                if not key.startswith(("TAXONOMY_", "DAGSTER_"))
            }
            env.update(
                {
                    "DAGSTER_HOME": str(work / "dagster_home"),
                    "TAXONOMY_OUTPUT_ROOT": str(work / "output"),
                    "TAXONOMY_ENVIRONMENT": "production",
                }
            )
            run_args = ["pipeline", "run", "--run-id", "bench", "--sources", str(sources)]
            full = run_cli(run_args, env)
            manifest = work / "output" / "runs" / "bench" / "manifest.json"
            full.stages = stage_seconds(manifest)
            resume_started = time.time()
            resume = run_cli([*run_args, "--resume-phase", "S2"], env)
            resume.stages = stage_seconds(manifest, since=resume_started)
            results.append(
                {
                    "records": corpus.records,
                    "load": load,
                    "floor": floor,
                    "labels": labels,
                    "full": full,
                    "resume": resume,
                }
            )
            if keep is None:
                shutil.rmtree(work, ignore_errors=True)
    return results


def _mib(value: float) -> str:
    return f"{value / 2**20:,.0f} MiB"


def report(results: list[dict[str, object]]) -> None:
    stages = ["s0_source_records", "s1_candidates", "s2_frequency_table", "s3_verified_concepts"]
    stages += ["consolidated_concepts", "taxonomy_hierarchy"]
    header = (
        f"{'records':>9} {'load':>5} {'wall':>8} {'rec/s':>8} {'floor':>7} {'x floor':>8} "
        f"{'resume S2':>10} {'resume/full':>11} {'peak tree':>11} {'largest':>10}  "
        + " ".join(f"{stage.split('_')[0][:6]:>7}" for stage in stages)
    )
    print(header)
    for result in results:
        full, resume = result["full"], result["resume"]
        assert isinstance(full, RunMeasure) and isinstance(resume, RunMeasure)
        records, floor = int(result["records"]), float(result["floor"])  # type: ignore[arg-type]
        print(
            f"{records:>9,} {float(result['load']):>5.2f} {full.wall:>7.1f}s {records / full.wall:>8,.0f} "  # type: ignore[arg-type]
            f"{floor:>6.2f}s {full.wall / floor:>7.0f}x {resume.wall:>9.1f}s "
            f"{resume.wall / full.wall:>11.2f} "
            f"{_mib(full.peak_tree):>11} {_mib(full.peak_process):>10}  "
            + " ".join(f"{full.stages.get(stage, 0.0):>6.1f}s" for stage in stages)
        )
    by_size: dict[int, list[float]] = {}
    for result in results:
        full = result["full"]
        assert isinstance(full, RunMeasure)
        by_size.setdefault(int(result["records"]), []).append(full.wall)  # type: ignore[arg-type]
    for records, walls in by_size.items():
        if len(walls) > 1:
            print(
                f"{records:>9,} wall min {min(walls):.1f}s median {statistics.median(walls):.1f}s "
                f"over {len(walls)}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, nargs="+", default=[100_000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None, help="Keep corpora and run folders here.")
    args = parser.parse_args(argv)
    results = []
    for records in args.records:
        results += measure(records, args.repeat, args.keep)
    report(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
