"""Callbacks of the wall's unit search (/screen): the units found, and the map moved to the one
chosen (a Patch of its camera and outlines) or back to the whole city.

The wall's refresh (callbacks.screen) patches only the parts whose data changed, so a unit shown
stays shown until Esc; the page's periodic reload starts from the whole city again.
"""

from __future__ import annotations

from dash import Input, Output, State, callback, no_update
from dash.exceptions import PreventUpdate

from callbacks import context
from callbacks.map_search import search_text, unit_index
from callbacks.screen import DEFAULT_VIEWPORT, covered_sides, wall_drawing
from data import geo, inputs
from layouts import ids
from layouts import map_search
from layouts import screen_search as view
from layouts.i18n import normalise_language
from layouts.map_page import view_for_bounds
from layouts.pages import page_named
from queries.unit_search import unit_outline

ROLES = page_named("screen").roles            # the wall's own roles, the display-token session among them
FOCUS_FILL = 0.7                              # a unit shown fills this share of the map box, its surroundings around it


def wall_language(config, language) -> str:
    """Return the wall's language: the one its address fixes (?lang=), else the UI's."""
    return normalise_language(inputs.mapping(config, "screen-config.data").get("lang") or language)


@callback(Output(ids.SCREEN_SEARCH, "options"), Input(ids.SCREEN_SEARCH, "search_value"),
          State(ids.SCREEN_CONFIG, "data"), State(ids.LANGUAGE, "data"), prevent_initial_call=True)
def find_units(text, config, language):
    """Offer the units matching the typed text, best first."""
    text = search_text(text, "screen-search.search_value")
    if not text:
        return no_update
    return map_search.unit_options(unit_index().search(text), wall_language(config, language))


@callback(Output(ids.SCREEN_MAP, "figure", allow_duplicate=True), Output(ids.SCREEN_FOCUS_NOTE, "children"),
          Output(ids.SCREEN_SEARCH_BOX, "className"),
          Input(ids.SCREEN_SEARCH, "value"), State(ids.SCREEN_VIEWPORT, "data"), State(ids.SCREEN_SENT, "data"),
          State(ids.SCREEN_CONFIG, "data"), State(ids.LANGUAGE, "data"), prevent_initial_call=True)
def show_unit(code, viewport, sent, config, language):
    """Move the wall's map to the unit chosen (None: the whole city), outline it, say so, close the box."""
    code = inputs.text(code, "screen-search.value", 64)
    if not inputs.mapping(sent, "screen-sent.data").get("geometry"):
        raise PreventUpdate                   # the map is not drawn yet: nothing to move
    language, size = wall_language(config, language), box_size(viewport)
    entry = unit_index().get(code)
    con = context.current().cursor()
    found = unit_outline(con, entry.code) if entry is not None and entry.level != "city" else None
    framed = [round(side * FOCUS_FILL) for side in size]
    camera = view_for_bounds(found[1], *framed) if found else geo.city_view(con, *size, *city_sides(viewport, size))
    above = wall_drawing(language, 24)["above_geojson"]
    return (view.focus_patch(camera, above, found[0] if found else None),
            view.focus_note(entry if found else None, language), view.CLOSED_CLASS)


def city_sides(viewport, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """Return the px covered at the map's left, right, top and bottom as the wall measured them (none before
    that)."""
    measured = inputs.mapping(viewport, "screen-viewport.data")
    return covered_sides({**measured, "w": size[0], "h": size[1]}) if measured else (0, 0, 0, 0)


def box_size(viewport) -> tuple[int, int]:
    """Return the map box's width and height in px as the wall measured them (a default before that)."""
    size = inputs.mapping(viewport, "screen-viewport.data")
    if size.get("w") is None or size.get("h") is None:
        return DEFAULT_VIEWPORT["w"], DEFAULT_VIEWPORT["h"]
    return tuple(inputs.whole_number(size[side], f"screen-viewport.data.{side}", 1, 100_000) for side in ("w", "h"))
