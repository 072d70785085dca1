"""Manifest assembly from event-log facts: entries per partition, current failures only."""

from taxonomy_assets.run_history import Materialization, StepProblem
from taxonomy_assets.run_manifest import build_manifest


def materialized(asset: str, partition: str | None, at: float, run: str) -> Materialization:
    return Materialization(
        asset=asset,
        partition=partition,
        dagster_run_id=run,
        materialized_at=at,
        step_started_at=at - 2,
        step_finished_at=at,
        checks=[],
        metadata={
            "path": f"/runs/x/{asset}",
            "sha256": "ab" * 32,
            "bytes": 10,
            "dagster/row_count": 3,
            "policy_hash": "p",
            "blocks_kept": 3,
        },
    )


def problem(asset: str, partition: str | None, at: float, status: str = "failed") -> StepProblem:
    return StepProblem(
        asset=asset,
        partition=partition,
        dagster_run_id="r-fail",
        status=status,
        at=at,
        error_class="Failure",
        message="no source folder for L3",
    )


def build(materializations: list[Materialization], problems: list[StepProblem]) -> dict:
    return build_manifest("x", "/runs/x", {"hash": "p"}, {"provider": "rules"}, materializations, problems)


def test_every_asset_partition_has_an_entry() -> None:
    manifest = build([materialized("s0_source_records", "L0", 100.0, "r1")], [])
    assert set(manifest["assets"]["s0_source_records"]) == {"L0", "L1", "L2", "L3"}
    entry = manifest["assets"]["s0_source_records"]["L0"]
    assert entry["status"] == "materialized" and entry["dagster_run_id"] == "r1"
    assert entry["duration_seconds"] == 2.0 and entry["counters"] == {"blocks_kept": 3}
    assert entry["artifacts"] == [
        {"path": "/runs/x/s0_source_records", "sha256": "ab" * 32, "bytes": 10, "rows": 3}
    ]
    assert manifest["assets"]["s0_source_records"]["L1"] == {"status": "missing"}
    assert manifest["assets"]["taxonomy_hierarchy"]["all"] == {"status": "missing"}


def test_failure_is_listed_until_a_later_success_supersedes_it() -> None:
    failing = build(
        [], [problem("s0_source_records", "L3", 200.0), problem("s1_candidates", "L3", 201.0, "skipped")]
    )
    assert [(f["asset"], f["status"]) for f in failing["failures"]] == [
        ("s0_source_records", "failed"),
        ("s1_candidates", "skipped"),
    ]
    assert failing["assets"]["s0_source_records"]["L3"]["status"] == "failed"
    assert failing["assets"]["s0_source_records"]["L3"]["last_problem"]["error_class"] == "Failure"
    fixed = build(
        [
            materialized("s0_source_records", "L3", 300.0, "r2"),
            materialized("s1_candidates", "L3", 301.0, "r2"),
        ],
        [problem("s0_source_records", "L3", 200.0), problem("s1_candidates", "L3", 201.0, "skipped")],
    )
    assert fixed["failures"] == []
    assert fixed["assets"]["s0_source_records"]["L3"]["status"] == "materialized"


def test_failure_after_an_earlier_success_keeps_the_good_artifact_visible() -> None:
    manifest = build(
        [materialized("s2_frequency_table", "L1", 100.0, "r1")], [problem("s2_frequency_table", "L1", 150.0)]
    )
    entry = manifest["assets"]["s2_frequency_table"]["L1"]
    assert entry["status"] == "failed_after_success" and entry["dagster_run_id"] == "r1"
