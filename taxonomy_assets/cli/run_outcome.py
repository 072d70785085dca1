"""What the CLI reports about one Dagster run, however it was executed."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RunOutcome:
    label: str
    dagster_run_id: str
    success: bool
    seconds: float
    errors: list[str] = field(default_factory=list)
    materialized: list[tuple[str, int | None]] = field(default_factory=list)
