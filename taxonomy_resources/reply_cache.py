"""Disk cache of validated LLM replies, keyed by prompt, prompt version, model and variables.

Re-runs and resumes read replies from here instead of calling the endpoint, which makes them free
and deterministic. One small JSON file per key, written atomically; nothing secret is stored.
"""

import hashlib
import json
from pathlib import Path
from typing import Any

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
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        path = self._path(key)
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # a damaged entry is simply a miss; the fresh reply overwrites it

    def put(self, key: str, reply: dict[str, Any]) -> None:
        data = json.dumps(reply, sort_keys=True, ensure_ascii=False, indent=1).encode("utf-8")
        atomic_write_bytes(self._path(key), data)
