"""Rows in, plotly figures out (pure functions, no queries)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from layouts import map_layers, theme
from layouts.i18n import t


def hourly_received_chart(by_hour: pd.DataFrame, language: str) -> go.Figure:
    """Return bars of cases received per local hour, today against yesterday."""
    figure = go.Figure([
        go.Bar(x=by_hour["hour"], y=by_hour["yesterday"], name=t("chart.yesterday", language),
               marker_color=theme.YESTERDAY),
        go.Bar(x=by_hour["hour"], y=by_hour["today"], name=t("chart.today", language),
               marker_color=theme.TODAY),
    ])
    figure.update_layout(
        barmode="group", height=300, margin=dict(l=40, r=10, t=10, b=40),
        legend=dict(orientation="h", y=1.1), font=dict(family=theme.FONT_FAMILY),
        xaxis=dict(title=t("chart.hour", language), dtick=2), plot_bgcolor="white",
    )
    return figure


def unit_choropleth(frame: pd.DataFrame, geojson: dict, view: dict, value: str, label: str, language: str,
                    overlays: tuple[dict, ...] = (), drawing: dict | None = None) -> go.Figure:
    """Return a MapLibre choropleth of units over the basemap (``drawing``: its style and the level
    above's outlines and names; without one, a white background with the ``overlays`` drawn in water blue)."""
    drawing = drawing or {}
    style = drawing.get("style")
    names = frame["name_zh" if language == "zh" else "name_en"]
    figure = go.Figure(go.Choroplethmap(
        geojson=geojson, locations=frame["code"], z=frame[value].fillna(0), featureidkey="id",
        colorscale=theme.SEQUENTIAL, zmin=0, zmax=max(float(frame[value].max() or 0), 1.0), marker_line_width=0.6, marker_line_color="white",
        marker_opacity=0.8, text=names, colorbar=dict(title=dict(text=label), thickness=12),
        hovertemplate="%{text}<br>" + label + ": %{z:.1f}<extra></extra>", below=map_layers.below_labels(style),
    ))
    layers = [] if isinstance(style, dict) and len(style.get("layers", [])) > 1 else [
        dict(sourcetype="geojson", source=o, type="fill", color=theme.WATER, opacity=0.9) for o in overlays]
    if drawing.get("above_geojson"):
        layers.append(map_layers.outline_layer(drawing["above_geojson"], "light", 1.8))
        figure.add_trace(map_layers.name_trace(drawing["above_units"], language, "light", size=13))
    figure.update_layout(
        map=dict(**map_layers.basemap_layout(style, view), layers=layers), showlegend=False,
        margin=dict(l=0, r=0, t=0, b=0), height=360, font=dict(family=theme.FONT_FAMILY),
    )
    return figure
