"""Callbacks of the unit search and the compare picker on /map.

Choosing a unit found writes the map's URL (a history entry): callbacks.map_page reads a new URL
as it reads any link, so the view that opens is checked there like every other. The compare picker
offers units of the shown unit's level found by the same search, not only the units on the map.
"""

from __future__ import annotations

from dash import Input, Output, State, callback, no_update

from callbacks import context
from data import inputs
from layouts import ids
from layouts import map_search as view
from layouts.i18n import normalise_language
from layouts.map_state import MapView
from layouts.pages import page_named
from queries.unit_search import UnitEntry, UnitIndex, build_index

ROLES = page_named("map_page").roles          # the map's own roles
SEARCH_TEXT_CHARS = 1000                      # longer is not typed but sent by hand: refused, named


def unit_index() -> UnitIndex:
    """Return the index of every unit, built again only after the store's units changed."""
    app = context.current()
    return app.remember("unit_search.index", lambda: build_index(app.cursor()), families=("geometry",))


def search_text(value, field: str) -> str | None:
    """Return a search box's typed text (InputError naming the field for anything but a short text)."""
    return inputs.text(value, field, SEARCH_TEXT_CHARS)


@callback(Output(ids.MAP_SEARCH, "options"), Input(ids.MAP_SEARCH, "search_value"), State(ids.LANGUAGE, "data"),
          prevent_initial_call=True)
def find_units(text, language):
    """Offer the units matching the typed text, best first."""
    text = search_text(text, "map-search.search_value")
    if not text:
        return no_update                     # the box was emptied after a choice: keep what it offered
    return view.unit_options(unit_index().search(text), normalise_language(language))


@callback(Output(ids.MAP_URL, "search", allow_duplicate=True), Output(ids.MAP_SEARCH, "value"),
          Input(ids.MAP_SEARCH, "value"), State(ids.MAP_STATE, "data"), prevent_initial_call=True)
def open_unit(code, state):
    """Open the unit chosen: its level inside its parent, selected; the box is emptied for the next search."""
    entry = unit_index().get(inputs.text(code, "map-search.value", 64))
    if entry is None:
        return no_update, no_update
    return view.jump_view(MapView.from_store(state), entry).to_query(), None


@callback(Output(ids.MAP_COMPARE, "options", allow_duplicate=True), Input(ids.MAP_COMPARE, "search_value"),
          State(ids.MAP_COMPARE, "value"), State(ids.MAP_STATE, "data"), State(ids.LANGUAGE, "data"),
          prevent_initial_call=True)
def find_compared(text, chosen, state, language):
    """Offer the units of the shown unit's level matching the typed text, the one chosen first. An
    emptied text (after a choice) keeps the options: the view, not yet stored, names the choice, and
    a dropdown clears a value missing from its options (callbacks.map_page sends them with the view)."""
    text, chosen = search_text(text, "map-compare.search_value"), inputs.text(chosen, "map-compare.value", 64)
    shown = MapView.from_store(state)
    if shown is None or not text:
        return no_update
    return compare_options(shown_unit(shown), chosen or shown.compare, text, normalise_language(language))


def shown_unit(shown: MapView) -> UnitEntry | None:
    """Return the unit the side panel describes: the selected one, else the one drilled into (None = the city)."""
    index = unit_index()
    return index.get(shown.select) or index.get(shown.unit)


def compare_options(current: UnitEntry | dict | None, compared: str | None, text: str | None,
                    language: str) -> list[dict]:
    """Return the compare picker's options for the unit shown (an index entry or a unit row): the
    compared unit, then the units of its level the text finds (its siblings without a text)."""
    index = unit_index()
    entry = index.get(current["code"]) if isinstance(current, dict) else current
    if entry is None:
        return []
    found = ([hit.entry for hit in index.search(text, level=entry.level, exclude=entry.code)]
             if text else index.siblings(entry.code))
    return view.compare_options(entry, index.get(compared), found, language)
