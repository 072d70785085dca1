"""`python -m taxonomy_assets.cli` and the `taxonomy` script: the command line, ended without teardown."""

from taxonomy_assets.cli import main
from taxonomy_assets.cli.process_exit import run_then_exit


def run() -> None:
    run_then_exit(main)


if __name__ == "__main__":
    run()
