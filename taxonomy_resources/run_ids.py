"""Run ids: the name of a run folder under the output root, and of its key in the `run` partition
dimension. Kept apart from the run-folder resource so the CLI can check one before importing Dagster."""

import re

RUN_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class InvalidRunIdError(ValueError):
    """A run id that could name a path outside the output root, or is otherwise malformed."""


def validate_run_id(run_id: str) -> str:
    if not RUN_ID_PATTERN.fullmatch(run_id) or run_id in {".", ".."} or ".." in run_id:
        raise InvalidRunIdError(
            f"invalid run id {run_id!r}: use 1-64 characters from A-Z a-z 0-9 . _ -, starting with a letter "
            "or digit, and no '..'"
        )
    return run_id
