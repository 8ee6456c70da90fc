"""Find a unit of the city (district, street, community, grid: whatever levels the store holds) by
its code, its name in either language, or the pinyin of a Chinese name (initials "hpjd" or the
whole "hepingjiedao" for 和平街道).

The index is built once per version of the store's geometry (the caller keeps it with
``AppContext.remember(..., families=("geometry",))``), never per keystroke: every unit's search
keys are computed here, and a search is one pass over them. Results are ranked

    exact code  <  name (or code) prefix  <  pinyin initials or pinyin prefix  <  substring

then by level (the city and districts before grids), shorter names first, then by code; at most
``limit`` come back. A city whose names are not Chinese (San Francisco's neighbourhoods) simply
has no pinyin keys; its names match case-insensitively.
"""

from __future__ import annotations

import functools
import heapq
import unicodedata
from dataclasses import dataclass

import duckdb
import shapely
from pypinyin import Style, lazy_pinyin

from data import geo
from data.levels import LEVELS
from queries.reads import reads

RESULT_LIMIT = 10           # a search returns at most this many units
QUERY_CHARS = 64            # the part of a query that is searched (a longer paste is cut, not refused)
EXACT_CODE, PREFIX, PINYIN, SUBSTRING = range(4)       # the ranks of a match, best first


@dataclass(frozen=True)
class UnitEntry:
    """One unit as the search knows it: its row, its ancestors' names and its search keys."""

    code: str
    level: str
    name_zh: str
    name_en: str
    parent_code: str | None
    path_zh: str                # the names of its ancestors below the city, nearest first
    path_en: str
    code_key: str               # the code, lower case
    name_keys: tuple[str, ...]  # the names, normalised (lower case, no spaces)
    pinyin_keys: tuple[str, ...]    # initials and whole pinyin of a Chinese name (empty otherwise)
    haystack: str = ""          # every key in one text: a query found in none of them is no match
    plain: str = ""             # the code and names in one text (a substring of pinyin is no match)
    order: tuple = ()           # within a rank: level (the city first), name length, code


@dataclass(frozen=True)
class UnitHit:
    """A unit found, with the rank of its best match (EXACT_CODE … SUBSTRING)."""

    entry: UnitEntry
    rank: int


def normalise(text: str) -> str:
    """Return text as the index compares it: NFKC (full-width letters and digits become ASCII),
    lower case, without spaces."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def has_han(text: str) -> bool:
    """Return whether the text holds a Chinese (Han) character."""
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


@functools.lru_cache(maxsize=4096)         # many grids share a name (第1网格): each is read once per build
def pinyin_keys(name: str) -> tuple[str, ...]:
    """Return the pinyin initials and the whole pinyin of a Chinese name ("hpjd", "hepingjiedao");
    characters that are not Han (digits, Latin letters) stay as they are. No keys for other names."""
    if not has_han(name):
        return ()
    initials = normalise("".join(lazy_pinyin(name, style=Style.FIRST_LETTER)))
    whole = normalise("".join(lazy_pinyin(name)))
    return tuple(dict.fromkeys((initials, whole)))


def entry_of(row: tuple, names: dict[str, tuple[str, str, str | None]]) -> UnitEntry:
    """Return the index entry of an admin_units row (code, level, name_zh, name_en, parent_code),
    with the names of its ancestors below the city from ``names`` ({code: (zh, en, parent)})."""
    code, level, name_zh, name_en, parent = row
    path_zh, path_en, step = [], [], parent
    while step in names and names[step][2] is not None:        # up to, not including, the city
        path_zh.append(names[step][0])
        path_en.append(names[step][1])
        step = names[step][2]
    keys, pinyin = tuple(dict.fromkeys(normalise(n) for n in (name_zh, name_en) if n)), pinyin_keys(name_zh or "")
    return UnitEntry(code, level, name_zh, name_en, parent, " · ".join(path_zh), " · ".join(path_en),
                     code.lower(), keys, pinyin, "\n".join((code.lower(), *keys, *pinyin)),
                     "\n".join((code.lower(), *keys)), (LEVELS.index(level), len(name_zh or name_en or ""), code))


@dataclass(frozen=True)
class UnitIndex:
    """Every unit of the store with its search keys, and a unit by code."""

    entries: tuple[UnitEntry, ...]
    by_code: dict

    def get(self, code: str | None) -> UnitEntry | None:
        """Return the unit of that code (None when unknown)."""
        return self.by_code.get(code) if isinstance(code, str) else None

    def search(self, text: str | None, level: str | None = None, limit: int = RESULT_LIMIT,
               exclude: str | None = None) -> list[UnitHit]:
        """Return the best ``limit`` units matching ``text`` (only of ``level`` when given, never
        ``exclude``), best first; an empty text finds nothing."""
        query = normalise((text or "")[:QUERY_CHARS])
        if not query:
            return []
        ranked = [(rank, e.order, e) for e in self.entries
                  if query in e.haystack and (level is None or e.level == level) and e.code != exclude
                  for rank in (match_rank(e, query),) if rank is not None]
        return [UnitHit(e, rank) for rank, _order, e in heapq.nsmallest(limit, ranked, key=lambda r: r[:2])]

    def siblings(self, code: str, limit: int = RESULT_LIMIT) -> list[UnitEntry]:
        """Return the units of the same level and parent as ``code`` (itself left out), by code."""
        unit = self.get(code)
        if unit is None:
            return []
        return [e for e in self.entries if e.level == unit.level and e.parent_code == unit.parent_code
                and e.code != code][:limit]


def match_rank(entry: UnitEntry, query: str) -> int | None:
    """Return the rank of the best match of a normalised query on the unit, or None when none."""
    if entry.code_key == query:
        return EXACT_CODE
    for key in (entry.code_key, *entry.name_keys):
        if key.startswith(query):
            return PREFIX
    for key in entry.pinyin_keys:
        if key.startswith(query):
            return PINYIN
    return SUBSTRING if query in entry.plain else None


@reads("geometry")
def build_index(con: duckdb.DuckDBPyConnection) -> UnitIndex:
    """Return the index of every unit of the store (read once per geometry version)."""
    rows = con.execute("SELECT code, level, name_zh, name_en, parent_code FROM admin_units ORDER BY level_no, code"
                       ).fetchall()
    names = {r[0]: (r[2], r[3], r[4]) for r in rows}
    entries = tuple(entry_of(r, names) for r in rows)
    return UnitIndex(entries, {e.code: e for e in entries})


@reads("geometry")
def unit_outline(con: duckdb.DuckDBPyConnection, code: str) -> tuple[dict, tuple[float, float, float, float]] | None:
    """Return (the unit's boundary as a GeoJSON FeatureCollection simplified for its level, its
    bounds in lon/lat), or None for an unknown unit or one without geometry."""
    rows = con.execute("SELECT level, geometry FROM admin_units WHERE code = ?", [code]).fetchall()
    if not rows or rows[0][1] is None:
        return None
    shape = shapely.from_wkb(rows[0][1])
    drawn = shapely.set_precision(shapely.simplify(shape, geo.TOLERANCE_DEG[rows[0][0]]), 10**-geo.DECIMALS)
    feature = {"type": "Feature", "id": code, "properties": {}, "geometry": shapely.geometry.mapping(drawn)}
    return {"type": "FeatureCollection", "features": [feature]}, tuple(shape.bounds)
