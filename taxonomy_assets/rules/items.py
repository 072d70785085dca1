"""Cut one source record into the items that may name fields, and drop items that are noise.

At list levels (research areas, conference topics) one record often holds a whole list:
"Topics include: federated learning; graph neural networks". Dates, deadlines and event editions
("NeurIPS 2025") are dropped here, before any field rule sees them.
"""

import re
import unicodedata

from taxonomy_assets.levels import Level
from taxonomy_assets.policy.text_sections import ExtractionPolicy

_SPACE = re.compile(r"[ \t\r\f\v]+")
_EXAMPLE_SEPARATOR = re.compile(r"\s*,\s*(?:(?:and|or)\s+)?|\s+or\s+")
# '(e.g., variational inference, causal inference)': examples inside an item are topics of their own.
_EXAMPLES = re.compile(
    r"\s*\(\s*(?:e\.?\s?g\.?|i\.?\s?e\.?|for example|for instance|such as|including|incl\.|like)\s*[,:]?\s*"
    r"([^()]+)\)",
    re.IGNORECASE,
)
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "\u00a0": " "})


def clean_text(text: str) -> str:
    """NFKC, straight quotes, no control characters, single spaces (newlines kept as item breaks)."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = "".join(ch if ch == "\n" or unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return "\n".join(_SPACE.sub(" ", line).strip() for line in text.split("\n")).strip()


class RecordItems:
    """Items of one record: the record itself, or its list items at list levels; noise removed."""

    def __init__(self, extraction: ExtractionPolicy) -> None:
        self._list_levels = frozenset(extraction.list_item_levels)
        self._intros = [re.compile(pattern, re.IGNORECASE) for pattern in extraction.list_intro_patterns]
        self._tails = [re.compile(pattern, re.IGNORECASE) for pattern in extraction.list_tail_patterns]
        self._separator = re.compile(extraction.list_separator_pattern, re.IGNORECASE)
        self._bullet = re.compile(extraction.bullet_pattern, re.IGNORECASE)
        self._noise = [re.compile(pattern, re.IGNORECASE) for pattern in extraction.noise_patterns]
        self._max_chars = extraction.max_item_chars

    def items(self, text: str, level: Level) -> list[str]:
        """Non-empty, non-noise items in order."""
        text = clean_text(text)
        if level in self._list_levels:
            text = self._strip_intro(text)
            # examples are named items of their own: 'transformers, state space models' share no head
            text = _EXAMPLES.sub(
                lambda match: "\n" + _EXAMPLE_SEPARATOR.sub("\n", match.group(1).strip(" ,;.")) + "\n", text
            )
            pieces = self._separator.split(text)
        else:
            pieces = [text.replace("\n", " | ")]  # lines of one name are segments, most specific last
        items = [self._bullet.sub("", piece, count=1).strip() for piece in pieces if isinstance(piece, str)]
        if level in self._list_levels:
            items = [self._strip_tail(item) for item in items]
        return [item for item in items if 0 < len(item) <= self._max_chars and not self.is_noise(item)]

    def _strip_tail(self, item: str) -> str:
        """'Syntax, Parsing and their Applications' -> 'Syntax, Parsing': list filler, not a topic."""
        for pattern in self._tails:
            item = pattern.sub("", item).strip(" ,;")
        return item

    def is_noise(self, item: str) -> bool:
        return any(pattern.search(item) for pattern in self._noise)

    def _strip_intro(self, text: str) -> str:
        for pattern in self._intros:
            stripped = pattern.sub("", text, count=1)
            if stripped != text:
                return stripped
        return text
