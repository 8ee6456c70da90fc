"""What every map draws beside its values: the basemap style, the boundaries and names of the level
above, the selected unit's outline, and colour scales with their breaks marked (pure functions).

The AQI's colours are declared once, here, from the standard's table (indicators/aqi.LEVELS, HJ 633
Appendix A): every page that colours an AQI uses :func:`aqi_value_scale` over the AQI value itself,
so 65 is 良 yellow on /map, on / and on the wall alike.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from data.basemap_font import FONT_FAMILY as LABEL_FONT
from layouts.basemap_style import first_label_layer
from indicators import aqi
from layouts import theme

AQI_TOP = 500                       # the scale's end: the standard's last band (严重污染) goes past it
NO_BASEMAP_STYLE = "white-bg"


def aqi_value_scale(alpha: float = 1.0) -> list:
    """Return a continuous scale over AQI 0…AQI_TOP with flat steps in the six levels' colours."""
    uppers = [min(upper, AQI_TOP) for upper, *_ in aqi.LEVELS]
    stops, lower = [], 0.0
    for upper, (*_, rgb) in zip(uppers, aqi.LEVELS):
        colour = f"rgba({rgb[0]},{rgb[1]},{rgb[2]},{alpha})"
        stops += [[lower / AQI_TOP, colour], [upper / AQI_TOP, colour]]
        lower = upper
    return stops


def aqi_colorbar(title: str, language: str, **style) -> dict:
    """Return a colour bar naming the AQI levels at their breaks (0, 50, 100, 150, 200, 300)."""
    ticks = [(0 if i == 0 else aqi.LEVELS[i - 1][0]) for i in range(len(aqi.LEVELS))]
    names = [zh if language == "zh" else en for _u, _l, zh, en, _c, _rgb in aqi.LEVELS]
    return {"title": {"text": title}, "tickvals": [v + 25 if v < 200 else v + 50 for v in ticks],
            "ticktext": [f"{lo}+ {name}" for lo, name in zip(ticks, names)], **style}


def threshold_ticks(bounds: tuple[tuple[str, float], ...], top: float, severity_names: dict) -> dict:
    """Return colour-bar ticks that mark absolute threshold breaks (blue/yellow/orange/red) within the scale."""
    inside = [(severity, float(bound)) for severity, bound in bounds if 0 < float(bound) <= top]
    if not inside:
        return {}
    return {"tickvals": [0.0, *[b for _s, b in inside]],
            "ticktext": ["0", *[f"{severity_names[s]} {b:g}" for s, b in inside]]}


def basemap_layout(style: dict | str | None, view: dict) -> dict:
    """Return ``layout.map`` for a style (None: no basemap, the blank white style) and a camera."""
    return {"style": style or NO_BASEMAP_STYLE, "center": view["center"], "zoom": view["zoom"]}


def below_labels(style: dict | str | None) -> str | None:
    """Return the style layer a choropleth goes under (the basemap's labels stay readable), or None."""
    return first_label_layer(style) if isinstance(style, dict) else None


def outline_layer(geojson: dict, theme_name: str, width: float = 2.2) -> dict:
    """Return a ``layout.map.layers`` entry drawing the boundaries of the level above."""
    return {"sourcetype": "geojson", "source": geojson, "type": "line", "color": theme.MAP_PARENT_LINE[theme_name],
            "line": {"width": width}}


def name_trace(units: pd.DataFrame, language: str, theme_name: str, size: float = 15) -> go.Scattermap:
    """Return the names of the level above as a text layer at the units' centres (the app's label font)."""
    names = units["name_zh" if language == "zh" else "name_en"].fillna(units["code"])
    return go.Scattermap(lon=units["lon"].round(5).tolist(), lat=units["lat"].round(5).tolist(), mode="text",
                         text=names.tolist(), hoverinfo="skip", name="level-above", showlegend=False,
                         textfont={"family": LABEL_FONT, "size": size, "color": theme.MAP_LABEL[theme_name],
                                   "weight": "bold"})


def selected_trace(features: dict, code: str | None, theme_name: str) -> go.Choroplethmap:
    """Return the selected unit among a level's ``features`` ({code: GeoJSON feature}) drawn as a thick
    outline over the map (an empty trace without one)."""
    features = [features[code]] if code in features else []
    return go.Choroplethmap(geojson={"type": "FeatureCollection", "features": features}, featureidkey="id",
                            locations=[f["id"] for f in features], z=[0] * len(features), showscale=False,
                            colorscale=[[0, theme.TRANSPARENT], [1, theme.TRANSPARENT]], marker_line_width=4,
                            marker_line_color=theme.MAP_SELECTED_LINE[theme_name], hoverinfo="skip", name="selected")


def label_font_family() -> str:
    """Return the family of the app's label font followed by the page's fonts (for HTML and exports)."""
    return f"'{LABEL_FONT}', {theme.FONT_FAMILY}"
