"""Offline language identification of blocks, with py3langid (langid.py's model, shipped in the wheel).

The model is loaded once per process from the installed package; nothing is downloaded at run time.
Its probabilities are temperature-scaled by text length, so short unit names come back unsure, which
is what the policy's confidence and length thresholds build on.
"""

from dataclasses import dataclass
from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

UNDETERMINED = "und"


@dataclass(frozen=True)
class LanguageGuess:
    language: str
    confidence: float


@cache
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def load_language_model() -> None:
    """Load the model now (a worker warming up) rather than on the first block a step reads."""
    _identifier()


def detect_language(text: str) -> LanguageGuess:
    """Most likely ISO 639 code and its probability (0..1)."""
    language, confidence = _identifier().classify(text)
    return LanguageGuess(str(language), float(confidence))


def base_language(tag: str) -> str:
    """'en-US', 'EN_gb' -> 'en'; a declared tag is compared by its primary subtag only."""
    return tag.strip().lower().replace("_", "-").split("-")[0]
