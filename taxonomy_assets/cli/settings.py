"""Settings every command reads the same way: a flag, else its TAXONOMY_* variable, else the default.

The policy is the one exception to "else the default": a run folder that already has a pinned policy
keeps it unless the command asks for something else, and then the request is refused unless it also
says --repin-policies (see taxonomy_resources.policy_resource.pin_conflict).
"""

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from taxonomy_assets.project_paths import POLICIES_DIR

if TYPE_CHECKING:
    from taxonomy_assets.policy import Policy

EXIT_USAGE = 2
ENVIRONMENT_VARIABLE = "TAXONOMY_ENVIRONMENT"
DEFAULT_ENVIRONMENT = "development"


class UsageProblem(click.ClickException):
    """A problem the user can fix; printed as one line, exit code 2."""

    exit_code = EXIT_USAGE

    def show(self, file: TextIO | None = None) -> None:
        # one line, whatever the message carries (YAML errors span several)
        click.echo(f"error: {' '.join(self.message.split())}", err=True)


def output_root(value: str | None) -> str:
    return value or os.environ.get("TAXONOMY_OUTPUT_ROOT") or "output"


def run_id(value: str | None) -> str:
    from taxonomy_resources.run_ids import InvalidRunIdError, validate_run_id

    try:
        return validate_run_id(value or os.environ.get("TAXONOMY_RUN_ID") or "dev")
    except InvalidRunIdError as exc:
        raise UsageProblem(str(exc)) from exc


def policies_dir(value: Path | None) -> Path:
    return value or Path(os.environ.get("TAXONOMY_POLICIES_DIR") or POLICIES_DIR)


def requested_environment(value: str | None) -> str | None:
    """The environment the user asked for (flag or $TAXONOMY_ENVIRONMENT); None if neither."""
    return value or os.environ.get(ENVIRONMENT_VARIABLE) or None


def effective_environment(value: str | None) -> str:
    return requested_environment(value) or DEFAULT_ENVIRONMENT


def policy(
    environment: str | None, policies: Path | None = None, overrides: tuple[str, ...] = ()
) -> "Policy":
    """The effective policy for these settings; any problem is one usage line (exit 2)."""
    # imported here, not with the command line: `pipeline run` starts its workers before it needs one
    from taxonomy_assets.policy import PolicyError, load_policy, parse_overrides

    try:
        return load_policy(
            policies_dir(policies), effective_environment(environment), parse_overrides(overrides)
        )
    except PolicyError as exc:
        raise UsageProblem(str(exc)) from exc


environment_option = click.option(
    "--environment",
    default=None,
    help=f"Policy overlay: development, testing or production (default: ${ENVIRONMENT_VARIABLE} or "
    f"{DEFAULT_ENVIRONMENT}).",
)
policies_option = click.option(
    "--policies",
    "policies_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Policies folder (default: $TAXONOMY_POLICIES_DIR or ./policies).",
)
set_option = click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="SECTION.KEY=VALUE",
    help="Override one policy value (YAML), e.g. --set levels.L3.min_institutions=1; repeatable, "
    "validated like the files and recorded in the run folder's pin.",
)


def policy_options(command: Any) -> Any:
    """--environment, --policies and --set, shared by every command that loads the policy."""
    for option in (set_option, policies_option, environment_option):
        command = option(command)
    return command
