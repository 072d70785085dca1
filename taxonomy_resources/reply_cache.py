"""Disk cache of validated LLM replies, keyed by prompt, prompt version, model and variables.

Re-runs and resumes read replies from here instead of calling the endpoint, which makes them free
and deterministic. One small JSON file per key, written atomically; nothing secret is stored. The
folder may be local or on an object store (`<output_root>/llm_cache/`).
"""

import hashlib
import json
from typing import Any

from upath import UPath

from taxonomy_resources.atomic_files import atomic_write_bytes


def cache_key(
    prompt_key: str, prompt_version: int, prompt_sha: str, model: str, variables: dict[str, str]
) -> str:
    payload = {
        "prompt": prompt_key,
        "version": prompt_version,
        "prompt_sha256": prompt_sha,
        "model": model,
        "variables": variables,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


class ReplyCache:
    def __init__(self, directory: UPath) -> None:
        self.directory = directory

    def _path(self, key: str) -> UPath:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # a missing or damaged entry is a miss; the fresh reply overwrites it

    def put(self, key: str, reply: dict[str, Any]) -> None:
        data = json.dumps(reply, sort_keys=True, ensure_ascii=False, indent=1).encode("utf-8")
        atomic_write_bytes(self._path(key), data)
