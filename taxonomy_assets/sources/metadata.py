"""Document-level facts: institution, parent unit, url, language, fetched_at.

A document declares them, in order of precedence, in a sidecar `<file>.meta.yaml`, then inside the
document (YAML front matter for Markdown/text, `<meta name="taxonomy:...">` tags for HTML, columns for
CSV/XLSX/JSONL rows). A document without an institution, or above L0 without a parent, is quarantined.
"""

import re
from dataclasses import dataclass, replace

import yaml

from taxonomy_assets.sources.blocks import DocumentError, clean_text

SIDECAR_SUFFIX = ".meta.yaml"
META_KEYS = ("institution", "parent", "url", "language", "fetched_at")
# Column (CSV/XLSX) or key (JSONL) names a single row may use to set document facts -> the fact.
RECORD_FIELDS = {key: key for key in META_KEYS} | {"parent_hint": "parent"}
FRONT_MATTER_OPEN = re.compile(r"\A\ufeff?---[ \t]*\r?\n")
FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(?:(.*?)\r?\n)?---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class DocumentMeta:
    institution: str = ""
    parent: str = ""
    url: str = ""
    language: str = ""
    fetched_at: str = ""

    def overlay(self, other: "DocumentMeta") -> "DocumentMeta":
        """Fields set in `other` win."""
        theirs = other.__dict__
        return DocumentMeta(**{key: theirs[key] or mine for key, mine in self.__dict__.items()})


def meta_from_mapping(data: object, where: str, strict: bool = True) -> DocumentMeta:
    """Metadata from a mapping. Sidecars are ours, so unknown keys there are typos (strict); front matter
    of exported Markdown routinely carries `title:`, `date:` and the like, which are ignored."""
    if data is None:
        return DocumentMeta()
    if not isinstance(data, dict):
        raise DocumentError("bad_metadata", f"{where}: metadata must be a mapping of {', '.join(META_KEYS)}")
    unknown = sorted(str(key) for key in data if key not in META_KEYS)
    if unknown and strict:
        raise DocumentError(
            "bad_metadata", f"{where}: unknown metadata keys {unknown}; allowed: {', '.join(META_KEYS)}"
        )
    not_scalar = sorted(key for key in META_KEYS if isinstance(data.get(key), list | dict | set))
    if not_scalar:
        raise DocumentError("bad_metadata", f"{where}: metadata keys {not_scalar} must be single values")
    return DocumentMeta(**{key: clean_text(str(data[key])) for key in META_KEYS if data.get(key) is not None})


def parse_sidecar(data: bytes, name: str) -> DocumentMeta:
    """Metadata from a sidecar's bytes (`<file>.meta.yaml`, strict keys)."""
    try:
        parsed = yaml.safe_load(data.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as exc:
        raise DocumentError("bad_metadata", f"{name}: not readable YAML: {exc}") from exc
    return meta_from_mapping(parsed, name)


def split_front_matter(text: str, where: str) -> tuple[DocumentMeta, str]:
    """(metadata, body) for text that may start with a `---` YAML block; the body keeps line numbers."""
    match = FRONT_MATTER.match(text)
    if not match:
        if FRONT_MATTER_OPEN.match(text):
            raise DocumentError(
                "bad_metadata", f"{where}: front matter opens with `---` but no closing `---` line follows"
            )
        return DocumentMeta(), text
    try:
        data = yaml.safe_load(match.group(1) or "")
    except (yaml.YAMLError, RecursionError) as exc:
        raise DocumentError("bad_metadata", f"{where}: front matter is not valid YAML: {exc}") from exc
    # blank lines stand in for the front matter so block locations keep the file's line numbers
    body = "\n" * text.count("\n", 0, match.end()) + text[match.end() :]
    return meta_from_mapping(data, f"{where} front matter", strict=False), body


def require_meta(meta: DocumentMeta, level: str, where: str, default_url: str) -> DocumentMeta:
    """Fill defaults and refuse documents that do not say whose they are (and, above L0, under what)."""
    if not meta.institution:
        raise DocumentError(
            "missing_institution",
            f"{where}: no institution; add `institution:` to front matter, a {SIDECAR_SUFFIX} sidecar, "
            "a taxonomy:institution meta tag or an institution column",
        )
    if level != "L0" and not meta.parent:
        raise DocumentError(
            "missing_parent",
            f"{where}: {level} documents must name their parent unit (`parent:` in front matter, a "
            f"{SIDECAR_SUFFIX} sidecar or a taxonomy:parent meta tag)",
        )
    return meta if meta.url else replace(meta, url=default_url)
