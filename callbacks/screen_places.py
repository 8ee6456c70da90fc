"""Callbacks of the wall's places and cameras layers (layouts/screen_places.py).

Once the wall's first refresh has drawn the figure the layers ride on (``screen-overlays-ready``, set
in the browser), every REDRAW_S and when a switch or the language changes, the layers are built and
sent as a Patch of their two traces with the legend, only when their content changed since this wall
last got them. They are read and built once for every wall, per data version of the geometry (places
come through ingest batches) and, for the cameras' online flags, which the alarm feed sets without a
data version, per REDRAW_S; the wall's ScreenCache keeps them, one per choice of layers, language and
size. A layer switched off reads nothing. The switches toggle in the browser
(assets/screen_places.js); until a wall's first switch the settings say what it shows.
"""

from __future__ import annotations

from dash import ClientsideFunction, Input, Output, Patch, State, callback, clientside_callback
from dash.exceptions import PreventUpdate

from callbacks import context
from callbacks.screen import digest, screen_cache
from callbacks.screen_search import wall_language
from data import inputs, settings
from layouts import ids
from layouts import screen_map as wall_map
from layouts import screen_places as view
from layouts.pages import page_named
from queries import places as place_queries

ROLES = page_named("screen").roles            # the wall's own roles, the display-token session among them
SETTING_OF = {"places": "wall_places_layer", "cameras": "wall_cameras_layer"}


def chosen_layers(choice, con) -> list[str]:
    """Return the layers to show: those this wall switched on, else those the settings turn on."""
    picked = inputs.mapping(choice, "screen-overlays.data").get("layers")
    if picked is None:
        return [layer for layer in view.LAYERS if settings.resolve(SETTING_OF[layer], con=con)]
    if not isinstance(picked, list):
        raise inputs.InputError("screen-overlays.data.layers", "a list of layers")
    return [layer for layer in view.LAYERS if layer in picked]


def text_px(viewport) -> float:
    """Return the wall's smallest text size in px, from the unit its stylesheet measured (assets/screen.js)."""
    size = inputs.mapping(viewport, "screen-viewport.data")
    unit = size.get("u")
    if unit is None:
        height = inputs.whole_number(size.get("h") or 800, "screen-viewport.data.h", 1, 100_000)
        return wall_map.text_px(height / 80)
    return wall_map.text_px(inputs.finite_number(unit, "screen-viewport.data.u", 0.1, 1000.0))


def overlay_content(layers: list[str], language: str, size_px: float, now_s: int) -> tuple:
    """Return (traces, legend, fingerprint) of the layers, built once for every wall per geometry version
    (and per REDRAW_S while the cameras are shown); one kept per choice of layers, language and size."""
    app = context.current()
    key = (app.data_versions()["geometry"], now_s // view.REDRAW_S if "cameras" in layers else None)
    return screen_cache().kept_by_key(f"overlays.{','.join(layers)}.{language}.{size_px}", key,
                                      lambda: _build(app, layers, language, size_px))


def _build(app, layers: list[str], language: str, size_px: float) -> tuple:
    con = app.cursor()
    places, cameras = place_queries.layer_points(con, "places" in layers, "cameras" in layers)
    sprite = isinstance(app.map_style("dark", language), dict)         # the app's own style names the sprite
    traces = view.overlay_traces(places, cameras, layers, language, sprite, size_px)
    kinds = place_queries.kinds_frame(con) if "places" in layers else None
    legend = view.legend(places, cameras, kinds, layers, language, sprite)
    return traces, legend, digest([traces, legend])


@callback(Output(ids.SCREEN_MAP, "figure", allow_duplicate=True), Output(ids.SCREEN_OVERLAY_LEGEND, "children"),
          Output(ids.SCREEN_OVERLAYS_SHOWN, "data"),
          *[Output(view.button_id(layer), "className") for layer in view.LAYERS],
          Input(ids.SCREEN_OVERLAYS, "data"), Input(ids.SCREEN_OVERLAYS_READY, "data"),
          Input(ids.SCREEN_OVERLAYS_TICK, "n_intervals"), Input(ids.LANGUAGE, "data"),
          State(ids.SCREEN_OVERLAYS_SHOWN, "data"), State(ids.SCREEN_CONFIG, "data"), State(ids.SCREEN_VIEWPORT, "data"),
          prevent_initial_call=True)
def draw_overlays(choice, ready, _tick, language, shown, config, viewport):
    """Send the layers switched on (and hide those switched off) when what they show changed."""
    if ready is not True:
        raise PreventUpdate                   # the wall's figure is not drawn yet: nothing to patch
    app = context.current()
    layers = chosen_layers(choice, app.cursor())
    traces, legend, fingerprint = overlay_content(layers, wall_language(config, language), text_px(viewport),
                                                  app.now_s())
    if inputs.mapping(shown, "screen-overlays-shown.data").get("digest") == fingerprint:
        raise PreventUpdate
    patch = Patch()
    for layer, trace in zip(view.LAYERS, traces):
        patch["data"][view.TRACE_INDEX[layer]] = trace
    return (patch, legend, {"layers": layers, "digest": fingerprint},
            *[view.button_class(layer in layers) for layer in view.LAYERS])


clientside_callback(ClientsideFunction("screenPlaces", "ready"), Output(ids.SCREEN_OVERLAYS_READY, "data"),
                    Input(ids.SCREEN_SENT, "data"), State(ids.SCREEN_OVERLAYS_READY, "data"), prevent_initial_call=True)

clientside_callback(ClientsideFunction("screenPlaces", "toggle"), Output(ids.SCREEN_OVERLAYS, "data"),
                    *[Input(view.button_id(layer), "n_clicks") for layer in view.LAYERS],
                    State(ids.SCREEN_OVERLAYS, "data"), State(ids.SCREEN_OVERLAYS_SHOWN, "data"),
                    prevent_initial_call=True)
