"""Concept identity: the canonical key a field's spellings share, and the family a field belongs to."""

from taxonomy_assets.concepts.families import FieldFamilies
from taxonomy_assets.concepts.keys import ConceptKeyer

__all__ = ["ConceptKeyer", "FieldFamilies"]
