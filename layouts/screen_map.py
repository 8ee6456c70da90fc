"""The wall screen's map: grids coloured by the layer shown (worst alert, hotline cases, AQI,
crowding), the stations, the last hour's cases and the newest ones, on a dark style that fetches
nothing. Pure functions from query results to the figure; callbacks.screen patches only what changed.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from indicators import aqi
from layouts import theme

# The six AQI levels (z = 1…6) in the standard's colours, one band each, translucent so that the
# stations' markers (full colour) stand out on the grids they colour.
AQI_SCALE = [stop for i, (_upper, _level, _zh, _en, _colour, rgb) in enumerate(aqi.LEVELS)
             for stop in ([i / 6, f"rgba({rgb[0]},{rgb[1]},{rgb[2]},0.38)"], [(i + 1) / 6, f"rgba({rgb[0]},{rgb[1]},{rgb[2]},0.38)"])]
# An inline MapLibre style of one dark background layer: no tiles, no glyphs, no requests. Its one
# (empty) source keeps "sources" non-empty: plotly drops empty objects, and a style without
# "sources" fails MapLibre's validation on the next update.
DARK_STYLE = {"version": 8, "sources": {"screen-empty": {"type": "geojson", "data": {"type": "FeatureCollection",
                                                                                       "features": []}}}, "layers": [
    {"id": "screen-background", "type": "background", "paint": {"background-color": theme.WALL_BACKGROUND}}]}


def map_figure(geojson: dict, view: dict, layer: dict, points: dict, stations: dict, language: str) -> go.Figure:
    """Return the map: grids (inline GeoJSON, no tiles), sensor points, last hour's events, the newest."""
    figure = go.Figure([
        go.Choroplethmap(geojson=geojson, featureidkey="id", marker_line_color=theme.WALL_GRID_LINE, marker_line_width=0.4,
                         marker_opacity=0.9, name="grids", **layer),
        go.Scattermap(mode="markers", name="stations", hoverinfo="text", **stations),
        go.Scattermap(mode="markers", name="events", hoverinfo="skip", **points["events"]),
        go.Scattermap(mode="markers", name="newest", hoverinfo="skip", **points["newest"]),
    ])
    figure.update_layout(
        map=dict(style=DARK_STYLE, center=view["center"], zoom=view["zoom"], layers=[]),
        paper_bgcolor=theme.WALL_BACKGROUND, plot_bgcolor=theme.WALL_BACKGROUND, margin=dict(l=0, r=0, t=0, b=0),
        showlegend=False, font=dict(family=theme.FONT_FAMILY, color=theme.WALL_NEUTRAL), uirevision="screen",
    )
    return figure


def layer_trace(name: str, codes: list, values: pd.Series, label: str) -> dict:
    """Return the choropleth's changing properties for a layer: z, colour scale and range, colour bar."""
    if name == "alerts":
        return dict(locations=codes, z=values.fillna(0).astype(int).tolist(), colorscale=theme.WALL_ALERT_SCALE, zmin=0, zmax=4,
                    showscale=False, hovertemplate="%{location}<extra></extra>")
    if name == "aqi":                      # values: the AQI of each grid's nearest reporting station
        levels = [None if pd.isna(v) else aqi.level_of(int(v))[0] for v in values]
        return dict(locations=codes, z=levels, colorscale=AQI_SCALE, zmin=0.5, zmax=6.5, showscale=False,
                    hovertemplate="%{location}<extra></extra>")
    top = float(values.quantile(0.98)) if values.notna().any() else 0.0
    return dict(locations=codes, z=values.fillna(0).round(1).tolist(), colorscale=theme.WALL_DENSITY_SCALE, zmin=0,
                zmax=max(top, 1.0), showscale=True, hovertemplate="%{location}: %{z}<extra></extra>",
                colorbar=dict(title=dict(text=label, side="top"), thickness=10, len=0.45, x=0.99, xanchor="right",
                              y=0.03, yanchor="bottom", bgcolor=theme.WALL_LEGEND_GROUND, outlinewidth=0,
                              tickfont=dict(color=theme.WALL_NEUTRAL)))


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
