"""The offline S3 verifier: ordered rule gates, a head check for multi-word labels, and a lexicon
judgement for single words.

`gate()` is shared with the LLM verifier, which only replaces `judge_single_token`; keeping the two
apart means every verifier rejects malformed labels, venues, organisational words, people, places,
page furniture, administration, event boilerplate and instructions to a model the same way, and no
instruction ever reaches a model.
"""

import re
import unicodedata
from collections.abc import Callable

from taxonomy_assets.contracts import Verdict
from taxonomy_assets.levels import LEVELS, Level
from taxonomy_assets.policy.loader import sections_digest
from taxonomy_assets.policy.models import Policy
from taxonomy_assets.policy.text_sections import LabelPolicy, VerificationPolicy
from taxonomy_assets.rules.field_heads import FieldHeads
from taxonomy_assets.rules.non_field_text import NonFieldReader
from taxonomy_assets.rules.normalize import LabelNormalizer

# Verifiers built in this process, by the digest of the policy sections they read (see from_policy).
_BUILT: dict[str, "RuleVerifier"] = {}
_BUILT_LIMIT = 4
_YEARISH = re.compile(r"\d+(?:st|nd|rd|th)?")
_UNIT_PREPOSITIONS = frozenset({"of", "for", "in", "on"})


def _levels_text(levels: list[Level]) -> str:
    return ", ".join(level for level in LEVELS if level in levels) or "no level"


