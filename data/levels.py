"""The levels of a city's grid hierarchy (网格化管理), from the whole city down to the grid.

Every unit in ``admin_units`` has one of these levels; each level's units nest exactly in the
levels above. A city need not have every level: San Francisco's 41 neighbourhoods are its grids,
right under the city. Pages drill down the levels a store holds (:func:`store_levels`), in this order.
"""

from __future__ import annotations

import duckdb

LEVELS = ("city", "district", "street", "community", "grid")
# the column of admin_units that names a unit's ancestor at each level (a grid's own code is ``code``)
ANCESTOR_COLUMN = {"city": "city_code", "district": "district_code", "street": "street_code",
                   "community": "community_code"}


def child_level(level: str, present: tuple[str, ...] = LEVELS) -> str | None:
    """Return the level just below ``level`` among the ``present`` ones (None below the grid)."""
    below = levels_below(level, present)
    return below[0] if below else None


def levels_below(level: str, present: tuple[str, ...] = LEVELS) -> tuple[str, ...]:
    """Return the ``present`` levels below ``level``, from the next one down to the grid."""
    return tuple(lv for lv in LEVELS[LEVELS.index(level) + 1:] if lv in present)


def store_levels(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """Return the levels the store's units have, in hierarchy order."""
    held = {row[0] for row in con.execute("SELECT DISTINCT level FROM admin_units").fetchall()}
    return tuple(level for level in LEVELS if level in held)
