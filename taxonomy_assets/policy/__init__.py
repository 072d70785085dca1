"""Policies: versioned YAML, deep-merged per environment, validated by strict pydantic models."""

from taxonomy_assets.policy.loader import (
    PolicyError,
    load_policy,
    load_policy_file,
    policy_hash,
    policy_to_yaml,
    section_hash,
)
from taxonomy_assets.policy.models import Policy

__all__ = [
    "Policy",
    "PolicyError",
    "load_policy",
    "load_policy_file",
    "policy_hash",
    "policy_to_yaml",
    "section_hash",
]
