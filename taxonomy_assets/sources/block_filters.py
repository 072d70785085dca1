"""Block filters of S0 (policy `raw_extraction`): length, characters, boilerplate, language, near-duplicates.

Each filter answers with a short drop reason or None; S0 quarantines dropped blocks with that reason.
"""

import re
import unicodedata

from taxonomy_assets.policy.models import RawExtractionPolicy

TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
MAX_NEAR_DUPLICATE_WINDOW = 500
MIN_TOKENS_FOR_NEAR_DUPLICATE = 4


def _has_bad_characters(text: str) -> bool:
    for char in text:
        if char == "\ufffd":
            return True
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Co", "Cn") and char not in "\t\n\r":
            return True
    return False


class BlockFilter:
    """Per-block checks that need no context beyond the block itself."""

    def __init__(self, policy: RawExtractionPolicy) -> None:
        self.policy = policy
        self.boilerplate = [re.compile(pattern) for pattern in policy.boilerplate_patterns]
        self.languages = {language.lower() for language in policy.languages}

    def drop_reason(self, text: str, language: str = "") -> str | None:
        if len(text) < self.policy.min_chars:
            return "too_short"
        if len(text) > self.policy.max_chars:
            return "too_long"
        if _has_bad_characters(text):
            return "invalid_characters"
        visible = [char for char in text if not char.isspace()]
        letters = sum(1 for char in visible if char.isalpha())
        if not visible or letters / len(visible) < self.policy.min_alpha_ratio:
            return "low_alpha_ratio"
        if any(pattern.search(text) for pattern in self.boilerplate):
            return "boilerplate"
        if language and self.languages and language.lower().split("-")[0] not in self.languages:
            return "language"
        return None


class NearDuplicateFilter:
    """Remembers the blocks of one document and flags repeats and near-repeats (Jaccard of word sets)."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.seen_keys: set[str] = set()
        self.recent: list[frozenset[str]] = []

    def is_duplicate(self, text: str) -> bool:
        tokens = [token.casefold() for token in TOKEN.findall(text)]
        key = " ".join(tokens)
        if key in self.seen_keys:
            return True
        self.seen_keys.add(key)
        token_set = frozenset(tokens)
        if len(token_set) >= MIN_TOKENS_FOR_NEAR_DUPLICATE:
            for other in self.recent:
                union = len(token_set | other)
                if union and len(token_set & other) / union >= self.threshold:
                    return True
            self.recent = [*self.recent[-(MAX_NEAR_DUPLICATE_WINDOW - 1) :], token_set]
        return False
