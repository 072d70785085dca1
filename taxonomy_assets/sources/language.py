"""Offline language identification of blocks, with py3langid (langid.py's model, shipped in the wheel).

The model is loaded once per process from the installed package; nothing is downloaded at run time.
Its probabilities are temperature-scaled by text length, so short unit names come back unsure, which
is what the policy's confidence and length thresholds build on.

The package ships the model as an LZMA-compressed npz, and decompressing it is most of loading it (0.45-
0.65 s in every process that detects a language, the CLI's fork server first). The decompressed npz is
kept in the package-data cache under py3langid's version, so later processes read the same arrays back
in about 0.25 s.
"""

import io
import lzma
from array import array
from dataclasses import dataclass
from functools import cache

import numpy as np
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from taxonomy_resources.package_data_cache import cached_by_package_version

UNDETERMINED = "und"


@dataclass(frozen=True)
class LanguageGuess:
    language: str
    confidence: float


def _model_npz() -> bytes:
    return lzma.decompress((MODEL_DIR / MODEL_FILE).read_bytes())


def _unsigned_array(values: np.ndarray) -> array:
    """The model's state tables as the stdlib arrays py3langid indexes them as (one typecode per width)."""
    table = array({2: "H", 4: "I", 8: "L"}[values.dtype.itemsize])
    table.frombytes(memoryview(np.ascontiguousarray(values)).cast("B"))
    return table


@cache
def _identifier() -> LanguageIdentifier:
    """py3langid's identifier, built from its model's arrays as `LanguageIdentifier.from_model_file`
    builds it (tests compare the two), read from the cached npz."""
    npz = cached_by_package_version("py3langid", "model-npz", _model_npz)
    with np.load(io.BytesIO(npz), allow_pickle=False) as model:
        return LanguageIdentifier(
            model["ptc"],
            model["pc"],
            model["classes"].tolist(),
            _unsigned_array(model["nextmove"]),
            model["out_feat"].tolist(),
            norm_probs=True,
            tk_row=_unsigned_array(model["nextmove_row"]),
        )


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
