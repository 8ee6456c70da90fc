"""Where a brief looks: the whole city, or one district, street (or community) with its own units
ranked below it. Levels come from the store (data/levels.py): a city without districts ranks the
units right under it."""

from __future__ import annotations

from dataclasses import dataclass

from data.levels import ANCESTOR_COLUMN, levels_below, store_levels
from reporting.span import BriefRefused

RANKED_LEVELS = 2          # the brief ranks the two levels under its area (city: districts and streets)
AREA_LEVELS = ("city", "district", "street", "community")


@dataclass(frozen=True)
class Area:
    """One unit a brief covers and the levels of its units it ranks."""

    code: str
    level: str
    name_zh: str
    name_en: str
    ranked: tuple[str, ...]          # the levels under it the brief ranks, nearest first

    @property
    def column(self) -> str:
        """Return the column of a grid row naming its ancestor at this area's level."""
        return ANCESTOR_COLUMN[self.level]

    @property
    def is_city(self) -> bool:
        """Return True for the whole city."""
        return self.level == "city"

    def name(self, language: str) -> str:
        """Return the area's name in ``language``."""
        return self.name_zh if language == "zh" else self.name_en


def resolve_area(con, code: str | None) -> Area:
    """Return the area of ``code`` (the city when None); BriefRefused naming an unknown code."""
    if code:
        row = con.execute("SELECT code, level, name_zh, name_en FROM admin_units WHERE code = ? AND level IN "
                          "(SELECT unnest(?))", [str(code)[:40], list(AREA_LEVELS)]).fetchone()
    else:
        row = con.execute("SELECT code, level, name_zh, name_en FROM admin_units WHERE level = 'city' "
                          "ORDER BY code LIMIT 1").fetchone()
    if row is None:
        shown = str(code)[:40]
        raise BriefRefused("area", f"没有编码为 {shown} 的区域（区县、街道或社区）。",
                           f"area: no city, district, street or community has the code {shown!r}.")
    ranked = tuple(lv for lv in levels_below(row[1], store_levels(con)) if lv != "grid")[:RANKED_LEVELS]
    return Area(row[0], row[1], row[2], row[3], ranked)


def area_units(con, area: Area) -> list[str]:
    """Return the codes of the area and every unit inside it (for alerts raised on any of them)."""
    if area.is_city:
        return [r[0] for r in con.execute("SELECT code FROM admin_units").fetchall()]
    return [r[0] for r in con.execute(f"SELECT code FROM admin_units WHERE code = $code OR {area.column} = $code",
                                      {"code": area.code}).fetchall()]


def area_choices(con) -> list[tuple[str, str, str, str]]:
    """Return (code, level, name_zh, name_en) of the city, its districts and streets, in that order."""
    return [tuple(r) for r in con.execute(
        "SELECT code, level, name_zh, name_en FROM admin_units WHERE level IN ('city', 'district', 'street') "
        "ORDER BY level_no, code").fetchall()]
