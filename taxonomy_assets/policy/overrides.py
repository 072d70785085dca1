"""Command-line policy overrides: `--set section.key=value`, applied after the environment overlay.

The value is read as YAML (so `2`, `true`, `null`, `[a, b]` and `{x: 1}` mean what they say) and the
merged policy is validated like the files, so a misspelt key or a wrong type is refused by name.
"""

import re
from collections.abc import Iterable
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from taxonomy_assets.policy.errors import PolicyError

KEY_PART = re.compile(r"[A-Za-z0-9_-]+")


class PolicyOverride(BaseModel):
    """One `section.key=value` assignment."""

    model_config = ConfigDict(frozen=True)

    text: str
    path: tuple[str, ...]
    value: Any

    def as_overlay(self) -> dict[str, Any]:
        node: Any = self.value
        for part in reversed(self.path):
            node = {part: node}
        return node


def parse_override(text: str) -> PolicyOverride:
    key, separator, raw_value = text.partition("=")
    path = tuple(key.strip().split("."))
    if not separator or not all(KEY_PART.fullmatch(part) for part in path):
        raise PolicyError(f"--set {text!r}: write section.key=value, e.g. levels.L3.min_institutions=1")
    try:
        value = yaml.safe_load(raw_value) if raw_value.strip() else ""
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())
        raise PolicyError(f"--set {text!r}: the value is not valid YAML: {problem}") from None
    return PolicyOverride(text=f"{'.'.join(path)}={raw_value.strip()}", path=path, value=value)


def parse_overrides(texts: Iterable[str]) -> tuple[PolicyOverride, ...]:
    """Overrides in the order given; a later assignment to the same key wins, as on a command line."""
    return tuple(parse_override(text) for text in texts)
