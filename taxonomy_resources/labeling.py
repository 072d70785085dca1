"""The labeling resource: hands S1 an extractor and S3 a verifier for the configured provider.

`rules` (offline, deterministic) is the default. `openai` talks to any OpenAI-compatible endpoint
(`base_url`), with settings from the policy's `llm` section unless overridden here. The API key comes
from the environment (`api_key`, bound to $OPENAI_API_KEY by default) and is never written anywhere.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster import ConfigurableResource
from pydantic import Field

from taxonomy_assets.labelers import Extractor, Verifier
from taxonomy_assets.policy import Policy
from taxonomy_assets.project_paths import PROMPTS_DIR
from taxonomy_assets.rules.extract import RuleExtractor
from taxonomy_assets.rules.normalize import LabelNormalizer
from taxonomy_assets.rules.verify import RuleVerifier
from taxonomy_resources.llm_labelers import LlmExtractor, LlmVerifier, labeler_name
from taxonomy_resources.locations import resolve_location
from taxonomy_resources.prompt_library import load_prompt
from taxonomy_resources.reply_cache import ReplyCache

if TYPE_CHECKING:  # the openai client is imported only by runs that use it
    from taxonomy_resources.chat_client import ChatJsonClient

PROVIDERS = ("rules", "openai")
EXTRACT_PROMPT = "extract_labels"
VERIFY_PROMPT = "verify_label"
KEYLESS_PLACEHOLDER = "no-key-needed"


class LabelingConfigError(ValueError):
    """The labeling configuration cannot work (unknown provider, missing key for the public API)."""


class LabelingResource(ConfigurableResource):
    """Chooses the labeler for S1/S3. Empty fields fall back to the policy's `llm` section."""

    provider: str = Field("", description="'rules' (offline) or 'openai'; empty: policy llm.provider.")
    model: str = Field("", description="Chat model name; empty: policy llm.model.")
    base_url: str = Field("", description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1.")
    api_key: str = Field("", description="API key; bind it to an environment variable, never type it in.")
    cache_dir: str = Field(
        "output/llm_cache",
        description="Cache of validated replies shared by runs: a local folder or an object-store URL.",
    )
    prompts_dir: str = Field(str(PROMPTS_DIR), description="Folder of versioned prompt files.")

    def resolved_provider(self, policy: Policy) -> str:
        provider = self.provider or policy.llm.provider
        if provider not in PROVIDERS:
            raise LabelingConfigError(
                f"unknown labeling provider {provider!r}; choose one of {', '.join(PROVIDERS)}"
            )
        return provider

    def _client(self, policy: Policy) -> "ChatJsonClient":
        from taxonomy_resources.chat_client import ChatJsonClient, ChatSettings

        base_url = self.base_url or policy.llm.base_url
        if not self.api_key and not base_url:
            raise LabelingConfigError(
                "provider 'openai' needs an API key: set OPENAI_API_KEY (or give --base-url "
                "for a local OpenAI-compatible server)"
            )
        settings = ChatSettings(
            model=self.model or policy.llm.model,
            base_url=base_url or None,
            seed=policy.llm.seed,
            max_tokens=policy.llm.max_tokens,
            retries=policy.llm.retries,
            timeout_seconds=policy.llm.timeout_seconds,
        )
        cache = ReplyCache(resolve_location(self.cache_dir)) if policy.llm.cache else None
        return ChatJsonClient(settings, self.api_key or KEYLESS_PLACEHOLDER, cache, keyless=not self.api_key)

    def extractor(self, policy: Policy) -> Extractor:
        if self.resolved_provider(policy) == "rules":
            return RuleExtractor.from_policy(policy)
        prompt = load_prompt(EXTRACT_PROMPT, Path(self.prompts_dir))
        return LlmExtractor(
            self._client(policy), prompt, LabelNormalizer(policy.label), policy.llm.max_concurrent_requests
        )

    def verifier(self, policy: Policy) -> Verifier:
        if self.resolved_provider(policy) == "rules":
            return RuleVerifier.from_policy(policy)
        prompt = load_prompt(VERIFY_PROMPT, Path(self.prompts_dir))
        return LlmVerifier(
            self._client(policy), prompt, RuleVerifier.from_policy(policy), policy.llm.max_concurrent_requests
        )

    def usage_metadata(self, labeler: Extractor | Verifier) -> dict[str, Any]:
        """The labeler's name plus, for LLM labelers, request/token/latency counters."""
        client = getattr(labeler, "client", None)
        usage = {f"llm_{key}": value for key, value in client.usage.as_metadata().items()} if client else {}
        return {"labeler": labeler.name, **usage}

    def manifest_info(self, policy: Policy) -> dict[str, Any]:
        """What the manifest records about labeling: provider, labeler versions, prompts, seed (no key)."""
        provider = self.resolved_provider(policy)
        info: dict[str, Any] = {
            "provider": provider,
            "seed": policy.llm.seed,
            "prompt_versions": {},
            "extractor": RuleExtractor.name,
            "verifier": RuleVerifier.name,
        }
        if provider == "openai":
            model = self.model or policy.llm.model
            info.update(model=model, base_url=self.base_url or policy.llm.base_url)
            for role, key in (("extractor", EXTRACT_PROMPT), ("verifier", VERIFY_PROMPT)):
                prompt = load_prompt(key, Path(self.prompts_dir))
                info["prompt_versions"][key] = {"version": prompt.version, "sha256": prompt.sha256}
                info[role] = labeler_name(model, prompt)
        return info
