"""Deterministic text rules for S1 (extract + normalize labels) and S3 (verify labels); no Dagster here."""

from taxonomy_assets.rules.extract import RuleExtractor
from taxonomy_assets.rules.normalize import LabelNormalizer
from taxonomy_assets.rules.verify import RuleVerifier

__all__ = ["LabelNormalizer", "RuleExtractor", "RuleVerifier"]
