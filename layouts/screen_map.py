"""The wall screen's map: grids coloured by the layer shown (worst alert, hotline cases, AQI,
crowding) with a legend each, the stations, the last hour's cases and the newest ones, the
districts' outlines and names, over the dark basemap served by the app itself. Pure functions from query results to the figure; callbacks.screen patches only what changed.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from layouts import map_layers, screen_places, theme
from layouts.i18n import add_texts, t

add_texts({
    "screen.legend.alerts": ("预警等级", "Alert level"),
    "screen.legend.none": ("无", "None"),
    "screen.legend.blue": ("蓝色", "Blue"),
    "screen.legend.yellow": ("黄色", "Yellow"),
    "screen.legend.orange": ("橙色", "Orange"),
    "screen.legend.red": ("红色", "Red"),
    "screen.legend.hotline": ("今日热线（件/网格）", "Hotline cases today (per grid)"),
    "screen.legend.crowd": ("人群密度（人/km²）", "Crowd density (people/km²)"),
})
BASEMAP_DISTRICT_PX = 15        # the basemap style's district label size, scaled up to the wall's text
TEXT_U = 2.25                 # the smallest text on the wall, in the stylesheet's unit (24 px at 1080 px high)
SEVERITY_ORDER = ("none", "blue", "yellow", "orange", "red")
ABOVE_LINE_WIDTH = 2.5         # the districts' outlines over the grids
NO_FEATURES = {"type": "FeatureCollection", "features": []}
# A MapLibre style of one dark background layer, for a wall drawn without the server's style (tests).
DARK_STYLE = {"version": 8, "sources": {"screen-empty": {"type": "geojson", "data": {"type": "FeatureCollection",
                                                                                       "features": []}}}, "layers": [
    {"id": "screen-background", "type": "background", "paint": {"background-color": theme.WALL_BACKGROUND}}]}


def text_px(u_px: float) -> float:
    """Return the wall's smallest text size in px for a stylesheet unit of ``u_px`` px."""
    return round(TEXT_U * u_px, 1)


def map_figure(geojson: dict, view: dict, layer: dict, points: dict, stations: dict, language: str,
               drawing: dict | None = None) -> go.Figure:
    """Return the map: grids over the basemap (``drawing``: its style, the districts' outlines and names,
    the text size), sensor points, the last hour's events, the newest, the places and cameras (empty)."""
    drawing = drawing or {}
    style = drawing.get("style") or DARK_STYLE
    names = drawing.get("above_units")
    figure = go.Figure([
        go.Choroplethmap(geojson=geojson, featureidkey="id", marker_line_color=theme.WALL_GRID_LINE, marker_line_width=0.4,
                         marker_opacity=0.9, name="grids", below=map_layers.below_labels(style), **layer),
        go.Scattermap(mode="markers", name="stations", hoverinfo="text", **stations),
        go.Scattermap(mode="markers", name="events", hoverinfo="skip", **points["events"]),
        go.Scattermap(mode="markers", name="newest", hoverinfo="skip", **points["newest"]),
        *screen_places.empty_traces(),          # the places and cameras, filled when switched on
    ])
    if names is not None:
        figure.add_trace(map_layers.name_trace(names, language, "dark", size=drawing.get("text_px", 24) * 1.1))
    above = drawing.get("above_geojson")
    outlines = [map_layers.outline_layer(above, "dark", ABOVE_LINE_WIDTH)] if above else []
    figure.update_layout(
        map=dict(style=style, center=view["center"], zoom=view["zoom"], layers=outlines),
        paper_bgcolor=theme.WALL_BACKGROUND, plot_bgcolor=theme.WALL_BACKGROUND, margin=dict(l=0, r=0, t=0, b=0),
        showlegend=False, font=dict(family=map_layers.label_font_family(), color=theme.WALL_NEUTRAL), uirevision="screen",
    )
    return figure


def map_json(geojson: dict, view: dict, layer: dict, points: dict, stations: dict, language: str,
             drawing: dict | None = None) -> dict:
    """Return :func:`map_figure` as plotly JSON with the grids' geometry put in last: the figure is built
    around an empty geometry, so a wall's first draw does not copy its thousands of polygons (a go.Figure
    copies what it is given and copies it again when Dash encodes it)."""
    figure = map_figure(NO_FEATURES, view, layer, points, stations, language, drawing).to_plotly_json()
    figure["data"][0]["geojson"] = geojson
    return figure


