"""The places and cameras layers of the wall (/screen): two switches under the layer buttons (keys 5
and 6), the layers drawn over the grids, and a legend at the wall's text size.

The traces are /map's (layouts/place_layers.py: the kinds' icons from the app's own sprite, cameras
as dots by online status, names made inert, cut and escaped), grown with the wall's size. They sit
at fixed places in the wall's figure (layouts/screen_map.py draws them empty at first), so the
callback (callbacks/screen_places.py) replaces them with a Patch and never touches the grids. Each
layer is off until switched on, unless the settings ``wall_places_layer`` / ``wall_cameras_layer``
turn it on for every wall.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from data.text import LABEL_LIMIT, inert
from layouts import ids, place_layers, theme
from layouts.i18n import add_texts, t

LAYERS = place_layers.LAYERS                    # ("places", "cameras")
KEYS = {"places": "5", "cameras": "6"}          # the wall's keys 1–4 pick the grid layer (assets/screen.js)
# Where the layers sit in the wall's figure: after the grids, stations, events and newest events.
TRACE_INDEX = {"places": 4, "cameras": 5}
ICON_GROWTH = 1.25                              # icons a little larger than the wall's smallest text
# The layers are drawn again this often (the cameras' online flags change without a data version); the
# wall's own refresh tick is not used, so a wall costs the server one request a minute for them.
REDRAW_S = 60

add_texts({
    "screen_places.switch": ("{name}（{key}）", "{name} ({key})"),
    "screen_places.no_cameras": ("本市尚无登记的视频监控", "The city has no cameras registered"),
    "screen_places.count": ("{n} 处", "{n}"),
})


def button_id(layer: str) -> str:
    """Return the id of a layer's switch."""
    return f"screen-overlay-{layer}"


def overlay_parts(language: str) -> list:
    """Return the switches, the legend and the stores of the layers (the callback fills the legend)."""
    return [dcc.Store(id=ids.SCREEN_OVERLAYS), dcc.Store(id=ids.SCREEN_OVERLAYS_SHOWN),
            dcc.Store(id=ids.SCREEN_OVERLAYS_READY), dcc.Interval(id=ids.SCREEN_OVERLAYS_TICK, interval=REDRAW_S * 1000),
            html.Div([html.Button(switch_label(layer, language), id=button_id(layer), className=button_class(False),
                                  **{"data-overlay": layer, "data-key": KEYS[layer], "aria-pressed": "false"})
                      for layer in LAYERS], className="screen-overlays", **{"data-testid": "screen-overlays"}),
            html.Div(id=ids.SCREEN_OVERLAY_LEGEND, className="screen-overlay-legend",
                     **{"data-testid": "screen-overlay-legend"})]


def switch_label(layer: str, language: str) -> str:
    """Return a switch's label: the layer's name and its key."""
    return t("screen_places.switch", language).format(name=t(f"places.layer.{layer}", language), key=KEYS[layer])


def button_class(on: bool) -> str:
    """Return a switch's class: lit while its layer is shown."""
    return "screen-overlay-button" + (" screen-overlay-on" if on else "")


def empty_traces() -> list[go.Scattermap]:
    """Return the layers' places in a figure drawn before they are known: two empty, hidden traces."""
    return [go.Scattermap(lon=[], lat=[], mode="markers", name=layer, visible=False, showlegend=False, hoverinfo="skip")
            for layer in LAYERS]


def overlay_traces(places: pd.DataFrame, cameras: pd.DataFrame, layers: list[str], language: str, sprite: bool,
                   text_px: float) -> list[dict]:
    """Return the two layers' traces (plotly JSON) as /map draws them, grown to the wall's text size."""
    scale = round(text_px / 24 * ICON_GROWTH, 2)
    return [place_layers.place_trace(places, language, sprite, "places" in layers, scale).to_plotly_json(),
            place_layers.camera_trace(cameras, language, "cameras" in layers, scale).to_plotly_json()]


def legend(places: pd.DataFrame, cameras: pd.DataFrame, kinds: pd.DataFrame | None, layers: list[str],
           language: str, sprite: bool) -> list:
    """Return the legend of the layers shown: each kind's icon, name and how many places of it are
    drawn; the cameras online and offline, with their counts."""
    blocks = []
    if "places" in layers:
        blocks.append(_block(t("places.layer.places", language), _kind_items(places, kinds, language, sprite)
                             or [html.Div(t("places.none", language), className="screen-overlay-none")]))
    if "cameras" in layers:
        online = cameras["online"].astype(bool)
        items = [_item(_dot(theme.CAMERA_COLOURS[state]), t(f"places.camera.{word}", language), int((online == state).sum()),
                       language) for state, word in ((True, "online"), (False, "offline"))]
        blocks.append(_block(t("places.layer.cameras", language), items if len(cameras) else
                             [html.Div(t("screen_places.no_cameras", language), className="screen-overlay-none")]))
    return blocks


def _kind_items(places: pd.DataFrame, kinds: pd.DataFrame, language: str, sprite: bool) -> list:
    counts = places["kind"].value_counts()
    name = "name_zh" if language == "zh" else "name_en"
    return [_item(_icon(row.icon, sprite), inert(getattr(row, name), LABEL_LIMIT), int(counts.get(row.code, 0)), language)
            for row in kinds.itertuples() if counts.get(row.code, 0)]


def _icon(icon: str, sprite: bool):
    """Return a kind's mark: its icon (served from /assets/), or its colour's dot under a style without the sprite."""
    if not sprite:
        return _dot(theme.PLACE_ICON_COLOURS.get(icon, theme.PLACE_ICON_COLOURS["pin"]))
    return html.Img(src=place_layers.ICON_URL.format(icon=icon), alt="", className="screen-overlay-icon")


def _dot(colour: str) -> html.Span:
    return html.Span(className="screen-overlay-dot", style={"backgroundColor": colour})


def _item(mark, label: str, count: int, language: str) -> html.Div:
    return html.Div([mark, html.Span(label, className="screen-overlay-name"),
                     html.Span(t("screen_places.count", language).format(n=theme.fmt_int(count)),
                               className="screen-overlay-count")], className="screen-overlay-item")


def _block(title: str, items: list) -> html.Div:
    return html.Div([html.Div(title, className="screen-overlay-title"), *items], className="screen-overlay-block")
