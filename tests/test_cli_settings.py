"""Settings read the same way in every command; requests a pinned policy would override are refused;
`--set` overrides and `--limit` audit runs."""

import json

import yaml

from taxonomy_assets.levels import LEVELS
from taxonomy_assets.policy import load_policy, parse_overrides, policy_hash
from taxonomy_assets.project_paths import POLICIES_DIR
from tests.conftest import CliWorld, fingerprint, read_manifest, run_cli


def _validate(world: CliWorld, *args: str, **env: str):
    return run_cli(["config", "validate", *args], {**world.env, **env}, cwd=world.output_root.parent)


def _hash(environment: str, *overrides: str) -> str:
    return policy_hash(load_policy(POLICIES_DIR, environment, parse_overrides(overrides)))


def test_config_validate_reads_the_environment_like_pipeline_run(cli_world: CliWorld) -> None:
    from_variable = _validate(cli_world, TAXONOMY_ENVIRONMENT="production")
    assert from_variable.returncode == 0, from_variable.stderr
    assert "environment production" in from_variable.stdout
    assert f"policy_hash {_hash('production')}" in from_variable.stdout
    flag_wins = _validate(cli_world, "--environment", "development", TAXONOMY_ENVIRONMENT="production")
    assert f"policy_hash {_hash('development')}" in flag_wins.stdout


def test_set_overrides_are_validated_like_the_files(cli_world: CliWorld) -> None:
    result = _validate(
        cli_world, "--set", "levels.L3.min_institutions=1", "--set", "hierarchy.preview_nodes=7"
    )
    assert result.returncode == 0, result.stderr
    expected = _hash("testing", "levels.L3.min_institutions=1", "hierarchy.preview_nodes=7")
    assert f"policy_hash {expected}" in result.stdout and expected != _hash("testing")
    assert "override levels.L3.min_institutions=1" in result.stdout

    misspelt = _validate(cli_world, "--set", "levels.L3.min_institution=1")
    assert misspelt.returncode == 2
    assert misspelt.stderr.count("\n") == 1
    assert "levels.L3.min_institution: Extra inputs are not permitted" in misspelt.stderr
    wrong_type = _validate(cli_world, "--set", "levels.L3.min_institutions=many")
    assert wrong_type.returncode == 2 and "levels.L3.min_institutions" in wrong_type.stderr
    no_value = _validate(cli_world, "--set", "levels.L3.min_institutions")
    assert no_value.returncode == 2 and "section.key=value" in no_value.stderr


def test_a_request_the_pin_would_override_is_refused(cli_world: CliWorld, baseline: dict) -> None:
    folder = cli_world.folder("base")
    before = fingerprint(folder)
    for request in (["--environment", "production"], ["--set", "levels.L2.min_institutions=1"]):
        result = cli_world.run("pipeline", "run", "--run-id", "base", "--resume-phase", "hierarchy", *request)
        assert result.returncode == 2, result.stderr
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith("error: run folder") and "--repin-policies" in line
    variable = run_cli(
        ["pipeline", "run", "--run-id", "base", "--resume-phase", "hierarchy"],
        {**cli_world.env, "TAXONOMY_ENVIRONMENT": "production"},
        cwd=cli_world.output_root.parent,
    )
    assert variable.returncode == 2 and "pinned to environment 'testing'" in variable.stderr
    assert fingerprint(folder) == before


def test_audit_run_with_overrides_records_them_in_the_pin(cli_world: CliWorld) -> None:
    # two documents per level hold too few institutions for the usual support thresholds
    overrides = [
        *("--set", "levels.L2.min_institutions=1", "--set", "levels.L3.min_institutions=1"),
        *("--set", "hierarchy.preview_nodes=7"),
    ]
    result = cli_world.run("pipeline", "run", "--run-id", "audit", "--limit", "2", *overrides)
    assert result.returncode == 0, result.stderr
    assert "audit mode: the first 2 documents of each level" in result.stderr
    folder = cli_world.folder("audit")
    pin = json.loads((folder / "policy.pin.json").read_text())
    assert pin["overrides"] == [overrides[1], overrides[3], overrides[5]]
    snapshot = yaml.safe_load((folder / "policy.snapshot.yaml").read_text())
    assert snapshot["levels"]["L3"]["min_institutions"] == 1 and snapshot["hierarchy"]["preview_nodes"] == 7

    manifest = read_manifest(folder)
    assert manifest["audit_limit"] == dict.fromkeys(LEVELS, 2)
    assert manifest["policy"]["overrides"] == pin["overrides"]
    for level in LEVELS:
        counters = manifest["assets"]["s0_source_records"][level]["counters"]
        assert counters["documents_seen"] == 2
        # nothing unaccounted for: every entry walked was read or ignored with a reason
        assert counters["entries_walked"] == sum(counters["entries_ignored_by_reason"].values()) + 2
    level_one = manifest["assets"]["s0_source_records"]["L1"]["counters"]["entries_ignored_by_reason"]
    assert level_one["beyond_audit_limit"] >= 20
    assert (folder / "hierarchy" / "hierarchy.html").is_file()

    # resuming with the same overrides is no conflict; with none, the pin is taken as it is
    same = cli_world.run("pipeline", "run", "--run-id", "audit", "--resume-phase", "hierarchy", *overrides)
    assert same.returncode == 0, same.stderr
    plain = cli_world.run("pipeline", "run", "--run-id", "audit", "--resume-phase", "hierarchy")
    assert plain.returncode == 0, plain.stderr
    assert json.loads((folder / "policy.pin.json").read_text()) == pin


def test_pipeline_run_without_dagster_home_uses_one_in_the_working_folder(
    cli_world: CliWorld, tmp_path
) -> None:
    """The README's first command, in a fresh folder with nothing set: the CLI and its worker processes
    share `.dagster_home/` in the working folder."""
    unset = {"DAGSTER_HOME", "TAXONOMY_OUTPUT_ROOT"}
    env = {key: value for key, value in cli_world.env.items() if key not in unset}
    result = run_cli(["pipeline", "run", "--run-id", "fresh"], env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"DAGSTER_HOME {tmp_path / '.dagster_home'}" in result.stderr
    assert (tmp_path / ".dagster_home" / "dagster.yaml").is_file()
    manifest = read_manifest(tmp_path / "output" / "runs" / "fresh")
    assert manifest["failures"] == [] and "taxonomy_hierarchy" in manifest["assets"]