def _legend(title: str, size_px: float, below: bool, **ticks) -> dict:
    """Return a colour bar readable on the wall: text at the wall's smallest size, upright at the map's right
    edge, or across its bottom when the wall draws its legends under a tall map."""
    font = dict(color=theme.WALL_NEUTRAL, size=size_px)
    place = (dict(orientation="h", len=0.9, x=0.5, xanchor="center", y=0.01, yanchor="bottom") if below else
             dict(len=0.5, x=0.99, xanchor="right", y=0.03, yanchor="bottom"))
    return dict(title=dict(text=title, side="top", font=font), thickness=round(size_px * 0.8), **place,
                bgcolor=theme.WALL_LEGEND_GROUND, outlinewidth=0, tickfont=font, **ticks)


def layer_trace(name: str, codes: list, values: pd.Series, label: str, language: str = "zh",
                size_px: float = 24, below: bool = False) -> dict:
    """Return the choropleth's changing properties for a layer: z, colour scale and range, and its legend
    (across the map's bottom when ``below``)."""
    if name == "alerts":               # values: the worst open alert's rank on the grid or any unit it lies in
        names = [t(f"screen.legend.{s}", language) for s in SEVERITY_ORDER]
        return dict(locations=codes, z=values.fillna(0).astype(int).tolist(), colorscale=theme.WALL_ALERT_SCALE, zmin=0,
                    zmax=4, showscale=True, hovertemplate="%{location}<extra></extra>",
                    colorbar=_legend(t("screen.legend.alerts", language), size_px, below, tickvals=[0.5, 1.25, 2, 2.75, 3.5],
                                     ticktext=names))
    if name == "aqi":                  # values: the AQI of each grid's nearest reporting station
        aqi_values = values.clip(upper=map_layers.AQI_TOP).round(0)
        bar = map_layers.aqi_colorbar("AQI", language)
        return dict(locations=codes, z=[None if pd.isna(v) else float(v) for v in aqi_values],
                    colorscale=map_layers.aqi_value_scale(0.45), zmin=0, zmax=map_layers.AQI_TOP, showscale=True,
                    hovertemplate="%{location}: AQI %{z}<extra></extra>",
                    colorbar=_legend("AQI", size_px, below, tickvals=bar["tickvals"], ticktext=bar["ticktext"]))
    top = float(values.quantile(0.98)) if values.notna().any() else 0.0
    return dict(locations=codes, z=values.fillna(0).round(1).tolist(), colorscale=theme.WALL_DENSITY_SCALE, zmin=0,
                zmax=max(top, 1.0), showscale=True, hovertemplate="%{location}: %{z}<extra></extra>",
                colorbar=_legend(label, size_px, below))


def event_points(frame: pd.DataFrame, now_s: int, scale: float = 1.0, newest_s: int = 300) -> dict:
    """Return the last hour's events as two marker sets: older ones (fading with age) and the newest.

    ``scale`` grows the markers with the map box (a 4K wall draws them twice as large)."""
    fresh = frame["received_s"] >= now_s - newest_s
    older = frame[~fresh]
    opacity = (1.0 - (now_s - older["received_s"]) / 3600 * 0.7).clip(0.3, 1.0).round(2)
    newest = frame[fresh]
    return {
        "events": dict(lon=older["lon"].round(5).tolist(), lat=older["lat"].round(5).tolist(),
                       marker=dict(size=round(7 * scale, 1), color=theme.WALL_EVENT_DOT, opacity=opacity.tolist())),
        "newest": dict(lon=newest["lon"].round(5).tolist(), lat=newest["lat"].round(5).tolist(),
                       marker=dict(size=round(16 * scale, 1), color=theme.WALL_NEWEST_DOT, opacity=0.9)),
    }


def station_points(frame: pd.DataFrame, colours: list, labels: list, scale: float = 1.0) -> dict:
    """Return sensor markers coloured per sensor (AQI stations in their level colour, roads by speed)."""
    return dict(lon=frame["lon"].round(5).tolist(), lat=frame["lat"].round(5).tolist(), text=labels,
                marker=dict(size=round(15 * scale, 1), color=colours, opacity=0.95))
