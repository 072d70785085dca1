"""Label normalization (SPEC §4 `label`): one surface form -> the key S2 groups on.

The key must be stable across spellings institutions actually use ("Human-Computer Interaction",
"human computer interaction", "HUMAN–COMPUTER INTERACTION"), so every choice is policy data.
"""

import hashlib
import re
import unicodedata
from collections.abc import Callable

from taxonomy_assets.policy.text_sections import LabelPolicy
from taxonomy_resources.package_data_cache import module_digest

_HYPHENS = "-‐‑‒–—―−"
_APOSTROPHES = "'’‘`´"
# Letters NFKD does not decompose but that have a conventional ASCII spelling.
_LIGATURES = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
    }
)


class _CharMap(dict[int, str]):
    """A str.translate table filled on demand: the first sight of a character computes what it becomes,
    later ones are a dictionary hit in C."""

    def __init__(self, rule: Callable[[str], str]) -> None:
        super().__init__()
        self._rule = rule

    def __missing__(self, code: int) -> str:
        value = self[code] = self._rule(chr(code))
        return value


def _folded_char(ch: str) -> str:
    if ch.isascii():
        return ch
    return "" if ch.isalnum() or unicodedata.combining(ch) else " "


_FOLD_MAP = _CharMap(_folded_char)


class LabelNormalizer:
    """Lower-case, ASCII-fold, hyphens to spaces, punctuation out, whitespace collapsed, length bounded."""

    def __init__(self, policy: LabelPolicy) -> None:
        self._policy = policy
        keep = set(policy.keep_characters)
        hyphens = "".join(ch for ch in _HYPHENS if ch not in keep)
        self._hyphen_re = re.compile(f"[{re.escape(hyphens)}]") if hyphens else None
        self._apostrophe_re = re.compile(f"[{re.escape(_APOSTROPHES)}]")
        self._keep = keep | (set(_HYPHENS) if policy.hyphens == "keep" else set())
        self._space_re = re.compile(r"\s+")
        self._clean_map = _CharMap(self._clean_char)
        self._ascii_table = str.maketrans({chr(code): self._slow_steps(chr(code)) for code in range(128)})

    @property
    def cache_key(self) -> str:
        """What this normalizer's output depends on, for caches of normalized reference data kept between
        processes: its policy, this module's code and the Unicode database version."""
        spelled = f"{self._policy.model_dump_json()}|{module_digest(__file__)}|{unicodedata.unidata_version}"
        return hashlib.sha256(spelled.encode("utf-8")).hexdigest()[:16]

    def normalize(self, surface: str) -> str:
        """The normalized key, or "" when nothing valid remains (empty, too short, too long)."""
        # on ASCII every step but the whitespace collapse maps one character to a fixed string (NFKC and
        # folding change nothing), so one translation table does them all at C speed
        text = surface.translate(self._ascii_table) if surface.isascii() else self._slow_steps(surface)
        text = self._space_re.sub(" ", text).strip()
        if not self._policy.min_length <= len(text) <= self._policy.max_length:
            return ""
        return text

    def _slow_steps(self, surface: str) -> str:
        """Every step before the whitespace collapse, one after the other."""
        text = unicodedata.normalize("NFKC", surface)
        if self._hyphen_re is not None and self._policy.hyphens != "keep":
            text = self._hyphen_re.sub(" " if self._policy.hyphens == "space" else "", text)
        if self._policy.strip_punctuation:
            text = self._apostrophe_re.sub("", text)
        if self._policy.ascii_fold:
            text = self._fold(text)
        if self._policy.case == "lower":
            text = text.lower()
        if self._policy.strip_punctuation:
            text = text.translate(self._clean_map)
        return text

    @staticmethod
    def _fold(text: str) -> str:
        """Accents off ('Émile' -> 'Emile'); letters without an ASCII form go, punctuation becomes a space."""
        return unicodedata.normalize("NFKD", text.translate(_LIGATURES)).translate(_FOLD_MAP)

    def _clean_char(self, ch: str) -> str:
        if ch.isalnum() or ch in self._keep:
            return ch
        return " "
