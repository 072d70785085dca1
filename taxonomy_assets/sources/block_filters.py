"""Block filters of S0 (policy `raw_extraction`): length, characters, letters, boilerplate, language,
and near-duplicates within a document.

`BlockFilter.judge` answers with a verdict: the drop reason and its detail, or the language to record
for a kept block (the detected one when the detector is confident, else the declared one, else `und`).
A block is dropped as `wrong_language` only when the detector is confident AND the block is long
enough; short unit names are misjudged by every detector. A verdict depends only on the text and the
declared language, and corpora repeat unit names across institutions and pages, so `judge` remembers
the verdicts of recent (text, declared language) pairs: the language detector, most of the cost, runs
once per distinct block.
"""

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from taxonomy_assets.policy.models import RawExtractionPolicy
from taxonomy_assets.sources.language import UNDETERMINED, base_language, detect_language

TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
REPLACEMENT_CHARACTER = "\ufffd"
# Below this many distinct words only exact repeats count: short names differing in word order
# ("Learning for Control" / "Control for Learning") are different units.
MIN_TOKENS_FOR_NEAR_DUPLICATE = 4
EPSILON = 1e-9
# Verdicts remembered per filter (one per reader process); blocks are at most `max_chars` long, so this
# stays within a few tens of MiB of the reader's memory budget.
VERDICT_CACHE_SIZE = 32768


@dataclass(frozen=True)
class BlockVerdict:
    reason: str | None
    detail: str = ""
    language: str = ""

    @property
    def kept(self) -> bool:
        return self.reason is None


class BlockFilter:
    """Per-block checks that need no context beyond the block and its document's declared language."""

    def __init__(self, policy: RawExtractionPolicy) -> None:
        self.policy = policy
        self.boilerplate = [re.compile(pattern) for pattern in policy.boilerplate_patterns]
        self.languages = {base_language(language) for language in policy.languages}
        self.bad_categories = frozenset(policy.disallowed_character_categories)
        self._verdict = lru_cache(maxsize=VERDICT_CACHE_SIZE)(self._judge)

    def _bad_character(self, text: str) -> str | None:
        if text.isascii() and text.isprintable():
            return None
        for char in text:
            category = unicodedata.category(char)
            if char == REPLACEMENT_CHARACTER or category in self.bad_categories:
                return f"U+{ord(char):04X} ({category})"
        return None

    def judge(self, text: str, declared_language: str = "") -> BlockVerdict:
        return self._verdict(text, declared_language)

    def _judge(self, text: str, declared_language: str) -> BlockVerdict:
        policy = self.policy
        if len(text) < policy.min_chars:
            return BlockVerdict("too_short", f"{len(text)} chars < min_chars {policy.min_chars}")
        if len(text) > policy.max_chars:
            return BlockVerdict("too_long", f"{len(text)} chars > max_chars {policy.max_chars}")
        bad = self._bad_character(text)
        if bad:
            return BlockVerdict("invalid_characters", f"contains {bad}")
        visible = [char for char in text if not char.isspace()]
        letters = sum(1 for char in visible if char.isalpha())
        if not visible or letters / len(visible) < policy.min_alpha_ratio:
            ratio = letters / len(visible) if visible else 0.0
            return BlockVerdict(
                "low_alpha_ratio", f"letters {ratio:.2f} < min_alpha_ratio {policy.min_alpha_ratio}"
            )
        pattern = next((pattern for pattern in self.boilerplate if pattern.search(text)), None)
        if pattern is not None:
            return BlockVerdict("boilerplate", f"matches {pattern.pattern!r}")
        declared = base_language(declared_language)
        if declared and self.languages and declared not in self.languages:
            return BlockVerdict(
                "declared_language", f"document declares {declared}; targets {sorted(self.languages)}"
            )
        guess = detect_language(text)
        confident = guess.confidence >= policy.language_min_confidence
        if (
            confident
            and self.languages
            and guess.language not in self.languages
            and len(text) >= policy.language_min_chars
        ):
            return BlockVerdict(
                "wrong_language",
                f"detected {guess.language} (p={guess.confidence:.3f}); targets {sorted(self.languages)}",
            )
        return BlockVerdict(None, language=guess.language if confident else declared or UNDETERMINED)


