"""One static partition per taxonomy level; S0-S3 are independent per level and backfill alone."""

from dagster import StaticPartitionsDefinition

from taxonomy_assets.levels import LEVELS

LEVEL_PARTITIONS = StaticPartitionsDefinition(list(LEVELS))
