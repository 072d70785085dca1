"""`pipeline run` reports each step of the runs of its run folder as the event log records it, and stops
reading a run's events once the run has ended."""

import io
from pathlib import Path

import pytest
from dagster import asset, materialize

from taxonomy_assets.cli.progress import LEVEL_TAG, PipelineProgress
from taxonomy_assets.constants import RUN_FOLDER_TAG
from taxonomy_assets.project_paths import PROJECT_ROOT
from taxonomy_resources.sqlite_event_log import open_instance


@asset
def unit_names() -> list[str]:
    return ["Department of Chemistry", "School of Law"]


@asset
def unit_count(unit_names: list[str]) -> int:
    return len(unit_names)


def test_steps_are_reported_and_ended_runs_are_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "dagster.yaml").write_text((PROJECT_ROOT / "dagster.yaml").read_text())
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    stream = io.StringIO()
    with open_instance(tmp_path) as instance:
        progress = PipelineProgress("runs/base", total_steps=2, stream=stream)
        with progress:
            other = materialize([unit_names], instance=instance, tags={RUN_FOLDER_TAG: "runs/other"})
            ours = materialize(
                [unit_names, unit_count],
                instance=instance,
                tags={RUN_FOLDER_TAG: "runs/base", LEVEL_TAG: "L1"},
            )
            progress.catch_up()
        assert ours.success and other.success
        lines = stream.getvalue().splitlines()
        assert [line.split()[:3] for line in lines] == [
            ["L1", "unit_names", "started"],
            ["L1", "unit_names", "done"],
            ["L1", "unit_count", "started"],
            ["L1", "unit_count", "done"],
        ]
        assert progress.steps_done == 2 and not progress.failures
        assert set(progress._runs) == {ours.run_id}  # another run folder's run is not followed
        assert progress._runs[ours.run_id].ended

        def must_not_read(*args: object) -> None:
            raise AssertionError("an ended run's events were read again")

        monkeypatch.setattr(progress, "_read", must_not_read)
        progress._poll(instance)
