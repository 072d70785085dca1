"""Asset code versions: a stage revision plus the hash of the policy sections the stage reads.

The hash covers the default policy and every environment overlay, so editing any of them marks the
affected assets stale in the UI without the definitions needing to know which environment runs.
"""

import hashlib
from functools import cache

from taxonomy_assets.policy import Policy, load_policy, section_hash
from taxonomy_assets.policy.loader import ENVIRONMENTS
from taxonomy_assets.project_paths import POLICIES_DIR


@cache
def _policies() -> tuple[Policy, ...]:
    """The default policy and every overlay, loaded once per process (every asset module asks)."""
    return tuple(
        load_policy(POLICIES_DIR, environment)
        for environment in (None, *ENVIRONMENTS)
        if environment is None or (POLICIES_DIR / "environments" / f"{environment}.yaml").exists()
    )


@cache
def _policy_section_hashes(sections: tuple[str, ...]) -> str:
    parts = [section_hash(policy, *sections) for policy in _policies()]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def code_version(stage_revision: str, *policy_sections: str) -> str:
    return f"{stage_revision}-policy.{_policy_section_hashes(tuple(policy_sections))}"
