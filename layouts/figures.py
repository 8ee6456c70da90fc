"""Rows in, plotly figures out (pure functions, no queries)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from layouts import theme
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
