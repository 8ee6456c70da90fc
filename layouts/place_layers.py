"""The places and cameras layers of /map: a switch, a legend in the page's language, and the traces.

Places are drawn with their kind's icon, taken from the sprite the app serves itself
(api/place_icons.py, named by the vendored style); under a city's intranet style, which has no such
sprite, they are dots in their kind's colour instead. Cameras are dots coloured by their online
status in the camera registry. A hover names the point and its kind (or its status): the names come
from feeds, so they are made inert, cut to a label's length and escaped before plotly sees them.
"""

from __future__ import annotations

import html as html_text

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from data.text import LABEL_LIMIT, inert
from layouts import ids
from layouts.i18n import add_texts, t
from layouts.theme import CAMERA_COLOURS, PLACE_ICON_COLOURS

ICON_PREFIX = "cv-place-"                   # sprite names: cv-place-school … (api/place_icons.py)
ICON_URL = "/assets/place_icons/{icon}.png"
# The traces the map draws before these layers (layouts/map_page.map_figure: the units, the selected
# outline, the names of the level above); the layers follow them, places first, then cameras.
OVERLAY_FROM = 3
LAYERS = ("places", "cameras")
ICON_SIZE = 10                                                  # plotly draws an icon at size / 10 of its sprite size

add_texts({
    "places.layers": ("图层", "Layers"),
    "places.layer.places": ("重点场所", "Places"),
    "places.layer.cameras": ("视频监控", "Cameras"),
    "places.camera.online": ("在线", "online"),
    "places.camera.offline": ("离线", "offline"),
    "places.camera": ("视频监控", "Camera"),
    "places.none": ("本市尚无重点场所", "The city has no places yet"),
})


def layer_controls(language: str) -> html.Div:
    """Return the layer switch and its legend (the callback fills the legend and relabels the switch)."""
    return html.Div([
        html.Span(t("places.layers", language), id=ids.MAP_PLACE_TITLE, className="small text-muted me-2"),
        dcc.Checklist(id=ids.MAP_PLACE_LAYERS, value=[], inline=True, options=layer_options(language),
                      inputClassName="me-1", labelClassName="me-3 small"),
        html.Div(id=ids.MAP_PLACE_LEGEND, className="d-flex flex-wrap gap-2 small",
                 **{"data-testid": "map-place-legend"}),
    ], className="d-flex flex-wrap align-items-center gap-1 mt-2", **{"data-testid": "map-place-layers"})


def layer_options(language: str) -> list[dict]:
    """Return the switch's options in the page's language."""
    return [{"label": t(f"places.layer.{layer}", language), "value": layer} for layer in LAYERS]


def legend(kinds: pd.DataFrame | None, layers: list[str], language: str, has_places: bool) -> list:
    """Return the legend of the layers switched on: each place kind with its icon (``kinds``: read only
    when the places are on), the camera statuses."""
    items = []
    if "places" in layers:
        name = "name_zh" if language == "zh" else "name_en"
        items += [html.Span([html.Img(src=ICON_URL.format(icon=row.icon), width=18, height=18, alt="",
                                      className="me-1"), inert(getattr(row, name), LABEL_LIMIT)],
                            className="place-legend-item") for row in kinds.itertuples()]
        if not has_places:
            items.append(html.Span(t("places.none", language), className="text-muted"))
    if "cameras" in layers:
        items += [html.Span([html.Span("●", style={"color": CAMERA_COLOURS[online]}, className="me-1"),
                             t("places.camera", language), " ", t(f"places.camera.{word}", language)],
                            className="place-legend-item")
                  for online, word in ((True, "online"), (False, "offline"))]
    return items


def shown_text(value, limit: int = LABEL_LIMIT) -> str:
    """Return a feed's text ready for a plotly hover: inert, cut and with its markup escaped."""
    return html_text.escape(str(inert(value if isinstance(value, str) else "", limit)))


def place_trace(places: pd.DataFrame, language: str, sprite: bool, visible: bool, scale: float = 1.0) -> go.Scattermap:
    """Return the places as icons (or dots in their kind's colour without the app's sprite), ``scale``
    times their size on /map (the wall draws them larger)."""
    names = places["name"] if language == "zh" else places["name_en"].fillna(places["name"])
    kinds = places["kind_zh" if language == "zh" else "kind_en"].fillna(places["kind"])
    if sprite:
        marker = {"symbol": (ICON_PREFIX + places["icon"].fillna("pin")).tolist(), "size": ICON_SIZE * scale,
                  "allowoverlap": True}
    else:
        marker = {"size": 11 * scale, "color": [PLACE_ICON_COLOURS.get(icon, PLACE_ICON_COLOURS["pin"])
                                        for icon in places["icon"]]}
    return go.Scattermap(lon=places["lon"].round(6).tolist(), lat=places["lat"].round(6).tolist(), mode="markers",
                         marker=marker, name="places", visible=visible, showlegend=False,
                         customdata=[[shown_text(n), shown_text(k)] for n, k in zip(names, kinds)],
                         hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>")


def camera_trace(cameras: pd.DataFrame, language: str, visible: bool, scale: float = 1.0) -> go.Scattermap:
    """Return the cameras as dots coloured by their online status (``scale``: as place_trace)."""
    online = cameras["online"].astype(bool)
    status = [t(f"places.camera.{'online' if o else 'offline'}", language) for o in online]
    return go.Scattermap(lon=cameras["lon"].round(6).tolist(), lat=cameras["lat"].round(6).tolist(), mode="markers",
                         marker={"size": 9 * scale, "color": [CAMERA_COLOURS[bool(o)] for o in online]}, name="cameras",
                         visible=visible, showlegend=False,
                         customdata=[[shown_text(n), shown_text(p), s] for n, p, s in
                                     zip(cameras["name"], cameras["place"], status)],
                         hovertemplate=(f"%{{customdata[0]}}<br>{t('places.camera', language)} · %{{customdata[2]}}"
                                        "<br>%{customdata[1]}<extra></extra>"))


def overlay_traces(places: pd.DataFrame, cameras: pd.DataFrame, layers: list[str], language: str,
                   sprite: bool) -> list[dict]:
    """Return the two layers' traces (as plotly JSON), each visible when switched on."""
    return [place_trace(places, language, sprite, "places" in layers).to_plotly_json(),
            camera_trace(cameras, language, "cameras" in layers).to_plotly_json()]
