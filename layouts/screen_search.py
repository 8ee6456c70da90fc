"""The wall's unit search: a key ("/" or "f") opens the same search as /map over the wall's map;
choosing a unit moves the map to it and outlines it, Esc goes back to the whole city. Keyboard only
(a wall has no mouse): assets/screen_search.js opens and closes the box and keeps the wall's own keys
(scenes, layers) out of it while it is open.

Pure functions: the box, the note saying which unit the map shows, and the map's Patch.
"""

from __future__ import annotations

from dash import Patch, html

from layouts import ids, map_layers, theme
from layouts.i18n import add_texts, t
from layouts.map_search import search_box, unit_label
from layouts.screen_map import ABOVE_LINE_WIDTH
from queries.unit_search import UnitEntry

OPEN_CLASS = "screen-search screen-search-open"
CLOSED_CLASS = "screen-search"
FOCUS_LINE_WIDTH = 5.0

add_texts({
    "screen_search.title": ("查找单元", "Find a unit"),
    "screen_search.keys": ("输入名称、拼音首字母或编码 · ↑↓ 选择 · Enter 定位 · Esc 关闭",
                           "Type a name, pinyin initials or code · ↑↓ choose · Enter go · Esc close"),
    "screen_search.focus": ("已定位", "Showing"),
    "screen_search.back": ("Esc 返回全市", "Esc: back to the whole city"),
})


def overlay(language: str) -> list:
    """Return the search box (closed until its key is pressed) and the note of the unit shown."""
    return [html.Div([html.Div(t("screen_search.title", language), className="screen-search-title"),
                      search_box(ids.SCREEN_SEARCH, language, className="screen-search-dropdown"),
                      html.Div(t("screen_search.keys", language), className="screen-search-keys")],
                     id=ids.SCREEN_SEARCH_BOX, className=CLOSED_CLASS, role="dialog",
                     **{"aria-label": t("screen_search.title", language), "data-testid": "screen-search"}),
            html.Div(id=ids.SCREEN_FOCUS_NOTE, className="screen-focus-note", **{"data-testid": "screen-focus-note"})]


def focus_note(entry: UnitEntry | None, language: str) -> list | None:
    """Return the note naming the unit the map shows and how to go back (none for the whole city)."""
    if entry is None:
        return None
    return [html.Span(t("screen_search.focus", language), className="screen-focus-label"),
            html.Span(unit_label(entry, language), className="screen-focus-unit"),
            html.Span(t("screen_search.back", language), className="screen-focus-back")]


def focus_layer(outline: dict) -> dict:
    """Return the ``layout.map.layers`` entry outlining the unit shown."""
    return {"sourcetype": "geojson", "source": outline, "type": "line", "color": theme.MAP_SELECTED_LINE["dark"],
            "line": {"width": FOCUS_LINE_WIDTH}}


def focus_patch(view: dict, above_geojson: dict | None, outline: dict | None) -> Patch:
    """Return the map's Patch: the camera on ``view``, the districts' outlines as the wall draws them
    (layouts.screen_map) and the unit's own outline over them (none for the city)."""
    patch = Patch()
    patch["layout"]["map"]["center"] = view["center"]
    patch["layout"]["map"]["zoom"] = view["zoom"]
    layers = [map_layers.outline_layer(above_geojson, "dark", ABOVE_LINE_WIDTH)] if above_geojson else []
    patch["layout"]["map"]["layers"] = layers + ([focus_layer(outline)] if outline else [])
    return patch
