"""Callbacks of the places and cameras layers on /map (layouts/place_layers.py).

The layers ride on the map: the view's callback (callbacks/map_page.py) draws every new map with
them, as :func:`overlays` returns them, so a drill redraws the map once. A switch replaces them on
the map drawn, with a Patch, never the units' geometry; a new language relabels the switch and the
legend (the view's callback draws the map again in it).
"""

from __future__ import annotations

from dash import Input, Output, Patch, State, callback, ctx, no_update

from callbacks import context
from layouts import ids
from layouts import place_layers as view
from layouts.i18n import normalise_language, t
from layouts.pages import ANALYSTS
from queries import places as place_queries

ROLES = ANALYSTS            # the roles of /map


def switched_on(layers) -> list[str]:
    """Return the known layers among the switch's value (anything else a browser sends is dropped)."""
    if not isinstance(layers, (list, tuple)):
        return []
    return [layer for layer in layers if isinstance(layer, str) and layer in view.LAYERS]


def overlays(layers, language: str) -> list[dict]:
    """Return the two layers' traces for the map, each visible when switched on (nothing is read for
    a layer switched off)."""
    app = context.current()
    layers = switched_on(layers)
    places, cameras = place_queries.layer_points(app.cursor(), "places" in layers, "cameras" in layers)
    sprite = isinstance(app.map_style("light", language), dict)        # the app's own style names the sprite
    return view.overlay_traces(places, cameras, layers, language, sprite)


@callback(Output(ids.MAP_GRAPH, "figure", allow_duplicate=True), Output(ids.MAP_PLACE_LEGEND, "children"),
          Output(ids.MAP_PLACE_LAYERS, "options"), Output(ids.MAP_PLACE_TITLE, "children"),
          Input(ids.MAP_PLACE_LAYERS, "value"), Input(ids.LANGUAGE, "data"), State(ids.MAP_DRAWN, "data"),
          prevent_initial_call=True)
def switch_place_layers(layers, language, drawn):
    """Replace the layers on the map drawn when the switch changed; draw the legend and label the
    switch in the page's language."""
    language, layers = normalise_language(language), switched_on(layers)
    patch = no_update
    if drawn and ctx.triggered_id == ids.MAP_PLACE_LAYERS:
        patch = Patch()
        for offset, trace in enumerate(overlays(layers, language)):
            patch["data"][view.OVERLAY_FROM + offset] = trace
    places_shown = "places" in layers and not place_queries.map_places(context.current().cursor(), 1).empty
    kinds = place_queries.kinds_frame(context.current().cursor()) if "places" in layers else None
    return patch, view.legend(kinds, layers, language, places_shown), view.layer_options(language), \
        t("places.layers", language)
