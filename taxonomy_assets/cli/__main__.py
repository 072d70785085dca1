"""`python -m taxonomy_assets.cli` runs the same command line as the `taxonomy` script."""

from taxonomy_assets.cli import main

main()
