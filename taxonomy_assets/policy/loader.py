"""Load `policies/default.yaml`, deep-merge an environment overlay, resolve includes, validate.

Large word lists live in their own files and are pulled in with `{"$include": "lexicon/x.yaml"}`
(a path relative to the policies folder), so the effective policy, its hash and its pinned snapshot
always contain the full data the rules used.
"""

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from taxonomy_assets.policy.errors import PolicyError
from taxonomy_assets.policy.models import Policy
from taxonomy_assets.policy.overrides import PolicyOverride

INCLUDE_KEY = "$include"
ENVIRONMENTS = ("development", "testing", "production")
# libyaml's parser and emitter when PyYAML was built with it (the wheels are): the same documents,
# 5-10x faster
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
# Policies are immutable, so a file read again with the same bytes (every step reads its run folder's
# pinned snapshot) is the same policy: parsed and validated once per process.
_LOADED_FILES: dict[str, Policy] = {}
_LOADED_FILES_LIMIT = 8
# Each policy's hash, by the policy object (kept, so its id is not reused while it is here).
_HASHES: dict[int, tuple[Policy, str]] = {}
_HASHES_LIMIT = 8
# Parsed YAML by the file's bytes. Every policy a process loads (the default and each overlay, which the
# asset code versions hash at import; the run's own; the verifier's) includes the same lexicon files,
# and parsing them is most of a load. Parsed data is only read, never changed: includes and overlays
# are resolved into new containers, and validation builds models from it.
_PARSED: dict[bytes, Any] = {}
_PARSED_LIMIT = 256


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _read_bytes(path: Path) -> bytes:
    """The bytes of one policy file; only regular files are read (a folder or a FIFO named by an include
    is refused before opening)."""
    if not path.exists():
        raise PolicyError(f"policy file not found: {path}")
    if not path.is_file():
        raise PolicyError(f"{path}: not a regular file; name a YAML file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _parse_yaml(path: Path, data: bytes) -> Any:
    if data in _PARSED:  # only files that parsed are kept
        return _PARSED[data]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(
            f"{path}: not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        ) from None
    try:
        parsed = yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not valid YAML: {_one_line(str(exc))}") from None
    except RecursionError:
        raise PolicyError(f"{path}: nested too deeply to be a policy") from None
    if len(_PARSED) >= _PARSED_LIMIT:
        _PARSED.pop(next(iter(_PARSED)))
    _PARSED[data] = parsed
    return parsed


def _read_yaml(path: Path) -> Any:
    """Parsed YAML of one policy file; every way it can be unusable is a PolicyError naming the file."""
    return _parse_yaml(path, _read_bytes(path))


def _resolve_includes(node: Any, base_dir: Path, seen: tuple[Path, ...] = ()) -> Any:
    if isinstance(node, dict):
        if set(node) == {INCLUDE_KEY}:
            if not isinstance(node[INCLUDE_KEY], str) or not node[INCLUDE_KEY]:
                raise PolicyError(f"include {node[INCLUDE_KEY]!r} must name a file relative to {base_dir}")
            try:
                target = (base_dir / node[INCLUDE_KEY]).resolve()
            except (OSError, RuntimeError) as exc:
                raise PolicyError(f"include {node[INCLUDE_KEY]!r} cannot be resolved: {exc}") from None
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


def load_policy(
    policies_dir: str | Path, environment: str | None = None, overrides: Iterable[PolicyOverride] = ()
) -> Policy:
    """The effective policy: default.yaml, then `environments/<environment>.yaml` deep-merged on top,
    then command-line overrides."""
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
    for override in overrides:
        data = deep_merge(data, override.as_overlay())
        source = f"{source} + --set {override.text}"
    return validate_policy_data(data, source)


def load_policy_file(path: str | Path) -> Policy:
    """Load a single, already-merged policy file such as a run folder's pinned snapshot (validated once
    per process for the same bytes).

    `path` may be any pathlib-like object (a `UPath` on an object store works too).
    """
    path = Path(path) if isinstance(path, str) else path
    data = _read_bytes(path)
    policy = _LOADED_FILES.get(hashlib.sha256(data).hexdigest())
    if policy is None:
        policy = validate_policy_data(_parse_yaml(path, data), str(path))
        remember_policy_file(data, policy)
    return policy


def remember_policy_file(data: bytes, policy: Policy) -> None:
    """Record that a policy file with these bytes is `policy`: a process that has just written a
    snapshot (`policy_to_yaml`) reads it back without parsing it (50 ms each time a worker first meets
    a run folder's snapshot)."""
    if len(_LOADED_FILES) >= _LOADED_FILES_LIMIT:
        _LOADED_FILES.pop(next(iter(_LOADED_FILES)))
    _LOADED_FILES[hashlib.sha256(data).hexdigest()] = policy


def _canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def policy_hash(policy: Policy) -> str:
    """sha256 of the canonical JSON form: equal for equal effective policies, whatever the YAML layout.

    Kept per policy object (policies are frozen): every step asks for its pin's hash."""
    known = _HASHES.get(id(policy))
    if known is not None and known[0] is policy:
        return known[1]
    digest = hashlib.sha256(_canonical_json(policy.model_dump(mode="json"))).hexdigest()
    if len(_HASHES) >= _HASHES_LIMIT:
        _HASHES.pop(next(iter(_HASHES)))
    _HASHES[id(policy)] = (policy, digest)
    return digest


def sections_digest(policy: Policy, *sections: str) -> str:
    """sha256 of the named sections' canonical JSON: equal exactly when those sections are equal."""
    payload = policy.model_dump(mode="json", include=set(sections))
    return hashlib.sha256(_canonical_json(payload)).hexdigest()


def section_hash(policy: Policy, *sections: str) -> str:
    """Short hash of the named sections, used in asset code versions so a policy edit marks them stale."""
    return sections_digest(policy, *sections)[:12]


def policy_to_yaml(policy: Policy) -> str:
    """Deterministic YAML of the effective policy (the pinned snapshot format)."""
    return yaml.dump(
        policy.model_dump(mode="json"), Dumper=SAFE_DUMPER, sort_keys=True, allow_unicode=True, width=100
    )
