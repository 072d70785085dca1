"""Load `policies/default.yaml`, deep-merge an environment overlay, resolve includes, validate.

Large word lists live in their own files and are pulled in with `{"$include": "lexicon/x.yaml"}`
(a path relative to the policies folder), so the effective policy, its hash and its pinned snapshot
always contain the full data the rules used.
"""

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from taxonomy_assets.policy.models import Policy

INCLUDE_KEY = "$include"
ENVIRONMENTS = ("development", "testing", "production")


class PolicyError(ValueError):
    """A policy file is missing, unreadable or invalid; the message says which file and which key."""


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PolicyError(f"policy file not found: {path}") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not valid YAML: {exc}") from exc


def _resolve_includes(node: Any, base_dir: Path, seen: tuple[Path, ...] = ()) -> Any:
    if isinstance(node, dict):
        if set(node) == {INCLUDE_KEY}:
            target = (base_dir / str(node[INCLUDE_KEY])).resolve()
            if not target.is_relative_to(base_dir.resolve()):
                raise PolicyError(f"include {node[INCLUDE_KEY]!r} points outside {base_dir}")
            if target in seen:
                raise PolicyError(f"include cycle through {target}")
            return _resolve_includes(_read_yaml(target), base_dir, (*seen, target))
        return {key: _resolve_includes(value, base_dir, seen) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve_includes(item, base_dir, seen) for item in node]
    return node


def deep_merge(base: Any, overlay: Any) -> Any:
    """Overlay wins; mappings merge key by key, everything else (lists included) is replaced."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = dict(base)
        for key, value in overlay.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return overlay


def _format_validation_error(source: str, exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error["loc"]) or "<root>"
        problems.append(f"{location}: {error['msg']}")
    return f"{source}: invalid policy: " + "; ".join(problems)


def validate_policy_data(data: Any, source: str) -> Policy:
    """Validate merged policy data; the error names the source and every offending key."""
    if not isinstance(data, dict):
        raise PolicyError(f"{source}: a policy must be a mapping, got {type(data).__name__}")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(_format_validation_error(source, exc)) from exc


def load_policy(policies_dir: str | Path, environment: str | None = None) -> Policy:
    """The effective policy: default.yaml, then `environments/<environment>.yaml` deep-merged on top."""
    policies_dir = Path(policies_dir)
    default_path = policies_dir / "default.yaml"
    data = _resolve_includes(_read_yaml(default_path), policies_dir)
    source = str(default_path)
    if environment:
        overlay_path = policies_dir / "environments" / f"{environment}.yaml"
        if not overlay_path.is_file():
            known = sorted(p.stem for p in (policies_dir / "environments").glob("*.yaml"))
            raise PolicyError(
                f"unknown environment {environment!r}: no {overlay_path} (known: {', '.join(known)})"
            )
        overlay = _resolve_includes(_read_yaml(overlay_path) or {}, policies_dir)
        data = deep_merge(data, overlay)
        source = f"{default_path} + {overlay_path}"
    return validate_policy_data(data, source)


def load_policy_file(path: str | Path) -> Policy:
    """Load a single, already-merged policy file such as a run folder's pinned snapshot.

    `path` may be any pathlib-like object (a `UPath` on an object store works too).
    """
    path = Path(path) if isinstance(path, str) else path
    return validate_policy_data(_read_yaml(path), str(path))


def _canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def policy_hash(policy: Policy) -> str:
    """sha256 of the canonical JSON form: equal for equal effective policies, whatever the YAML layout."""
    return hashlib.sha256(_canonical_json(policy.model_dump(mode="json"))).hexdigest()


def section_hash(policy: Policy, *sections: str) -> str:
    """Short hash of the named sections, used in asset code versions so a policy edit marks them stale."""
    payload = policy.model_dump(mode="json", include=set(sections))
    return hashlib.sha256(_canonical_json(payload)).hexdigest()[:12]


def policy_to_yaml(policy: Policy) -> str:
    """Deterministic YAML of the effective policy (the pinned snapshot format)."""
    return yaml.safe_dump(policy.model_dump(mode="json"), sort_keys=True, allow_unicode=True, width=100)
