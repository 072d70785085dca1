"""DAGSTER_HOME for CLI runs: `.dagster_home/` in the working folder unless set, with our dagster.yaml."""

import os
import shutil
from pathlib import Path

from taxonomy_assets.project_paths import PROJECT_ROOT

DEFAULT_HOME = ".dagster_home"


def ensure_dagster_home() -> Path:
    """Create DAGSTER_HOME on demand and keep its dagster.yaml in step with the project's."""
    home = Path(os.environ.get("DAGSTER_HOME") or Path.cwd() / DEFAULT_HOME).expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    source = PROJECT_ROOT / "dagster.yaml"
    target = home / "dagster.yaml"
    if source.is_file() and (not target.exists() or target.read_bytes() != source.read_bytes()):
        shutil.copyfile(source, target)
    os.environ["DAGSTER_HOME"] = str(home)
    return home
