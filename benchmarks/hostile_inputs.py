"""Hostile inputs through S0: each case's outcome, time and peak memory (issue 9).

Usage: python benchmarks/hostile_inputs.py [--only NAME ...] [--keep DIR]
Generates a corpus of hostile documents and folder entries into a temporary sources root, one level
folder per case, and runs S0 (`extract_source_lines`, reader process included) on each case in its
own subprocess, so the peak RSS it reports (of the step process and of its reader children) belongs to
that case alone. Outcome is what S0 made of the case: records kept and quarantine reasons.
"""

import argparse
import io
import json
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from openpyxl import Workbook  # noqa: E402

LEVEL = "L2"
FILESYSTEM_KINDS = (
    "fifo",
    "socket",
    "symlink_loop",
    "symlinked_folder",
    "outside_root",
    "front_matter_only",
    "odd_file_names",
)

SPREADSHEET = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"
CONTENT_TYPES = {
    "/xl/workbook.xml": f"{OFFICE_TYPES}.sheet.main+xml",
    "/xl/worksheets/sheet1.xml": f"{OFFICE_TYPES}.worksheet+xml",
    "/xl/sharedStrings.xml": f"{OFFICE_TYPES}.sharedStrings+xml",
}


def _workbook_parts(sheet_xml: str) -> dict[str, str]:
    overrides = "".join(
        f'<Override PartName="{name}" ContentType="{kind}"/>' for name, kind in CONTENT_TYPES.items()
    )
    rels = "application/vnd.openxmlformats-package.relationships+xml"
    return {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="{rels}"/>{overrides}</Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}"><Relationship Id="r1" '
            f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{SPREADSHEET}" xmlns:r="{RELATIONSHIPS}"><sheets>'
            '<sheet name="Units" sheetId="1" r:id="r1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="r1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="r2" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{SPREADSHEET}"><sheetData>{sheet_xml}</sheetData></worksheet>'
        ),
    }


def shared_strings_workbook(rows: list[list[str]], padding_kib: int = 0) -> bytes:
    """A minimal XLSX whose cells point into xl/sharedStrings.xml, inflated by `padding_kib` unused 1 KiB
    strings (they compress about 1000:1, as in a decompression bomb)."""
    cells = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{chr(65 + c)}{r}" t="s"><v>{(r - 1) * len(row) + c}</v></c>' for c in range(len(row))
        )
        + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _workbook_parts(cells).items():
            archive.writestr(name, text)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as handle:
            handle.write(f'<sst xmlns="{SPREADSHEET}">'.encode())
            handle.write("".join(f"<si><t>{value}</t></si>" for row in rows for value in row).encode())
            filler = b"<si><t>" + b"x" * 1008 + b"</t></si>"
            for _ in range(padding_kib):
                handle.write(filler)
            handle.write(b"</sst>")
    return buffer.getvalue()


def _front(body: str, institution: str = "Uni A") -> str:
    return f"---\ninstitution: {institution}\nparent: Faculty of Science\n---\n{body}"


def _page(body: str) -> str:
    return (
        '<html><head><meta name="taxonomy:institution" content="Uni A">'
        f'<meta name="taxonomy:parent" content="Faculty of Science"></head><body>{body}</body></html>'
    )


def _huge_dimension_workbook(path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["institution", "parent", "unit"])
    sheet.append(["Uni A", "Faculty of Science", "Department of Physics"])
    sheet.cell(row=1_048_576, column=16_384, value="a cell in the last row and column")
    workbook.save(path)


def _every_row_reaching_xfd(folder: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["institution", "parent", "unit"])
    for row in range(2, 20_002):
        sheet.cell(row=row, column=1, value="Uni A")
        sheet.cell(row=row, column=2, value="Faculty of Science")
        sheet.cell(row=row, column=3, value=f"Department number {row}")
        sheet.cell(row=row, column=16_384, value="x")
    workbook.save(folder / "wide-rows.xlsx")


def _write(folder: Path, name: str | bytes, content: str | bytes) -> None:
    path = os.path.join(os.fsencode(folder), os.fsencode(name))
    with open(path, "wb") as handle:
        handle.write(content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content)


