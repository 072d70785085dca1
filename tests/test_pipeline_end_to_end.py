"""End-to-end behaviour of the asset graph through the real CLI and a real Dagster instance."""

import shutil
from pathlib import Path

import pyarrow.parquet as pq
from dagster import DagsterInstance, ReexecutionOptions, execute_job, reconstructable

from taxonomy_assets.cli import job_targets
from taxonomy_assets.constants import PER_LEVEL_ASSETS
from taxonomy_assets.levels import LEVELS
from tests.conftest import VOLATILE_FILES, CliWorld, artifact_files, fingerprint, read_manifest, sha256

STAGE_FILES = {
    "S1": "candidates.parquet",
    "S2": "frequency.parquet",
    "S3": "concepts.parquet",
    "consolidated": "concepts.parquet",
}
HIERARCHY_FILES = {
    "nodes.parquet",
    "edges.parquet",
    "orphans.parquet",
    "hierarchy.json",
    "hierarchy.md",
    "summary.json",
    "taxonomy.duckdb",
}


def _run_ids(manifest: dict, asset: str) -> dict[str, str]:
    return {partition: entry.get("dagster_run_id") for partition, entry in manifest["assets"][asset].items()}


def test_whole_graph_materializes_every_level(cli_world: CliWorld, baseline: dict) -> None:
    folder = cli_world.folder("base")
    for level in LEVELS:
        assert (folder / "S0" / level / "_index.json").is_file()
        assert list((folder / "S0" / level).glob("shard-*.jsonl"))
        for stage, file_name in STAGE_FILES.items():
            assert (folder / stage / level / file_name).is_file(), f"{stage}/{level} missing"
    assert {path.name for path in (folder / "hierarchy").iterdir()} >= HIERARCHY_FILES
    nodes = pq.read_table(folder / "hierarchy" / "nodes.parquet").to_pylist()
    assert {node["level"] for node in nodes} == set(LEVELS)
    assert all(node["parent_id"] is None for node in nodes if node["level"] == "L0")
    assert (folder / "policy.snapshot.yaml").is_file()

    manifest = read_manifest(folder)
    assert manifest["failures"] == []
    for asset in PER_LEVEL_ASSETS:
        for level in LEVELS:
            entry = manifest["assets"][asset][level]
            assert entry["status"] == "materialized", (asset, level, entry)
            assert entry["dagster_run_id"] and entry["duration_seconds"] is not None
            for artifact in entry["artifacts"]:
                assert (
                    sha256(
                        Path(artifact["path"])
                        if asset != "s0_source_records"
                        else Path(artifact["path"]) / "_index.json"
                    )
                    == artifact["sha256"]
                )
    hierarchy_entry = manifest["assets"]["taxonomy_hierarchy"]["all"]
    assert {check["name"] for check in hierarchy_entry["checks"] if check["passed"]} >= {
        "no_cycles",
        "unique_path",
        "parent_is_one_level_up",
        "l0_has_no_parent",
    }


def test_two_fresh_runs_give_identical_artifacts(cli_world: CliWorld, baseline: dict) -> None:
    result = cli_world.run("pipeline", "run", "--run-id", "twin")
    assert result.returncode == 0, result.stderr
    twin = fingerprint(cli_world.folder("twin"))
    stable = {name for name in baseline if Path(name).name not in VOLATILE_FILES}
    assert stable and stable == {name for name in twin if Path(name).name not in VOLATILE_FILES}
    assert {name: baseline[name][0] for name in stable} == {name: twin[name][0] for name in stable}
    # the DuckDB file embeds a random database id; its table contents must still be identical
    duckdb_hashes = [
        read_manifest(cli_world.folder(run))["assets"]["taxonomy_hierarchy"]["all"]["artifacts"]
        for run in ("base", "twin")
    ]
    content = [
        next(a["content_sha256"] for a in artifacts if a["path"].endswith("taxonomy.duckdb"))
        for artifacts in duckdb_hashes
    ]
    assert content[0] == content[1]


def test_resume_from_s2_leaves_s0_s1_untouched(cli_world: CliWorld, baseline: dict) -> None:
    folder = cli_world.folder("base")
    before_files = fingerprint(folder)
    before = read_manifest(folder)
    result = cli_world.run("pipeline", "run", "--run-id", "base", "--resume-phase", "S2")
    assert result.returncode == 0, result.stderr
    after_files = fingerprint(folder)
    after = read_manifest(folder)
    upstream = [name for name in before_files if name.startswith(("S0/", "S1/"))]
    assert upstream and all(after_files[name] == before_files[name] for name in upstream)
    for asset in ("s0_source_records", "s1_candidates"):
        assert _run_ids(after, asset) == _run_ids(before, asset)
    for asset in (
        "s2_frequency_table",
        "s3_verified_concepts",
        "consolidated_concepts",
        "taxonomy_hierarchy",
    ):
        assert set(_run_ids(after, asset).values()).isdisjoint(_run_ids(before, asset).values())
    downstream = [name for name in before_files if name.startswith(("S2/", "S3/", "consolidated/"))]
    assert all(after_files[name][0] == before_files[name][0] for name in downstream)