def _tokens(text: str) -> list[str]:
    return [token.casefold() for token in TOKEN.findall(text)]


class NearDuplicateFilter:
    """Flags blocks that repeat an earlier block of the same scope (institution and parent) in the same
    document, exactly or with a word-set Jaccard similarity of at least `threshold`.

    The scope matters: a spreadsheet lists "School of Medicine" once per institution, and those rows
    are evidence, not duplicates. Candidates come from prefix-filter indexes (as in AllPairs/PPJoin):
    two sets with Jaccard >= t overlap in at least a = t/(1+t)(|x|+|y|) words, so their first
    |x| - a + 1 and |y| - a + 1 words (one fixed order, rarest first over the document) share a word.
    For the smaller set that prefix is at most |x| - ceil(2t/(1+t)|x|) + 1 words (often one), for the
    larger at most |y| - ceil(t|y|) + 1. Each block is indexed both ways, keyed by its size, and probes
    each index only at the sizes where it is the larger or the smaller set. Words every block shares
    ("department", "of", "research") then stay out of the short prefixes, so 90,000 similar list
    items cost linear time instead of comparing every pair.
    """

    def __init__(self, threshold: float, texts: Iterable[str] = ()) -> None:
        self.threshold = threshold
        # each text's words, read once for the frequencies and again when the text is judged
        self._words: dict[str, list[str]] = {}
        for text in texts:
            if text not in self._words:
                self._words[text] = _tokens(text)
        self.frequency = Counter(token for words in self._words.values() for token in set(words))
        self.seen_keys: set[tuple[str, ...]] = set()
        self.token_sets: list[frozenset[str]] = []
        # (scope, word, size) -> blocks: by the short prefix (probed by larger or equal blocks) and by
        # the long prefix (probed by smaller blocks)
        self.short_index: dict[tuple[object, ...], list[int]] = defaultdict(list)
        self.long_index: dict[tuple[object, ...], list[int]] = defaultdict(list)

    def _order(self, token: str) -> tuple[int, str]:
        return self.frequency[token], token

    def _long_prefix(self, size: int) -> int:
        # EPSILON keeps 0.9 * 10 (= 9.000000000000002) from shortening the prefix
        return size - math.ceil(self.threshold * size - EPSILON) + 1

    def _short_prefix(self, size: int) -> int:
        return size - math.ceil(2 * self.threshold / (1 + self.threshold) * size - EPSILON) + 1

    def _candidates(self, ordered: list[str], scope: tuple[str, ...]) -> set[int]:
        size = len(ordered)
        smallest = math.ceil(self.threshold * size - EPSILON)
        largest = math.floor(size / self.threshold + EPSILON)
        found: set[int] = set()
        for token in ordered[: self._long_prefix(size)]:
            for other_size in range(smallest, size + 1):
                found.update(self.short_index.get((*scope, token, other_size), ()))
        for token in ordered[: self._short_prefix(size)]:
            for other_size in range(size + 1, largest + 1):
                found.update(self.long_index.get((*scope, token, other_size), ()))
        return found

    def is_duplicate(self, text: str, scope: tuple[str, ...] = ()) -> bool:
        tokens = self._words.get(text)
        if tokens is None:
            tokens = _tokens(text)
        key = (*scope, " ".join(tokens))
        if key in self.seen_keys:
            return True
        self.seen_keys.add(key)
        token_set = frozenset(tokens)
        if len(token_set) < MIN_TOKENS_FOR_NEAR_DUPLICATE:
            return False
        ordered = sorted(token_set, key=self._order)
        for number in sorted(self._candidates(ordered, scope)):
            other = self.token_sets[number]
            if len(token_set & other) / len(token_set | other) >= self.threshold:
                return True
        number = len(self.token_sets)
        self.token_sets.append(token_set)
        size = len(ordered)
        for token in ordered[: self._short_prefix(size)]:
            self.short_index[(*scope, token, size)].append(number)
        for token in ordered[: self._long_prefix(size)]:
            self.long_index[(*scope, token, size)].append(number)
        return False
