"""Policies: versioned YAML, deep-merged per environment, validated by strict pydantic models."""

from taxonomy_assets.policy.errors import PolicyError
from taxonomy_assets.policy.loader import (
    load_policy,
    load_policy_file,
    policy_hash,
    policy_to_yaml,
    remember_policy_file,
    section_hash,
)
from taxonomy_assets.policy.models import Policy
from taxonomy_assets.policy.overrides import PolicyOverride, parse_overrides

__all__ = [
    "Policy",
    "PolicyError",
    "PolicyOverride",
    "load_policy",
    "load_policy_file",
    "parse_overrides",
    "policy_hash",
    "policy_to_yaml",
    "remember_policy_file",
    "section_hash",
]
