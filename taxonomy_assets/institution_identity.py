"""When two institution names denote the same institution, whatever characters they are written in.

S2 counts distinct institutions, so a name written with a Cyrillic "о" in "Stanford", in full-width
letters, with a zero-width space or in another case must count once. The key is NFKC (compatibility
forms: full-width, ligatures, super/subscripts), format characters removed (zero-width, bidi controls),
casefolded, whitespace collapsed, and then a confusable skeleton: every letter of another script that
Unicode's confusables data (UTS #39, via `confusable_homoglyphs`) lists as a lookalike of a Latin
letter is replaced by that Latin letter. Keys are for comparing only; names are shown as written.
"""

import unicodedata
from functools import lru_cache

from taxonomy_assets.sources.blocks import clean_text

LATIN = "LATIN"
# Digits, punctuation and combining marks are kept: "Paris 1" is not "Paris l".
KEPT_SCRIPTS = ["latin", "common", "inherited"]


def _latin_lookalike(homoglyphs: list[dict[str, str]]) -> str | None:
    """The Latin (preferably ASCII) lookalike among a character's homoglyphs."""
    from confusable_homoglyphs import categories

    latin = [
        glyph["c"]
        for glyph in homoglyphs
        if all(categories.alias(char) in (LATIN, "COMMON") for char in glyph["c"])
    ]
    return next((glyph for glyph in latin if glyph.isascii()), latin[0] if latin else None)


@lru_cache(maxsize=65536)
def institution_key(name: str) -> str:
    """The identity key of an institution name (empty for an empty name)."""
    text = clean_text(unicodedata.normalize("NFKC", name)).casefold()
    if text.isascii():  # ASCII is Latin or common script: nothing to fold (and no confusables data to load)
        return text
    from confusable_homoglyphs import confusables  # its data costs 0.15 s to load: only when needed

    found = confusables.is_confusable(text, greedy=True, preferred_aliases=KEPT_SCRIPTS) or []
    replacements = {item["character"]: _latin_lookalike(item["homoglyphs"]) for item in found}
    return "".join(replacements.get(char) or char for char in text)
