"""Callbacks of the places and cameras layers on /map (layouts/place_layers.py).

The layers ride on the map the map callback draws (callbacks/map_page.py): after each full drawing
(a new ids.MAP_DRAWN key) they are appended to it, and a switch or a language change replaces them
in place, with a Patch, never the units' geometry.
"""

from __future__ import annotations

from dash import Input, Output, Patch, State, callback, no_update

from callbacks import context
from layouts import ids
from layouts import place_layers as view
from layouts.i18n import normalise_language, t
from layouts.pages import ANALYSTS
from queries import places as place_queries

ROLES = ANALYSTS            # the roles of /map


@callback(Output(ids.MAP_GRAPH, "figure", allow_duplicate=True), Output(ids.MAP_PLACES_DRAWN, "data"),
          Output(ids.MAP_PLACE_LEGEND, "children"), Output(ids.MAP_PLACE_LAYERS, "options"),
          Output(ids.MAP_PLACE_TITLE, "children"),
          Input(ids.MAP_DRAWN, "data"), Input(ids.MAP_PLACE_LAYERS, "value"), Input(ids.LANGUAGE, "data"),
          State(ids.MAP_PLACES_DRAWN, "data"), prevent_initial_call=True)
def draw_place_layers(drawn, layers, language, placed):
    """Add the layers to a new drawing of the map, or replace them on the drawing they are on."""
    if not drawn:
        return no_update, no_update, no_update, no_update, no_update
    language, layers = normalise_language(language), [layer for layer in (layers or []) if layer in view.LAYERS]
    app = context.current()
    con = app.cursor()
    shown = {layer: place_queries.MAX_POINTS if layer in layers else 0 for layer in view.LAYERS}   # none read when off
    places, cameras = place_queries.map_places(con, shown["places"]), place_queries.map_cameras(con, shown["cameras"])
    sprite = isinstance(app.map_style("light", language), dict)        # the app's own style names the sprite
    traces = view.overlay_traces(places, cameras, layers, language, sprite)
    patch = Patch()
    for offset, trace in enumerate(traces):
        if placed == drawn:
            patch["data"][view.OVERLAY_FROM + offset] = trace
        else:
            patch["data"].append(trace)
    kinds = place_queries.kinds_frame(con) if "places" in layers else None
    return (patch, drawn, view.legend(kinds, layers, language, not places.empty), view.layer_options(language),
            t("places.layers", language))
