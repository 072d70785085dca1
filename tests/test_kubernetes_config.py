"""The documented Kubernetes deployment (deploy/kubernetes/) is accepted by Dagster: the code location
validates on that instance, the K8sRunLauncher builds from its config, and the k8s executor's run
config validates for the taxonomy jobs. No cluster is contacted."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from dagster import DagsterInstance, validate_run_config

from taxonomy_assets.definitions import defs
from taxonomy_assets.jobs import ASSEMBLY_JOB, LEVELS_JOB
from tests.services import POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, PROJECT_ROOT, postgres_database

pytestmark = pytest.mark.services

DEPLOY = PROJECT_ROOT / "deploy" / "kubernetes"
KUBECONFIG = """
apiVersion: v1
kind: Config
clusters: [{name: test, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: test, user: {token: not-a-real-token}}]
contexts: [{name: test, context: {cluster: test, user: test, namespace: taxonomy}}]
current-context: test
"""


def test_kubernetes_deployment_is_accepted_by_dagster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with postgres_database() as db_name:
        pg_env = {
            "DAGSTER_PG_HOST": POSTGRES_HOST,
            "DAGSTER_PG_PORT": str(POSTGRES_PORT),
            "DAGSTER_PG_USER": POSTGRES_USER,
            "DAGSTER_PG_PASSWORD": "",
            "DAGSTER_PG_DB": db_name,
        }
        home = tmp_path / "home"
        home.mkdir()
        (home / "dagster.yaml").write_text((DEPLOY / "dagster.yaml").read_text())
        env = {
            key: value for key, value in os.environ.items() if not key.startswith(("TAXONOMY_", "DAGSTER_"))
        }
        env.update({"DAGSTER_HOME": str(home), **pg_env})
        validated = subprocess.run(
            [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
            env=env,
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert validated.returncode == 0, validated.stdout + validated.stderr

        settings = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())
        (tmp_path / "kubeconfig").write_text(KUBECONFIG)
        settings["run_launcher"]["config"].update(
            load_incluster_config=False, kubeconfig_file=str(tmp_path / "kubeconfig")
        )
        local_home = tmp_path / "outside-cluster"
        local_home.mkdir()
        (local_home / "dagster.yaml").write_text(yaml.safe_dump(settings))
        for key, value in pg_env.items():
            monkeypatch.setenv(key, value)
        with DagsterInstance.from_config(str(local_home)) as instance:
            launcher = instance.run_launcher
            assert type(launcher).__name__ == "K8sRunLauncher"
            assert launcher.job_namespace == "taxonomy"
            assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"

    run_config = yaml.safe_load((DEPLOY / "run_config.yaml").read_text())
    for job in (LEVELS_JOB, ASSEMBLY_JOB):
        assert validate_run_config(defs.resolve_job_def(job), run_config)
    broken = {**run_config, "execution": {"config": {"k8s": {"job_namespace": 3}}}}
    with pytest.raises(Exception, match="job_namespace"):
        validate_run_config(defs.resolve_job_def(LEVELS_JOB), broken)
