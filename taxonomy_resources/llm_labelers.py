"""S1 extractor and S3 verifier backed by an OpenAI-compatible chat model.

Both keep the rule machinery where rules are authoritative: extracted labels go through the same
label normalization, and the verifier runs the same rule gates first; only single-token judgements
are asked of the model (multi-token labels that pass the gates are judged by their head, by rule).
"""

import json
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from taxonomy_assets.contracts import ExtractedLabel, Verdict
from taxonomy_assets.levels import Level
from taxonomy_assets.rules.normalize import LabelNormalizer
from taxonomy_assets.rules.verify import RuleVerifier
from taxonomy_resources.prompt_library import Prompt

if TYPE_CHECKING:
    from taxonomy_resources.chat_client import ChatJsonClient

LEVEL_MEANINGS: dict[str, str] = {
    "L0": "research field behind a college or school",
    "L1": "department field",
    "L2": "research area",
    "L3": "conference topic",
}


def labeler_name(model: str, prompt: Prompt) -> str:
    """`openai:<model>@<prompt key>.v<version>`, recorded on candidates, concepts and the manifest."""
    return f"openai:{model}@{prompt.tag}"


class _Reply(BaseModel):
    model_config = ConfigDict(extra="ignore")


class LabelReply(_Reply):
    label: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)


class ExtractionReply(_Reply):
    labels: list[LabelReply]


class VerificationReply(_Reply):
    passed: bool
    reason: str = Field(min_length=1)


class LlmExtractor:
    """Extractor protocol over a chat model; the name records model and prompt version."""

    def __init__(
        self, client: "ChatJsonClient", prompt: Prompt, normalizer: LabelNormalizer, max_concurrency: int = 1
    ) -> None:
        self.client = client
        self.max_concurrency = max_concurrency
        self.prompt = prompt
        self.normalizer = normalizer
        self.name = labeler_name(client.settings.model, prompt)

    def extract(self, text: str, level: Level, parent: str = "") -> list[ExtractedLabel]:
        """`parent` is the parent unit as written: the model reads headings in it, as the rules do."""
        variables = {
            "level": level,
            "level_meaning": LEVEL_MEANINGS[level],
            "parent_json": json.dumps(parent, ensure_ascii=False),
            "examples": self.prompt.examples.get(level, "").strip(),
            "text_json": json.dumps(text, ensure_ascii=False),
        }
        reply = self.client.ask(self.prompt, variables, ExtractionReply)
        labels: dict[str, ExtractedLabel] = {}
        for item in reply.labels:
            normalized = self.normalizer.normalize(item.label)
            if not normalized or normalized in labels:
                continue
            aliases = sorted(
                {alias.strip() for alias in item.aliases if alias.strip()} | {item.label.strip()}
            )
            labels[normalized] = ExtractedLabel(
                label=item.label.strip(), normalized=normalized, aliases=aliases
            )
        return list(labels.values())


class LlmVerifier:
    """Rule gates first; undecided single tokens are judged by the model, with its reason kept."""

    def __init__(
        self, client: "ChatJsonClient", prompt: Prompt, rules: RuleVerifier, max_concurrency: int = 1
    ) -> None:
        self.client = client
        self.max_concurrency = max_concurrency
        self.prompt = prompt
        self.rules = rules
        self.name = labeler_name(client.settings.model, prompt)

    def verify(self, label: str, level: Level) -> Verdict:
        return self.rules.verify(label, level, judge=self._judge)

    def _judge(self, label: str, level: Level) -> Verdict:
        variables = {
            "level": level,
            "level_meaning": LEVEL_MEANINGS[level],
            "label_json": json.dumps(label, ensure_ascii=False),
        }
        reply = self.client.ask(self.prompt, variables, VerificationReply)
        return Verdict(
            passed=reply.passed,
            gates=["llm_judgement"] if reply.passed else [],
            reason=f"{self.client.settings.model}: {reply.reason}",
            method="llm",
        )
