"""Policy loading: overlays merge, includes resolve, unknown keys and bad values fail precisely."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from taxonomy_assets.policy import PolicyError, load_policy, policy_hash, policy_to_yaml
from taxonomy_assets.policy.loader import deep_merge, load_policy_file
from tests.conftest import PROJECT_ROOT


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(PROJECT_ROOT / "policies", target)
    return target


def test_environment_overlay_is_deep_merged(policies: Path) -> None:
    default = load_policy(policies)
    testing = load_policy(policies, "testing")
    assert testing.raw_extraction.shard_size == 25
    assert testing.raw_extraction.max_chars == default.raw_extraction.max_chars
    assert policy_hash(default) != policy_hash(testing)


def test_deep_merge_replaces_lists_and_merges_mappings() -> None:
    merged = deep_merge({"a": {"x": 1, "y": [1, 2]}, "b": 1}, {"a": {"y": [3]}, "c": 2})
    assert merged == {"a": {"x": 1, "y": [3]}, "b": 1, "c": 2}


def test_a_file_is_parsed_once_per_content_and_its_parse_is_left_unchanged(policies: Path) -> None:
    import yaml

    from taxonomy_assets.policy import loader

    narrow = policies / "lexicon" / "fields_narrow.yaml"
    before = load_policy(policies, "production")
    parsed = loader._PARSED[narrow.read_bytes()]
    assert load_policy(policies, "testing").extraction.fields == before.extraction.fields
    # building policies from the shared parse changed nothing in it
    assert parsed == yaml.safe_load(narrow.read_text(encoding="utf-8"))
    # new bytes are a new parse: an edited lexicon file is read as edited
    narrow.write_text(narrow.read_text(encoding="utf-8") + "- zymurgy\n", encoding="utf-8")
    assert "zymurgy" in load_policy(policies, "production").extraction.fields.narrow
    assert "zymurgy" not in before.extraction.fields.narrow


def test_unknown_key_names_section_and_key(policies: Path) -> None:
    default = policies / "default.yaml"
    default.write_text(
        default.read_text().replace(
            "orphan_strategy: quarantine", "orphan_strategy: quarantine\n  orphan_stratgy: x"
        )
    )
    with pytest.raises(PolicyError, match=r"hierarchy\.orphan_stratgy: Extra inputs are not permitted"):
        load_policy(policies)


def test_invalid_value_is_reported_with_its_path(policies: Path) -> None:
    overlay = policies / "environments" / "testing.yaml"
    overlay.write_text("levels:\n  L2:\n    min_institutions: 0\n")
    with pytest.raises(PolicyError, match=r"testing\.yaml.*levels\.L2\.min_institutions"):
        load_policy(policies, "testing")


def test_unknown_environment_lists_the_known_ones(policies: Path) -> None:
    with pytest.raises(PolicyError, match=r"unknown environment 'staging'.*development"):
        load_policy(policies, "staging")


def test_include_cannot_escape_the_policies_folder(policies: Path) -> None:
    default = policies / "default.yaml"
    default.write_text(default.read_text().replace('"lexicon/extraction.yaml"', '"../../etc/passwd"'))
    with pytest.raises(PolicyError, match="outside"):
        load_policy(policies)


def test_snapshot_round_trips_to_the_same_hash(policies: Path, tmp_path: Path) -> None:
    policy = load_policy(policies, "production")
    snapshot = tmp_path / "policy.snapshot.yaml"
    snapshot.write_text(policy_to_yaml(policy))
    assert policy_hash(load_policy_file(snapshot)) == policy_hash(policy)
    assert policy_to_yaml(load_policy_file(snapshot)) == snapshot.read_text()


def test_a_snapshot_pinned_here_is_read_back_as_the_policy_that_wrote_it(
    policies: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process that pins a run folder keeps what it wrote instead of parsing it again; that policy is
    the one any other process parses from the file."""
    from taxonomy_assets.policy import loader
    from taxonomy_resources.policy_resource import PolicyResource
    from taxonomy_resources.run_folder import RunFolderResource

    folder = RunFolderResource(output_root=str(tmp_path), run_id="pinned")
    resource = PolicyResource(policies_dir=str(policies), environment="production", run_folder=folder)
    pinned = resource.pinned("dagster-run")
    assert pinned.state == "pinned"
    assert load_policy_file(folder.policy_snapshot_path) is pinned.policy
    monkeypatch.setattr(loader, "_LOADED_FILES", {})
    monkeypatch.setattr(loader, "_PARSED", {})
    parsed = load_policy_file(folder.policy_snapshot_path)
    assert parsed is not pinned.policy
    assert parsed == pinned.policy
    assert policy_hash(parsed) == pinned.hash
    assert resource.pinned("dagster-run").policy is parsed


def test_the_policy_hash_follows_values_not_objects(policies: Path) -> None:
    policy = load_policy(policies, "production")
    digest = policy_hash(policy)
    assert policy_hash(policy) == digest
    assert policy_hash(policy.model_copy(deep=True)) == digest
    label = policy.label.model_copy(update={"max_length": policy.label.max_length + 1})
    assert policy_hash(policy.model_copy(update={"label": label})) != digest


BROKEN_POLICIES = {
    "non_utf8_overlay": ("environments/testing.yaml", "replace", "not UTF-8 \\(byte 0xe9"),
    "include_of_a_folder": ("default.yaml", "include", "lexicon: not a regular file"),
    "include_of_a_fifo": ("default.yaml", "fifo", "pipe.yaml: not a regular file"),
    "yaml_syntax_error": ("environments/testing.yaml", "syntax", "not valid YAML"),
}


def break_policies(policies: Path, case: str) -> None:
    target, how, _ = BROKEN_POLICIES[case]
    path = policies / target
    if how == "replace":
        path.write_bytes("raw_extraction:\n  shard_size: 25 # réglé\n".encode("latin-1"))
    elif how == "syntax":
        path.write_text("raw_extraction: [unclosed\n  shard_size: 25\n")
    else:
        name = "lexicon" if how == "include" else "lexicon/pipe.yaml"
        if how == "fifo":
            os.mkfifo(policies / name)
        path.write_text(path.read_text().replace('"lexicon/extraction.yaml"', f'"{name}"'))


@pytest.mark.parametrize("case", sorted(BROKEN_POLICIES))
def test_unusable_policy_files_are_a_policy_error_naming_the_file(policies: Path, case: str) -> None:
    break_policies(policies, case)
    with pytest.raises(PolicyError, match=BROKEN_POLICIES[case][2]):
        load_policy(policies, "testing")


@pytest.mark.parametrize("case", sorted(BROKEN_POLICIES))
def test_cli_reports_an_unusable_policy_in_one_line_with_exit_2(policies: Path, case: str) -> None:
    break_policies(policies, case)
    command = ["config", "validate", "--policies", str(policies), "--environment", "testing"]
    result = subprocess.run(
        [sys.executable, "-m", "taxonomy_assets.cli", *command],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
