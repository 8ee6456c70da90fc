"""Finding a unit and comparing two: the search box of /map (also the wall's, layouts/screen_search.py),
its options, the view a found unit opens, and the compare picker's options.

Pure functions: units found (queries/unit_search.py) in, components and views out. The options'
labels are plain text (Dash renders them inert); a unit's label carries its level and the names of
its ancestors, since many grids share a name ("第1网格").
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
from dash import dcc

from layouts.i18n import add_texts, t
from layouts.map_page_texts import level_name
from layouts.map_state import MapView
from queries.unit_search import UnitEntry, UnitHit

add_texts({
    "unit_search.label": ("查找单元", "Find a unit"),
    "unit_search.placeholder": ("名称、拼音首字母或编码", "Name, pinyin initials or code"),
    "unit_search.none": ("未找到单元", "No unit found"),
    "unit_search.compare_placeholder": ("同级任意单元：名称、拼音或编码", "Any unit of the same level: name, pinyin or code"),
    "unit_search.compare_none": ("全市无可对比的同级单元", "The city has no unit of its level to compare"),
    "unit_search.difference": ("差值", "Difference"),
    "unit_search.clear": ("清除", "Clear"),
})


def dropdown_labels(language: str, none_key: str = "unit_search.none") -> dict:
    """Return the dropdown's own texts (search box, clear buttons, nothing found) in the UI language."""
    return {"search": t("unit_search.placeholder", language), "no_options_found": t(none_key, language),
            "clear_search": t("unit_search.clear", language), "clear_selection": t("unit_search.clear", language)}


def search_box(component_id: str, language: str, **style) -> dcc.Dropdown:
    """Return a unit search: type a name, pinyin initials or a code; the server offers the units
    found (best first) and choosing one opens it."""
    return dcc.Dropdown(id=component_id, options=[], placeholder=t("unit_search.placeholder", language),
                        search_order="original", optionHeight=52, maxHeight=420, clearable=True,
                        labels=dropdown_labels(language), **style)


def compare_picker(component_id: str, language: str) -> dcc.Dropdown:
    """Return the compare picker: any unit of the selected unit's level, found by the same search."""
    return dcc.Dropdown(id=component_id, options=[], placeholder=t("unit_search.compare_placeholder", language),
                        search_order="original", optionHeight=52, maxHeight=320,
                        labels=dropdown_labels(language, "unit_search.compare_none"))


def unit_label(entry: UnitEntry, language: str) -> str:
    """Return how a unit is offered: its name, level, ancestors' names and code."""
    zh = language == "zh"
    name = (entry.name_zh if zh else entry.name_en) or entry.code
    path = entry.path_zh if zh else entry.path_en
    parts = [name, level_name(entry.level, language), path, entry.code]
    return " · ".join(part for part in parts if part)


def unit_option(entry: UnitEntry, language: str) -> dict:
    """Return one option; ``search`` holds every key the server matched on, so the dropdown's own
    filter keeps what the server found (pinyin initials are in no label)."""
    keys = " ".join((entry.code_key, *entry.name_keys, *entry.pinyin_keys, entry.name_zh or "", entry.name_en or ""))
    return {"label": unit_label(entry, language), "value": entry.code, "search": keys}


def unit_options(hits: list[UnitHit], language: str) -> list[dict]:
    """Return the units found as the dropdown's options, best first."""
    return [unit_option(hit.entry, language) for hit in hits]


def compare_options(current: UnitEntry | None, compared: UnitEntry | None, found: list[UnitEntry],
                    language: str) -> list[dict]:
    """Return the compare picker's options: the compared unit first (a dropdown clears a value missing
    from its options), then the units ``found`` of the ``current`` unit's level; none for the city."""
    if current is None or current.parent_code is None:
        return []
    entries = [compared] if compared is not None and compared.level == current.level else []
    entries += [e for e in found if e.level == current.level and e.code not in (current.code, *[c.code for c in entries])]
    return [unit_option(e, language) for e in entries]


def jump_view(shown: MapView | None, entry: UnitEntry) -> MapView:
    """Return the view that shows a found unit: its level inside its parent (the city for a unit
    right under it), the unit selected (outlined, in the side panel); the indicator and hour stay,
    a compare (of another level, perhaps) is dropped."""
    base = shown or MapView()
    parent = entry.parent_code if entry.parent_code is not None and entry.level != "city" else None
    if entry.level == "city":
        return replace(base, unit=None, level=None, select=None, compare=None, playing=False)
    return replace(base, unit=parent, level=entry.level, select=entry.code, compare=None, playing=False)


def value_difference(first, second) -> str | None:
    """Return the first value minus the second, with the change in per cent of the second
    ("+12.5 (+8.3%)"); None when either is missing."""
    if first is None or second is None or pd.isna(first) or pd.isna(second):
        return None
    share = f" ({(first - second) / second * 100:+.1f}%)" if second else ""
    return f"{first - second:+,.4g}{share}"