class RuleVerifier:
    """Gates in SPEC order: instructions, structure, venue blocklist (L3), generic tokens, allowlist,
    non-field text (people, dates, places, navigation, administration, events); then field heads."""

    name: str = "rules@3"

    def __init__(self, verification: VerificationPolicy, label: LabelPolicy) -> None:
        self._policy = verification
        self._label = label
        self._normalizer = LabelNormalizer(label)
        normalize = self._normalizer.normalize
        self._forbidden = frozenset(verification.forbidden_punctuation)
        self._venues = frozenset(normalize(venue) for venue in verification.venue_blocklist)
        self._venue_words = frozenset(normalize(word) for word in verification.venue_words)
        self._generic = frozenset(normalize(word) for word in verification.generic_tokens)
        self._unit_words = frozenset(normalize(word) for word in verification.unit_name_words)
        self._allowlist = {
            level: frozenset(normalize(entry) for entry in entries)
            for level, entries in verification.allowlist.items()
        }
        self._broad = frozenset(normalize(word) for word in verification.fields.broad)
        self._narrow = frozenset(normalize(word) for word in verification.fields.narrow)
        self._space = re.compile(r"\s+")
        self._heads = FieldHeads(verification.heads, verification.fields, self._normalizer)
        self._non_field = NonFieldReader(
            verification.instruction_patterns,
            verification.non_field_classes,
            verification.person_names,
            verification.places,
            self._generic,
            self._heads,
            self._normalizer,
        )

    @classmethod
    def from_policy(cls, policy: Policy) -> "RuleVerifier":
        """The verifier for `policy`, built once per process for each distinct verification and label
        section: building normalizes ~200k person and place names (a third of a second), which every
        step of every level run would otherwise pay again. A verifier holds no state after it is
        built, so sharing one is invisible in its answers."""
        key = sections_digest(policy, "verification", "label")
        verifier = _BUILT.get(key)
        if verifier is None:
            verifier = cls(policy.verification, policy.label)
            if len(_BUILT) >= _BUILT_LIMIT:
                _BUILT.pop(next(iter(_BUILT)))
            _BUILT[key] = verifier
        return verifier

    def non_field_reason(self, label: str) -> str:
        """Why a label is certainly no field (a person, place, date, page furniture, an office, event
        boilerplate, text instructing a model), or ''. The extractor drops such items early."""
        text = self._space.sub(" ", unicodedata.normalize("NFKC", label)).strip()
        instruction = self._non_field.instruction(text)
        if instruction:
            return f"label instructs a model ('{instruction}')"
        normalized = self._normalizer.normalize(text)
        return self._non_field.reason(normalized) if normalized else ""

    def gate(self, label: str, level: Level) -> tuple[Verdict | None, list[str]]:
        """Ordered gates: instructions to a model, structure (length, characters, forbidden punctuation,
        alnum ratio), venue blocklist (at L3), generic organisational tokens, allowlist, non-field text.
        Returns (a final Verdict if a gate decided: failed, or allowlisted pass) or (None, names of gates
        passed so far) when undecided."""
        gates: list[str] = []
        text = self._space.sub(" ", unicodedata.normalize("NFKC", label)).strip()
        instruction = self._non_field.instruction(text)
        if instruction:
            reason = f"label instructs a model ('{instruction}'); text like this is never a field"
            return self._fail(gates, reason), gates
        problem = self._structure_problem(text, level)
        if problem:
            return self._fail(gates, problem), gates
        gates.append("structure")
        normalized = self._normalizer.normalize(text)
        tokens = normalized.split()
        if level in self._policy.venue_levels:
            venue = self._venue(tokens)
            if venue:
                return self._fail(gates, venue), gates
            gates.append("venue_blocklist")
        if all(token in self._generic for token in tokens):
            reason = f"'{normalized}' is made only of generic organisational words, not a research field"
            return self._fail(gates, reason), gates
        if len(tokens) > 1 and tokens[0] in self._unit_words and tokens[1] in _UNIT_PREPOSITIONS:
            reason = f"'{normalized}' reads as a unit name ('{tokens[0]} {tokens[1]} ...'), not a field"
            return self._fail(gates, reason), gates
        gates.append("generic_tokens")
        if normalized in self._allowlist.get(level, frozenset()):
            gates.append("allowlist")
            reason = f"'{normalized}' is on the {level} allowlist"
            return Verdict(passed=True, gates=list(gates), reason=reason, method="rule"), gates
        non_field = self._non_field.reason(normalized)
        if non_field:
            return self._fail(gates, non_field), gates
        gates.append("non_field_text")
        return None, gates

    def judge_single_token(self, label: str, level: Level) -> Verdict:
        """Level-appropriateness from the curated lexicon (method="rule"); a broad field fits L0/L1, a
        narrow specialty (medical subspecialty, lab-level topic) does not fit L0; an unknown word with a
        field ending ('entomology') fits `form_levels`, any other unknown word only `unknown_levels`."""
        normalized = self._normalizer.normalize(label) or label.strip().lower()
        kind, levels = self._lexicon_class(normalized)
        fits = f"fits {_levels_text(levels)}"
        if kind == "unknown":
            suffix = self._heads.field_suffix(normalized, single=True)
            if self._heads.lexicon_kind(normalized) == "discipline head":
                levels = self._policy.form_levels
                fits = f"fits {_levels_text(levels)}"
                reason = f"'{normalized}' heads field names ('{normalized} ...'); alone it {fits}"
            elif suffix:
                levels = self._policy.form_levels
                fits = f"fits {_levels_text(levels)}"
                reason = f"'{normalized}' is not in the field lexicon but ends like one (-{suffix}); {fits}"
            else:
                reason = f"'{normalized}' is not in the field lexicon; a single unknown word {fits}"
        else:
            reason = f"'{normalized}' is a {kind} in the field lexicon; it {fits}"
        passed = level in levels
        if not passed:
            reason += f", not {level}"
        return Verdict(passed=passed, gates=["field_lexicon"] if passed else [], reason=reason, method="rule")

    def verify(
        self, label: str, level: Level, judge: Callable[[str, Level], Verdict] | None = None
    ) -> Verdict:
        """gate(); undecided multi-word labels are judged by their head; undecided single words go to
        `judge` (default: the lexicon's judge_single_token; the LLM verifier passes its own)."""
        verdict, gates = self.gate(label, level)
        if verdict is not None:
            return verdict
        normalized = self._normalizer.normalize(label)
        if len(normalized.split()) > 1:
            return self._judge_head(normalized, level, gates)
        judged = (judge or self.judge_single_token)(label, level)
        return judged.model_copy(update={"gates": [*gates, *judged.gates]})

    def _judge_head(self, normalized: str, level: Level, gates: list[str]) -> Verdict:
        """A multi-word field has a discipline or topic head ('atmospheric sciences', 'anomaly detection');
        a compound is no broader than its head ('radiation oncology' is as narrow as 'oncology')."""
        head = self._heads.head_of(normalized.split())
        kind, levels = self._lexicon_class(head)
        if kind == "narrow specialty" and level not in levels:
            reason = (
                f"'{normalized}' is headed by '{head}', a narrow specialty that fits "
                f"{_levels_text(levels)}, not {level}"
            )
            return Verdict(passed=False, gates=gates, reason=reason, method="rule")
        head_kind = self._heads.lexicon_kind(head)
        if not head_kind and not self._non_field.claims_head(head) and head not in self._generic:
            # 'department' ends like 'management' but is an organisational word
            suffix = self._heads.field_suffix(head)
            head_kind = f"field noun by its ending '-{suffix}'" if suffix else ""
        if head_kind:
            reason = f"'{normalized}' is headed by '{head}', a {head_kind}"
            return Verdict(passed=True, gates=[*gates, "field_head"], reason=reason, method="rule")
        if level in self._heads.required_levels:
            reason = (
                f"'{normalized}' has no discipline or topic head ('{head}' is neither); "
                f"{level} fields need one"
            )
            return Verdict(passed=False, gates=gates, reason=reason, method="rule")
        reason = (
            f"'{normalized}' passed every rule gate; its head '{head}' is not in the head lexicon, "
            f"which {level} does not require"
        )
        return Verdict(passed=True, gates=gates, reason=reason, method="bypass")

    def _lexicon_class(self, normalized: str) -> tuple[str, list[Level]]:
        variants = {normalized, normalized.removesuffix("s"), f"{normalized}s"}
        if variants & self._broad:
            return "broad field", self._policy.broad_levels
        if variants & self._narrow:
            return "narrow specialty", self._policy.narrow_levels
        return "unknown", self._policy.unknown_levels

    def _structure_problem(self, text: str, level: Level) -> str:
        bounds = f"{self._label.min_length}..{self._label.max_length}"
        if not text:
            return "label is empty"
        if not self._label.min_length <= len(text) <= self._label.max_length:
            return f"label '{text[:80]}' has {len(text)} characters; allowed {bounds}"
        if any(not ch.isprintable() for ch in text):
            return f"label '{text}' contains non-printable characters"
        symbols = sorted({ch for ch in text if not self._allowed_character(ch)})
        if symbols:
            return f"label '{text}' contains symbols {' '.join(symbols)}; only letters, digits, punctuation"
        forbidden = sorted({ch for ch in text if ch in self._forbidden})
        if forbidden:
            return f"label '{text}' contains forbidden punctuation {' '.join(forbidden)}"
        # Characters the label policy keeps ('c++', 'c#') are part of the name, not noise.
        visible = [ch for ch in text if not ch.isspace() and ch not in self._label.keep_characters]
        ratio = sum(ch.isalnum() for ch in visible) / len(visible) if visible else 0.0
        if ratio < self._policy.min_alnum_ratio:
            return (
                f"label '{text}' has {ratio:.0%} letters or digits among its characters; "
                f"at least {self._policy.min_alnum_ratio:.0%} needed"
            )
        if not any(ch.isalpha() for ch in text):
            return f"label '{text}' contains no letters"
        normalized = self._normalizer.normalize(text)
        if not normalized:
            return f"label '{text}' is outside {bounds} characters once normalized"
        tokens = len(normalized.split())
        limit = self._policy.max_tokens.get(level)
        if limit is not None and tokens > limit:
            return f"label '{normalized}' has {tokens} words; {level} allows at most {limit}"
        return ""

    def _venue(self, tokens: list[str]) -> str:
        """A reason when the label names a venue or an event edition rather than a topic."""
        venues = [token for token in tokens if token in self._venues]
        rest = [
            token
            for token in tokens
            if token not in self._venues and token not in self._venue_words and not _YEARISH.fullmatch(token)
        ]
        if venues and not rest:
            return f"venue '{venues[0]}' is on the {'/'.join(self._policy.venue_levels)} venue blocklist"
        padded = f" {' '.join(tokens)} "
        event_words = [phrase for phrase in self._venue_words if f" {phrase} " in padded]
        if event_words:
            return f"'{' '.join(tokens)}' names an event ('{min(event_words)}'), not a research topic"
        if len(tokens) <= 3 and tokens[0] in self._venues:
            # 'usenix security', 'acm ccs': a short label led by a venue name is that venue
            blocklist = "/".join(self._policy.venue_levels)
            return f"'{' '.join(tokens)}' is led by '{tokens[0]}' from the {blocklist} venue blocklist"
        return ""

    def _allowed_character(self, ch: str) -> bool:
        # Letters, marks, digits, punctuation and spaces; symbols (emoji, currency, ©) only when kept.
        return unicodedata.category(ch)[0] in "LMNPZ" or ch in self._label.keep_characters

    @staticmethod
    def _fail(gates: list[str], reason: str) -> Verdict:
        return Verdict(passed=False, gates=list(gates), reason=reason, method="rule")