def test_backfilling_one_level_touches_only_that_level(cli_world: CliWorld, baseline: dict) -> None:
    folder = cli_world.folder("base")
    before_files = fingerprint(folder)
    before = read_manifest(folder)
    result = cli_world.run("pipeline", "run", "--run-id", "base", "--level", "L1")
    assert result.returncode == 0, result.stderr
    after_files = fingerprint(folder)
    after = read_manifest(folder)
    for asset in PER_LEVEL_ASSETS:
        before_ids, after_ids = _run_ids(before, asset), _run_ids(after, asset)
        assert after_ids["L1"] != before_ids["L1"]
        assert {lvl: after_ids[lvl] for lvl in ("L0", "L2", "L3")} == {
            lvl: before_ids[lvl] for lvl in ("L0", "L2", "L3")
        }
    other_levels = [
        name
        for name in before_files
        if name.startswith(("S0/", "S1/", "S2/", "S3/", "consolidated/")) and "/L1/" not in name
    ]
    assert other_levels and all(after_files[name] == before_files[name] for name in other_levels)
    level_one = [name for name in before_files if "/L1/" in name]
    assert all(after_files[name][1] != before_files[name][1] for name in level_one)


def test_failed_step_is_recorded_and_rerun_resumes(
    cli_world: CliWorld, sample_copy: Path, tmp_path: Path
) -> None:
    parked = tmp_path / "parked-L3"
    shutil.move(sample_copy / "L3", parked)
    result = cli_world.run("pipeline", "run", "--run-id", "broken", "--sources", str(sample_copy))
    assert result.returncode == 1
    assert "s0_source_records" in result.stderr
    folder = cli_world.folder("broken")
    manifest = read_manifest(folder)
    failure = next(f for f in manifest["failures"] if f["asset"] == "s0_source_records")
    assert failure["partition"] == "L3" and "no source folder for L3" in failure["message"]
    assert failure["error_class"]
    assert manifest["assets"]["s0_source_records"]["L3"]["status"] == "failed"
    assert manifest["assets"]["s1_candidates"]["L3"]["status"] in {"missing", "skipped"}
    assert manifest["assets"]["taxonomy_hierarchy"]["all"]["status"] == "missing"
    assert not (folder / "hierarchy").exists()
    good_levels = {name: value for name, value in fingerprint(folder).items() if name.startswith("S")}
    failed_run = failure["dagster_run_id"]

    shutil.move(parked, sample_copy / "L3")
    with DagsterInstance.from_config(str(cli_world.home)) as instance:
        parent = instance.get_run_by_id(failed_run)
        assert parent is not None
        rerun = execute_job(
            reconstructable(job_targets.levels_job),
            instance=instance,
            tags=parent.tags,
            reexecution_options=ReexecutionOptions.from_failure(failed_run, instance),
        )
    assert rerun.success
    result = cli_world.run(
        "pipeline", "run", "--run-id", "broken", "--sources", str(sample_copy), "--resume-phase", "hierarchy"
    )
    assert result.returncode == 0, result.stderr
    after = fingerprint(folder)
    assert all(after[name] == value for name, value in good_levels.items())
    manifest = read_manifest(folder)
    assert manifest["failures"] == []
    assert manifest["assets"]["s0_source_records"]["L3"]["dagster_run_id"] == rerun.run_id
    assert {path.name for path in (folder / "hierarchy").iterdir()} >= HIERARCHY_FILES
    assert all(name not in VOLATILE_FILES for name in artifact_files(folder / "S0"))


def test_invalid_run_id_is_refused(cli_world: CliWorld) -> None:
    result = cli_world.run("pipeline", "run", "--run-id", "../x")
    assert result.returncode == 2
    assert "invalid run id '../x'" in result.stderr
    assert not (cli_world.output_root / "x").exists()


def test_invalid_policy_is_refused_with_the_offending_key(cli_world: CliWorld, tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(Path(__file__).resolve().parents[1] / "policies", policies)
    default = policies / "default.yaml"
    default.write_text(default.read_text().replace("shard_size: 1000", "shard_size: 1000\n  shard_sise: 5"))
    result = cli_world.run("config", "validate", "--policies", str(policies))
    assert result.returncode == 2
    assert "raw_extraction.shard_sise" in result.stderr
    result = cli_world.run("pipeline", "run", "--run-id", "nope", "--policies", str(policies))
    assert result.returncode == 2 and "raw_extraction.shard_sise" in result.stderr
    ok = cli_world.run("config", "validate", "--environment", "production")
    assert ok.returncode == 0 and "policy_hash" in ok.stdout
