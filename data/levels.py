"""The levels of a city's grid hierarchy (网格化管理), from the whole city down to the grid.

Every unit in ``admin_units`` has one of these levels; each level's units nest exactly in the
level above. Indicators are computed at each level, pages drill down them in this order.
"""

from __future__ import annotations

LEVELS = ("city", "district", "street", "community", "grid")


def child_level(level: str) -> str | None:
    """Return the level just below ``level`` (None below the grid)."""
    index = LEVELS.index(level)
    return LEVELS[index + 1] if index + 1 < len(LEVELS) else None


def levels_below(level: str) -> tuple[str, ...]:
    """Return the levels below ``level``, from the next one down to the grid."""
    return LEVELS[LEVELS.index(level) + 1:]
