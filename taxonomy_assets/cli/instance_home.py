"""DAGSTER_HOME for CLI runs: `.dagster_home/` in the working folder unless set.

The instance configuration belongs to the user: the project's `dagster.yaml` (local SQLite storage,
queued runs limited per level partition) is copied in only when DAGSTER_HOME has no `dagster.yaml`
of its own, so a home configured for PostgreSQL stays on PostgreSQL.
"""

import os
import shutil
from pathlib import Path

from taxonomy_assets.project_paths import PROJECT_ROOT

DEFAULT_HOME = ".dagster_home"
INSTANCE_FILE = "dagster.yaml"


def ensure_dagster_home() -> Path:
    """Create DAGSTER_HOME on demand, with the project's dagster.yaml only if it has none."""
    home = Path(os.environ.get("DAGSTER_HOME") or Path.cwd() / DEFAULT_HOME).expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    source = PROJECT_ROOT / INSTANCE_FILE
    target = home / INSTANCE_FILE
    if source.is_file() and not target.exists():
        shutil.copyfile(source, target)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def describe_instance() -> dict[str, str]:
    """What the instance in DAGSTER_HOME is made of: storage (URL without password), queue, launcher.

    Opening the instance connects to its storage, so an unreachable database shows up here.
    """
    from dagster import DagsterInstance
    from sqlalchemy.engine import make_url

    home = ensure_dagster_home()
    with DagsterInstance.get() as instance:
        storage = type(instance.run_storage).__name__
        url = getattr(instance.run_storage, "postgres_url", None)
        if url:
            where = make_url(url).render_as_string(hide_password=True)
            kind = "postgres"
        else:
            where, kind = str(home), "sqlite" if "Sqlite" in storage else storage
        return {
            "dagster_home": str(home),
            "instance_storage": f"{kind} {where}",
            "run_coordinator": type(instance.run_coordinator).__name__,
            "run_launcher": type(instance.run_launcher).__name__,
        }
