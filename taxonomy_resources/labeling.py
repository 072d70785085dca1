"""The labeling resource: hands S1 an extractor and S3 a verifier for the configured provider.

`rules` (offline, deterministic) is the default and the only provider wired here so far.
"""

from typing import Any

from dagster import ConfigurableResource
from pydantic import Field

from taxonomy_assets.labelers import Extractor, Verifier
from taxonomy_assets.policy import Policy
from taxonomy_assets.rules.extract import RuleExtractor
from taxonomy_assets.rules.verify import RuleVerifier


class LabelingResource(ConfigurableResource):
    """Chooses the labeler; leave `provider` empty to use the policy's `llm.provider`."""

    provider: str = Field("", description="'rules' or empty for the policy default.")

    def _provider(self, policy: Policy) -> str:
        provider = self.provider or policy.llm.provider
        if provider != "rules":
            raise ValueError(f"labeling provider {provider!r} is not available; use 'rules'")
        return provider

    def extractor(self, policy: Policy) -> Extractor:
        self._provider(policy)
        return RuleExtractor.from_policy(policy)

    def verifier(self, policy: Policy) -> Verifier:
        self._provider(policy)
        return RuleVerifier.from_policy(policy)

    def usage_metadata(self, labeler: Extractor | Verifier) -> dict[str, Any]:
        return {"labeler": labeler.name}

    def manifest_info(self, policy: Policy) -> dict[str, Any]:
        """What the manifest records about labeling: provider, labeler versions, prompts and seed."""
        return {
            "provider": self.provider or policy.llm.provider,
            "extractor": self.extractor(policy).name,
            "verifier": self.verifier(policy).name,
            "prompt_versions": {},
            "seed": policy.llm.seed,
        }
