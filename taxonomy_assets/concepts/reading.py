"""Read a record into concepts around any extractor (SPEC §6 S1): what S1, the CLI and scoring share.

Before extraction the institution's own name leaves its unit names ('Weill Cornell Medicine'); the
record's parent hint is read with the level above's rules; after extraction bare headings are qualified
by that parent ('Systems' under computer science) and every label gets its canonical concept key.
"""

from dataclasses import dataclass
from functools import lru_cache

from taxonomy_assets.concepts.keys import ConceptKeyer
from taxonomy_assets.contracts import ExtractedLabel
from taxonomy_assets.labelers import Extractor, LabelingError
from taxonomy_assets.levels import Level, parent_level
from taxonomy_assets.policy.models import Policy
from taxonomy_assets.rules.context import ContextQualifier
from taxonomy_assets.rules.institution_names import InstitutionNameStripper

PARENT_CACHE_SIZE = 65536


@dataclass(frozen=True)
class ParentReading:
    """A parent hint read one level up: its labels (for context) and concept keys (for the hierarchy)."""

    hint: str = ""
    labels: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()


NO_PARENT = ParentReading()


class RecordReader:
    """One extractor plus the reading every extractor shares; `extract` also serves as an Extractor
    that takes the parent unit as context."""

    def __init__(self, extractor: Extractor, policy: Policy) -> None:
        self.extractor = extractor
        self.name = extractor.name
        self.qualifier = ContextQualifier(policy.concepts, policy.extraction, policy.label)
        self.keyer = ConceptKeyer(policy.concepts, policy.label)
        self._names = InstitutionNameStripper(policy.extraction)
        self._name_levels = frozenset(policy.extraction.institution_name_levels)
        self.parent = lru_cache(maxsize=PARENT_CACHE_SIZE)(self._read_parent)

    def unit_text(self, text: str, institution: str, level: Level) -> str:
        """The text without the institution's own name, at levels whose records are its unit names."""
        return self._names.strip(text, institution) if institution and level in self._name_levels else text

    def _read_parent(self, hint: str, institution: str, level: Level) -> ParentReading:
        """The parent hint of a record at `level`; a hint nothing can be read from gives no anchor."""
        up = parent_level(level)
        if not hint or up is None:
            return NO_PARENT
        try:
            extracted = self.extractor.extract(self.unit_text(hint, institution, up), up)
        except LabelingError:
            return ParentReading(hint=hint)
        labels = tuple(label.normalized for label in extracted)
        keys = tuple(sorted({self.keyer.key(label, up) for label in labels} - {""}))
        return ParentReading(hint=hint, labels=labels, keys=keys)

    def labels(
        self, text: str, level: Level, parent: ParentReading = NO_PARENT, institution: str = ""
    ) -> list[ExtractedLabel]:
        """Fields a record names, qualified by its parent; raises LabelingError as the extractor does."""
        extracted = self.extractor.extract(
            self.unit_text(text, institution, level), level, parent=parent.hint
        )
        return self.qualifier.qualify(extracted, parent.labels, level)

    def extract(self, text: str, level: Level, parent: str = "") -> list[ExtractedLabel]:
        """Fields of one unit name or list item; `parent` is the parent unit as written."""
        return self.labels(text, level, self.parent(parent, "", level))
