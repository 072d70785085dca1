"""What is not imported until it is needed: the command line starts its workers before it loads any
policy or Dagster code, and openpyxl is loaded by the first workbook, not by every worker's start-up."""

import subprocess
import sys
from pathlib import Path

from openpyxl import Workbook


def run_python(script: str) -> list[str]:
    """The words a fresh interpreter prints running `script`."""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout.split()


def test_the_command_line_loads_no_policy_or_dagster_before_its_workers_start() -> None:
    script = (
        "import sys\n"
        "import taxonomy_assets.cli, taxonomy_assets.cli.worker_pool\n"
        "for name in ('taxonomy_assets.policy', 'pydantic', 'dagster', 'taxonomy_assets.cli.settings'):\n"
        "    print(name in sys.modules)\n"
    )
    assert run_python(script) == ["False", "False", "False", "True"]


def test_openpyxl_is_loaded_by_the_first_workbook(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["unit"])
    book.active.append(["Department of Physics"])
    workbook = tmp_path / "units.xlsx"
    book.save(workbook)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from taxonomy_assets.sources.tabular import _open_workbook\n"
        "print('openpyxl' in sys.modules)\n"
        f"_open_workbook(Path({str(workbook)!r}).read_bytes(), 'units.xlsx')\n"
        "print('openpyxl' in sys.modules)\n"
    )
    assert run_python(script) == ["False", "True"]