def _items_page(count: int, words: str) -> str:
    return _page("<main><ul>" + "".join(f"<li>{words} {n}</li>" for n in range(count)) + "</ul></main>")


def _billion_laughs() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    return "---\n" + "\n".join(lines) + "\ninstitution: *a9\nparent: P\n---\n- Robotics\n"


def _filesystem_case(kind: str) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        outside = folder.parent.parent / "outside"
        outside.mkdir(exist_ok=True)
        (outside / "units.csv").write_text("institution,unit\nElsewhere,School of Elsewhere\n")
        _write(folder, "good.md", _front("- Robotics\n"))
        if kind == "fifo":
            os.mkfifo(folder / "pipe.md")
        elif kind == "socket":
            server = socket.socket(socket.AF_UNIX)
            server.bind(str(folder / "socket.md"))
            server.close()
        elif kind == "symlink_loop":
            os.symlink("loop-b", folder / "loop-a")
            os.symlink("loop-a", folder / "loop-b")
            os.symlink("..", folder / "parent-folder")
        elif kind == "symlinked_folder":
            (folder.parent / "shared").mkdir(exist_ok=True)
            _write(folder.parent / "shared", "topics.md", _front("- Quantum Computing\n"))
            os.symlink("../shared", folder / "linked")
        elif kind == "outside_root":
            os.symlink("/etc/passwd", folder / "passwd.csv")
            os.symlink(outside / "units.csv", folder / "elsewhere.csv")
            os.symlink(outside, folder / "elsewhere-folder")
        elif kind == "front_matter_only":
            _write(folder, "empty-body.md", _front(""))
        elif kind == "odd_file_names":
            _write(folder, b"caf\xe9-\xff.md", _front("- Numerical Analysis\n"))
            _write(folder, "line\u2028sep\x85.md", _front("- Optimal Transport\n"))
            _write(folder, "orphan.md.meta.yaml", "institution: Uni A\n")

    return build


CASES: dict[str, Callable[[Path], None]] = {
    "xlsx_huge_dimension": lambda folder: _huge_dimension_workbook(folder / "wide.xlsx"),
    "xlsx_shared_strings_600mb": lambda folder: _write(
        folder, "bomb.xlsx", shared_strings_workbook([["institution", "unit"], ["Uni A", "Law"]], 600 * 1024)
    ),
    "xlsx_shared_strings_45mb": lambda folder: _write(
        folder,
        "big.xlsx",
        shared_strings_workbook([["institution", "parent", "unit"], ["Uni A", "P", "Law"]], 45 * 1024),
    ),
    "xlsx_every_row_reaching_xfd": _every_row_reaching_xfd,
    "html_90k_similar_items": lambda folder: _write(
        folder, "items.html", _items_page(90_000, "Research group")
    ),
    "html_90k_items_sharing_9_words": lambda folder: _write(
        folder,
        "items.html",
        _items_page(90_000, "a b c d e f g h i"),
    ),
    "html_deep_nesting": lambda folder: _write(
        folder, "deep.html", _page("<div>" * 200_000 + "Department of Physics" + "</div>" * 200_000)
    ),
    "html_5mb_ordinary": lambda folder: _write(
        folder, "big.html", _items_page(150_000, "Department of")[:4_900_000] + "</ul></main></body></html>"
    ),
    "markdown_nested_brackets": lambda folder: _write(folder, "brackets.md", _front("[" * 3_000_000 + "\n")),
    "markdown_emphasis_runs": lambda folder: _write(folder, "stars.md", _front("*a " * 500_000 + "\n")),
    "text_heading_of_spaces": lambda folder: _write(
        folder, "spaces.txt", _front("# " + " " * 4_000_000 + "x\n")
    ),
    "text_2m_tiny_lines": lambda folder: _write(folder, "lines.txt", _front("ab\n" * 1_600_000)),
    "csv_unclosed_quote_4mb": lambda folder: _write(
        folder, "quote.csv", 'institution,parent,unit\nUni A,P,"' + "a" * 4_000_000 + "\n"
    ),
    "jsonl_deep_nesting": lambda folder: _write(folder, "deep.jsonl", "[" * 1_000_000 + "\n"),
    "jsonl_lone_surrogates": lambda folder: _write(
        folder,
        "surrogates.jsonl",
        '{"text": "Bandits \\udfff", "institution": "Uni A", "parent": "ML"}\n'
        '{"text": "Kernels", "institution": "Uni \\ud800", "parent": "ML"}\n'
        '{"text": "Optimal transport", "institution": "Uni A", "parent": "ML"}\n',
    ),
    "yaml_billion_laughs": lambda folder: _write(folder, "laughs.md", _billion_laughs()),
    "bidi_zero_width_homoglyphs": lambda folder: _write(
        folder,
        "tricky.md",
        _front("- Machine\u202e learning\u200b\n- Ro\u00adbotics\u2066\n", "Stanf\u043erd\u200b"),
    ),
    "legacy_encoding_5mb": lambda folder: _write(
        folder,
        "latin1.txt",
        _front("").encode() + ("* Théorie des graphes numéro\n" * 170_000).encode("latin-1"),
    ),
    "random_bytes_5mb": lambda folder: _write(folder, "noise.txt", random.Random(9).randbytes(4_900_000)),
    **{f"fs_{kind}": _filesystem_case(kind) for kind in FILESYSTEM_KINDS},
}


