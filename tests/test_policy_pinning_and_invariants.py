"""Policy pinning across resumes, and a broken tree stopped by the blocking invariant checks."""

import shutil

import pyarrow as pa
import pyarrow.parquet as pq

from tests.conftest import CliWorld, fingerprint, read_manifest


def test_resumes_use_the_pinned_policy_until_repinned(cli_world: CliWorld) -> None:
    folder = cli_world.folder("pin")
    assert cli_world.run("pipeline", "run", "--run-id", "pin").returncode == 0
    pinned = (folder / "policy.snapshot.yaml").read_text()
    assert "shard_size: 25" in pinned and "orphan_strategy: quarantine" in pinned

    # asking for another environment without --repin-policies is refused, not silently ignored
    refused = cli_world.run(
        "pipeline", "run", "--run-id", "pin", "--resume-phase", "hierarchy", "--environment", "production"
    )
    assert refused.returncode == 2 and "--repin-policies" in refused.stderr
    # asking for nothing resumes with the pinned policy
    resumed = cli_world.run("pipeline", "run", "--run-id", "pin", "--resume-phase", "hierarchy")
    assert resumed.returncode == 0, resumed.stderr
    assert "pinned" in resumed.stderr
    assert (folder / "policy.snapshot.yaml").read_text() == pinned
    manifest = read_manifest(folder)
    assert manifest["policy"]["environment"] == "testing" and manifest["policy"]["repinned"] is False

    repinned = cli_world.run(
        "pipeline",
        "run",
        "--run-id",
        "pin",
        "--resume-phase",
        "hierarchy",
        "--environment",
        "production",
        "--repin-policies",
    )
    assert repinned.returncode == 0, repinned.stderr
    snapshot = (folder / "policy.snapshot.yaml").read_text()
    assert "shard_size: 5000" in snapshot and "orphan_strategy: placeholder" in snapshot
    manifest = read_manifest(folder)
    assert manifest["policy"]["environment"] == "production" and manifest["policy"]["repinned"] is True
    hierarchy = manifest["assets"]["taxonomy_hierarchy"]["all"]
    assert hierarchy["counters"]["orphan_strategy"] == "placeholder"
    assert hierarchy["policy"]["policy_hash"] == manifest["policy"]["hash"]


def test_broken_tree_fails_blocking_checks_and_keeps_the_previous_hierarchy(
    cli_world: CliWorld, baseline
) -> None:
    folder = cli_world.folder("tamper")
    shutil.copytree(cli_world.folder("base"), folder)
    (folder / "manifest.json").unlink()
    concepts_path = folder / "consolidated" / "L2" / "concepts.parquet"
    original = concepts_path.read_bytes()
    table = pq.read_table(concepts_path)
    first_passed = table.filter(pa.compute.equal(table["passed"], True)).slice(0, 1)
    pq.write_table(pa.concat_tables([table, first_passed]), concepts_path)  # a concept listed twice
    before = fingerprint(folder / "hierarchy")

    broken = cli_world.run("pipeline", "run", "--run-id", "tamper", "--resume-phase", "hierarchy")
    assert broken.returncode == 1
    assert "taxonomy_hierarchy" in broken.stderr
    assert fingerprint(folder / "hierarchy") == before, "the previous good hierarchy must survive"
    failed_builds = list((folder / "quarantine" / "_failed").glob("*/hierarchy/all/nodes.parquet"))
    assert len(failed_builds) == 1
    manifest = read_manifest(folder)
    failure = next(f for f in manifest["failures"] if f["asset"] == "taxonomy_hierarchy")
    assert failure["status"] == "failed" and "asset check" in failure["message"].lower()
    assert manifest["assets"]["taxonomy_hierarchy"]["all"]["status"] == "failed"

    concepts_path.write_bytes(original)
    fixed = cli_world.run("pipeline", "run", "--run-id", "tamper", "--resume-phase", "hierarchy")
    assert fixed.returncode == 0, fixed.stderr
    manifest = read_manifest(folder)
    assert manifest["failures"] == []
    checks = manifest["assets"]["taxonomy_hierarchy"]["all"]["checks"]
    assert len(checks) == 6 and all(check["passed"] for check in checks)


def test_a_run_that_finds_the_snapshot_finds_the_pin_record_that_goes_with_it(tmp_path, monkeypatch) -> None:
    """Level runs pin at the same moment: a second run that looks while the first is pinning must never
    see a snapshot without its record (it would take the folder as pinned to the default environment
    and refuse to run)."""
    from taxonomy_assets.project_paths import POLICIES_DIR
    from taxonomy_resources import policy_resource
    from taxonomy_resources.policy_resource import PolicyResource
    from taxonomy_resources.run_folder import RunFolderResource

    folder = RunFolderResource(output_root=str(tmp_path), run_id="race")
    testing = PolicyResource(policies_dir=str(POLICIES_DIR), environment="testing", run_folder=folder)
    seen_by_the_other_run = []
    write = policy_resource.atomic_write_bytes
    looking = []

    def write_then_look(path, data):
        write(path, data)
        if looking:  # the other run's own writes, while it looks
            return
        # what a concurrent level run asking for the same environment gets after each write
        looking.append(path)
        other = PolicyResource(policies_dir=str(POLICIES_DIR), environment="testing", run_folder=folder)
        seen_by_the_other_run.append(other.pinned("other-run").environment)
        looking.clear()

    monkeypatch.setattr(policy_resource, "atomic_write_bytes", write_then_look)
    assert testing.pinned("first-run").environment == "testing"
    assert seen_by_the_other_run and set(seen_by_the_other_run) == {"testing"}
