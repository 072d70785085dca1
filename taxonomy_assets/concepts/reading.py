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
# Distinct (unit text, level, parent labels) whose keyed labels one reader remembers.
KEYED_CACHE_SIZE = 65536


@dataclass(frozen=True)
class ParentReading:
    """A parent hint read one level up: its labels (for context) and concept keys (for the hierarchy)."""

    hint: str = ""
    labels: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()


NO_PARENT = ParentReading()


@dataclass(frozen=True)
class KeyedLabel:
    """A label of a record as S1 writes it: with its concept key ("" when the label keys to nothing)
    and its aliases distinct and sorted. Shared by every record that reads the same; never mutated."""

    label: str
    normalized: str
    concept_key: str
    aliases: list[str]


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
        # an extractor whose answer depends on its arguments only (the rules) is asked once per distinct
        # unit text and parent, and a parent hint is read once per distinct text without the institution's
        # name: every institution has its 'Department of Chemistry' under its 'College of Science'. One
        # that calls a model is asked as before, as its own cache and usage counts expect.
        deterministic = getattr(extractor, "deterministic", False)
        self._reads_parent = getattr(extractor, "reads_parent", True)
        self._keyed = (
            lru_cache(maxsize=KEYED_CACHE_SIZE)(self._keyed_labels) if deterministic else self._keyed_labels
        )
        self._parent_unit = (
            lru_cache(maxsize=PARENT_CACHE_SIZE)(self._read_parent_unit)
            if deterministic
            else self._read_parent_unit
        )

    def unit_text(self, text: str, institution: str, level: Level) -> str:
        """The text without the institution's own name, at levels whose records are its unit names."""
        return self._names.strip(text, institution) if institution and level in self._name_levels else text

    def _read_parent(self, hint: str, institution: str, level: Level) -> ParentReading:
        """The parent hint of a record at `level`; a hint nothing can be read from gives no anchor."""
        up = parent_level(level)
        if not hint or up is None:
            return NO_PARENT
        return self._parent_unit(hint, self.unit_text(hint, institution, up), up)

    def _read_parent_unit(self, hint: str, unit_hint: str, up: Level) -> ParentReading:
        """The parent hint as written and without its institution's name, read at level `up`."""
        try:
            extracted = self.extractor.extract(unit_hint, up)
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

    def keyed_labels(
        self, text: str, level: Level, parent: ParentReading = NO_PARENT, institution: str = ""
    ) -> tuple[KeyedLabel, ...]:
        """`labels` with their concept keys; raises LabelingError as the extractor does."""
        hint = parent.hint if self._reads_parent else ""
        return self._keyed(self.unit_text(text, institution, level), level, hint, parent.labels)

    def _keyed_labels(
        self, unit_text: str, level: Level, hint: str, parent_labels: tuple[str, ...]
    ) -> tuple[KeyedLabel, ...]:
        """What the labels of a unit depend on: its text, the level, the parent's labels (and the parent
        as written, for an extractor that reads it)."""
        parent = ParentReading(hint=hint, labels=parent_labels)
        return tuple(
            KeyedLabel(
                label=extracted.label,
                normalized=extracted.normalized,
                concept_key=self.keyer.key(extracted.normalized, level),
                aliases=sorted(set(extracted.aliases)),
            )
            for extracted in self.labels(unit_text, level, parent)
        )

    def extract(self, text: str, level: Level, parent: str = "") -> list[ExtractedLabel]:
        """Fields of one unit name or list item; `parent` is the parent unit as written."""
        return self.labels(text, level, self.parent(parent, "", level))