def _status_mb(field: str) -> float | None:
    status = Path("/proc/self/status")
    for line in status.read_text().splitlines() if status.exists() else []:
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return None


def run_worker(root: Path) -> dict[str, object]:
    """S0 on one case's level folder; counts, time and memory as JSON."""
    from taxonomy_assets.policy import load_policy
    from taxonomy_assets.project_paths import POLICIES_DIR
    from taxonomy_assets.s0_source_records import S0Counters, extract_source_lines
    from taxonomy_assets.sources.language import detect_language

    policy = load_policy(POLICIES_DIR, "production").raw_extraction
    detect_language("warm up the language model before measuring")
    before = _status_mb("VmRSS") or 0.0
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM, the peak RSS
    counters = S0Counters()
    reasons: Counter[str] = Counter()
    started = time.perf_counter()
    records = sum(
        1
        for _ in extract_source_lines(
            root / LEVEL, LEVEL, policy, lambda entry: reasons.update([entry.reason]), counters, root
        )
    )
    seconds = time.perf_counter() - started
    return {
        "records": records,
        "quarantined": dict(sorted(reasons.items())),
        "seconds": seconds,
        "rss_before_mb": before,
        "step_peak_mb": _status_mb("VmHWM"),
        "reader_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "reader_processes": counters.reader_processes,
    }


def _outcome(result: dict[str, object]) -> str:
    quarantined = result["quarantined"]
    assert isinstance(quarantined, dict)
    parts = [f"{result['records']} records"] + [f"{reason}x{count}" for reason, count in quarantined.items()]
    return ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(CASES), help="Run only these cases.")
    parser.add_argument("--keep", type=Path, help="Write the corpus here and keep it (for acceptance runs).")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_worker(args.worker)))
        return
    base = Path(tempfile.mkdtemp(prefix="hostile-")) if args.keep is None else args.keep
    print(f"{'case':<32} {'seconds':>8} {'step peak MB':>12} {'reader peak MB':>14}  outcome")
    try:
        for name in args.only or list(CASES):
            root = base / name / "sources"
            (root / LEVEL).mkdir(parents=True)
            CASES[name](root / LEVEL)
            output = subprocess.run(
                [sys.executable, __file__, "--worker", str(root)], capture_output=True, text=True, check=True
            ).stdout
            result = json.loads(output.strip().splitlines()[-1])
            print(
                f"{name:<32} {result['seconds']:>8.2f} {result['step_peak_mb']:>12.0f} "
                f"{result['reader_peak_mb']:>14.0f}  {_outcome(result)}",
                flush=True,
            )
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
