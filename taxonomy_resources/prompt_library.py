"""Versioned prompt files for the LLM provider; business code never holds prompt text inline.

A prompt file (`taxonomy_resources/prompts/<key>.yaml`) has `key`, `version`, `system` and `user`.
Placeholders are `{name}`; values are substituted literally (no format-string evaluation), so JSON
braces in the template are safe.
"""

import hashlib
import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from taxonomy_assets.project_paths import PROMPTS_DIR

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class PromptError(ValueError):
    """A prompt file is missing, malformed, or a placeholder has no value."""


class Prompt(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    version: int = Field(ge=1)
    system: str
    user: str
    examples: dict[str, str] = Field(
        default_factory=dict,
        description="Few-shot examples per level, offered as the {examples} placeholder.",
    )

    @property
    def tag(self) -> str:
        """`key.vN`, used in extractor names and the manifest."""
        return f"{self.key}.v{self.version}"

    @property
    def sha256(self) -> str:
        examples = "\x00".join(f"{level}\x01{text}" for level, text in sorted(self.examples.items()))
        return hashlib.sha256(f"{self.system}\x00{self.user}\x00{examples}".encode()).hexdigest()

    def render(self, variables: dict[str, str]) -> list[dict[str, str]]:
        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in variables:
                raise PromptError(f"prompt {self.tag}: no value for placeholder {{{name}}}")
            return variables[name]

        return [
            {"role": "system", "content": self.system.strip()},
            {"role": "user", "content": PLACEHOLDER.sub(fill, self.user.strip())},
        ]


def load_prompt(key: str, prompts_dir: Path = PROMPTS_DIR) -> Prompt:
    path = prompts_dir / f"{key}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PromptError(f"prompt file not found: {path}") from exc
    prompt = Prompt.model_validate(data)
    if prompt.key != key:
        raise PromptError(f"{path}: key {prompt.key!r} does not match the file name")
    return prompt
