"""The four taxonomy levels, in one place, so every module agrees on their names and order."""

from typing import Literal

Level = Literal["L0", "L1", "L2", "L3"]
LEVELS: tuple[Level, ...] = ("L0", "L1", "L2", "L3")


def level_index(level: str) -> int:
    """Depth of a level (L0 -> 0); raises ValueError for anything that is not a level."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    return LEVELS.index(level)  # type: ignore[arg-type]


def parent_level(level: Level) -> Level | None:
    """The level one up, or None for L0."""
    index = level_index(level)
    return LEVELS[index - 1] if index else None
