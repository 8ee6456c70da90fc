"""The analysts' grid map (/map): the page frame, its controls and the choropleth
(the side panel's parts are in layouts.map_panel).

Pure functions: rows in, components and figures out. callbacks.map_page reads the store; the view
state and its URL live in layouts.map_state.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from dash import Patch, dcc, html, no_update

from data.clock import local_iso_series
from indicators.catalog_search import search_catalog
from indicators.model import SEVERITIES, IndicatorType
from layouts import ids
from layouts import map_layers, map_search, place_layers
from layouts import theme
from layouts.i18n import DEFAULT_LANGUAGE, t, unit_text
from layouts.components import NO_CLOUD
from layouts.map_panel import event_columns, events_grid, fmt_value, local_time, sensors_grid
from layouts.map_state import MapView, ViewFacts, allowed_levels, time_index

STATUS_ORDER = ("no_data", "normal", *SEVERITIES)     # z index on the map
# The map starts with a figure: on back/forward the pages router renders the page again while the
# old page's callbacks may still answer, and a values Patch must not land on an undefined figure.
EMPTY_FIGURE = {"data": [], "layout": {"xaxis": {"visible": False}, "yaxis": {"visible": False}}}
MAP_FRAME = {"margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "font": {"family": theme.FONT_FAMILY}, "showlegend": False}
_FIRST_FIGURE: list = []        # the builder of the map's first figure, set by callbacks.map_page (it reads the store)
PLAY_MS = 1500
SEARCH_LIMIT = 80
COLOUR_CHOICES = ("auto", "value", "status")     # auto: by value where the statuses on the map are all alike
DEFAULT_OPACITY = 0.8
MAP_PANEL_PX = (820, 580)      # the map's panel, which a drilled unit's camera fits
UNIT_LINE_WIDTH = 0.6
OUTLINE_MIN_PX = 12            # units smaller than this across on average are drawn without outlines


# --- time ------------------------------------------------------------------------------------

def time_marks(hours: list[int], tz: str, language: str) -> dict:
    """Return slider marks: a date label about every sixth of the history and "now" at the end."""
    step = max(len(hours) // 6, 1)
    marks = {i: local_time(h, tz, "%m-%d %H:00") for i, h in enumerate(hours) if i % step == 0}
    marks[len(hours)] = t("map_page.now", language)
    return marks


# --- the page frame --------------------------------------------------------------------------

def layout(language: str = DEFAULT_LANGUAGE, **_query) -> html.Div:
    """Return the page frame in ``language``; callbacks.map_page reads the ids.MAP_URL and fills everything."""
    return html.Div([
        dcc.Location(id=ids.MAP_URL, refresh=False),
        dcc.Store(id=ids.MAP_STATE), dcc.Store(id=ids.MAP_DRAWN), dcc.Store(id=ids.MAP_SUBJECT_CHOSEN),
        dcc.Interval(id=ids.MAP_TICK, interval=PLAY_MS, disabled=True),
        dcc.Download(id=ids.MAP_DOWNLOAD),
        html.Div([
            html.Div([controls(language),
                      html.Div(id=ids.MAP_CRUMBS, className="my-2", **{"data-testid": "map-crumbs"}),
                      dcc.Graph(id=ids.MAP_GRAPH, figure=first_figure(language), style={"height": "600px"},
                                config=graph_config(),
                                className="card"),
                      time_control(language), place_layers.layer_controls(language)], className="col-12 col-xl-7"),
            html.Div(side_panel_frame(language), className="col-12 col-xl-5"),
        ], className="row"),
    ], className="container-fluid py-3")


def draw_first_figure_with(builder) -> None:
    """Set how the page's map is drawn before its first view is answered: ``builder(language)`` ->
    figure (callbacks.map_page: the basemap alone, see basemap_figure)."""
    _FIRST_FIGURE[:] = [builder]


def first_figure(language: str) -> dict:
    """Return the map the page starts with: the registered builder's, else an empty figure."""
    return _FIRST_FIGURE[0](language) if _FIRST_FIGURE else EMPTY_FIGURE


def graph_config() -> dict:
    """Return the map's modebar settings: PNG export kept, nothing that calls out."""
    return {**NO_CLOUD, "scrollZoom": True,
            "toImageButtonOptions": {"format": "png", "filename": "city-vitals-map", "scale": 2}}


def controls(language: str) -> html.Div:
    """Return the unit search, the indicator search, the category tree, the level selector and the CSV export."""
    return html.Div([
        html.Div([
            html.Label(t("unit_search.label", language), htmlFor=ids.MAP_SEARCH, className="small text-muted"),
            map_search.search_box(ids.MAP_SEARCH, language),
        ], className="w-100", **{"data-testid": "map-search"}),
        html.Div([
            html.Label(t("map_page.indicator", language), htmlFor=ids.MAP_INDICATOR, className="small text-muted"),
            dcc.Dropdown(id=ids.MAP_INDICATOR, clearable=False, optionHeight=48, maxHeight=420),
        ], className="flex-fill"),
        html.Div([
            html.Label(t("map_page.level", language), htmlFor=ids.MAP_LEVEL, className="small text-muted"),
            dcc.Dropdown(id=ids.MAP_LEVEL, clearable=False, style={"minWidth": "8rem"}),
        ]),
        html.Div([
            html.Label(t("map_page.colour_by", language), htmlFor=ids.MAP_COLOUR_BY, className="small text-muted d-block"),
            dcc.RadioItems(id=ids.MAP_COLOUR_BY, value="auto", inline=True, inputClassName="me-1", labelClassName="me-2 small",
                           options=[{"label": t(f"map_page.colour_by.{m}", language), "value": m} for m in COLOUR_CHOICES]),
        ]),
        html.Div([
            html.Label(t("map_page.opacity", language), htmlFor=ids.MAP_OPACITY, className="small text-muted d-block"),
            dcc.Slider(id=ids.MAP_OPACITY, min=0.2, max=1, step=0.1, value=DEFAULT_OPACITY, marks=None,
                       updatemode="mouseup", tooltip={"placement": "bottom"}),
        ], style={"minWidth": "9rem"}),
        html.Button(t("map_page.export_csv", language), id=ids.MAP_VALUES_CSV, n_clicks=0,
                    className="btn btn-sm btn-outline-primary align-self-end"),
        html.Details([html.Summary(t("map_page.tree", language), id=ids.MAP_TREE_OPEN, n_clicks=0, className="small"),
                      html.Div(id=ids.MAP_TREE, className="map-tree")], className="w-100"),
    ], className="d-flex flex-wrap gap-2 align-items-start")


def time_control(language: str) -> html.Div:
    """Return the play button, the hour slider over the stored history and the hour shown."""
    return html.Div([
        html.Button("▶", id=ids.MAP_PLAY, n_clicks=0, className="btn btn-sm btn-outline-secondary me-2",
                    title=t("map_page.time", language)),
        html.Div(dcc.Slider(id=ids.MAP_TIME, min=0, max=1, step=1, value=1, updatemode="mouseup",
                                            allow_direct_input=False), className="flex-fill"),
        html.Span(id=ids.MAP_TIME_LABEL, className="small ms-2 text-nowrap", **{"data-testid": "map-time-label"}),
    ], className="d-flex align-items-center mt-2")


def side_panel_frame(language: str) -> list:
    """Return the side panel's fixed parts; callbacks fill their contents."""
    return [
        html.H5(id=ids.MAP_TITLE, **{"data-testid": "map-title"}),
        html.Div(id=ids.MAP_SUMMARY, **{"data-testid": "map-summary"}),
        html.Div([html.Label(t("map_page.compare", language), htmlFor=ids.MAP_COMPARE, className="small text-muted"),
                  map_search.compare_picker(ids.MAP_COMPARE, language)], className="mt-2",
                 **{"data-testid": "map-compare"}),
        html.Div(id=ids.MAP_COMPARE_TABLE),
        html.Div(t("map_page.series", language), className="fw-bold mt-2"),
        dcc.Graph(id=ids.MAP_SERIES, config=NO_CLOUD, style={"height": "260px"}),
        html.Div(t("map_page.children", language), className="fw-bold mt-2"),
        html.Div(id=ids.MAP_CHILDREN),
        html.Div([html.Span(t("map_page.events", language), className="fw-bold me-2"),
                  html.Span(id=ids.MAP_EVENTS_NOTE, className="small text-muted me-2",
                            **{"data-testid": "map-events-note"}),
                  html.Button(t("map_page.export_events", language), id=ids.MAP_EVENTS_CSV, n_clicks=0,
                              className="btn btn-sm btn-outline-secondary")], className="mt-3 mb-1"),
        html.Div(events_grid(language, [], event_columns(language)), id=ids.MAP_EVENTS_BOX),
        html.Div(t("map_page.sensors", language), className="fw-bold mt-3"),
        html.Div(id=ids.MAP_SENSORS),
        html.Div(sensors_grid(language, []), id=ids.MAP_SENSORS_BOX, hidden=True, **{"data-testid": "map-sensors"}),
    ]


def level_options(levels: tuple[str, ...], language: str) -> list[dict]:
    """Return the level selector's options."""
    return [{"label": t(f"map_page.level.{level}", language), "value": level} for level in levels]


def subject_tree(domains, language: str) -> list:
    """Return the category tree (domain → subject buttons) of the catalog."""
    zh = language == "zh"
    items = [html.Button(t("map_page.all_subjects", language), id={"type": ids.MAP_SUBJECT, "key": ""}, n_clicks=0,
                         className="btn btn-sm btn-link p-0 d-block")]
    for domain in domains:
        buttons = [html.Button(names[0] if zh else names[1], id={"type": ids.MAP_SUBJECT, "key": f"{domain.id}.{sid}"},
                               n_clicks=0, className="btn btn-sm btn-outline-secondary me-1 mb-1")
                   for sid, names in domain.subjects.items()]
        items.append(html.Details([html.Summary(domain.name_zh if zh else domain.name_en), html.Div(buttons)]))
    return items


def indicator_option(indicator, language: str) -> dict:
    """Return one dropdown option: the name in the UI language over its code."""
    name = indicator.name_zh if language == "zh" else indicator.name_en
    return {"label": f"{name} · {indicator.id}", "value": indicator.id,
            "search": f"{indicator.id} {indicator.name_zh} {indicator.name_en}"}


def search_indicators(catalog, text: str | None, subject: str | None, limit: int = SEARCH_LIMIT) -> list:
    """Return the indicators the catalog search finds for ``text`` (the same search as /indicators),
    within the ``domain.subject`` chosen in the tree (None = all), at most ``limit``."""
    return [hit.indicator for hit in search_catalog(catalog, text, subject=subject, limit=limit)[0]]


def picker_options(catalog, text: str | None, subject: str | None, value: str | None, language: str) -> list[dict]:
    """Return the picker's options: the indicators matching the search text in the chosen subject,
    with the current one always among them."""
    found = search_indicators(catalog, text, subject)
    if value in catalog and all(ind.id != value for ind in found):
        found.insert(0, catalog[value])
    return [indicator_option(ind, language) for ind in found]


def view_outputs(new: MapView, write_url: bool, new_picker: bool, hours: list[int], facts: ViewFacts, tz: str,
                 language: str) -> dict:
    """Return what the view's callback writes: the view to store, the ids.MAP_URL (when it gets a history
    entry), the picker's options (when it needs them) and the controls set to the view (the level's
    options, the hour slider over the stored ``hours``, compare, the play's clock)."""
    levels = allowed_levels(facts.catalog[new.indicator], facts.unit_row(new.unit)["level"] if new.unit else "city",
                            facts.levels)
    return {"state": new.to_store(), "search": new.to_query() if write_url else no_update,
            "picker": picker_options(facts.catalog, None, None, new.indicator, language) if new_picker else no_update,
            "indicator": new.indicator, "level_options": level_options(levels, language), "level": new.level,
            "time_max": len(hours), "time_marks": time_marks(hours, tz, language), "time": time_index(new, facts.hours),
            "compare": new.compare, "tick_disabled": not new.playing}


def play_controls(view: MapView, language: str) -> tuple[str, str]:
    """Return the hour shown ("now" when the latest) and the play button's icon."""
    return view.t or t("map_page.now", language), "⏸" if view.playing else "▶"


# --- the map ---------------------------------------------------------------------------------

def _stepped_scale(colours: list[str]) -> list:
    """Return a continuous colour scale with flat steps (one per category; explicit breaks)."""
    n = len(colours)
    return [pair for i, c in enumerate(colours) for pair in ([i / n, c], [(i + 1) / n, c])]


def value_label(indicator, language: str) -> str:
    """Return the indicator's name and unit for legends."""
    name = indicator.name_zh if language == "zh" else indicator.name_en
    unit = unit_text(indicator.unit, language)
    return (f"{name}（{unit}）" if language == "zh" else f"{name} ({unit})") if unit else name


def feature_collection(features: dict, codes) -> dict:
    """Return the GeoJSON of the units ``codes`` among a level's ``features`` ({code: feature})."""
    return {"type": "FeatureCollection", "features": [features[c] for c in codes if c in features]}


def values_csv_name(view: MapView) -> str:
    """Return the file name of the map's values as CSV."""
    name = f"{view.indicator}-{view.level}-{view.unit or 'city'}-{view.t or 'latest'}.csv"
    return name.replace(":", "")


CSV_DECIMALS = 2


def values_csv(frame: pd.DataFrame, view: MapView, tz: str) -> str:
    """Return the map's values as CSV text: one row per unit, numbers rounded to CSV_DECIMALS, the
    value's instant as local ISO 8601 with the offset (``as_of``, not epoch seconds), and a BOM first
    so that Excel reads the Chinese names as UTF-8."""
    table = frame.assign(as_of=local_iso_series(frame["as_of_s"], tz), indicator_id=view.indicator, level=view.level)
    numbers = table.select_dtypes("number").columns.drop("as_of_s", errors="ignore")
    table[numbers] = table[numbers].round(CSV_DECIMALS)
    return "\ufeff" + table.drop(columns="as_of_s").to_csv(index=False)


def colour_mode(indicator, level: str, frame: pd.DataFrame, choice: str | None) -> str:
    """Return how the map is coloured: "aqi" for an AQI (always its standard colours), else the
    user's choice, and by default by status unless every unit on the map has the same status."""
    if indicator.type == IndicatorType.AQI:
        return "aqi"
    has_thresholds = bool(indicator.thresholds.bounds_for(level))
    if choice in ("value", "status"):
        return choice if has_thresholds else "value"
    return "status" if has_thresholds and frame["status"].nunique() > 1 else "value"


def map_colouring(frame: pd.DataFrame, mode: str, label: str, language: str, breaks: tuple = ()) -> dict:
    """Return the choropleth's value properties: z, colours, colour bar (the legend, with the unit and
    the threshold ``breaks`` marked) and hover text for the frame's rows."""
    names = frame["name_zh" if language == "zh" else "name_en"].fillna(frame["code"])
    statuses = frame["status"].map({s: t(f"map_page.status.{s}", language) for s in frame["status"].unique()})
    custom = np.column_stack([names.to_numpy(object), [fmt_value(v) for v in frame["value"].to_numpy()],
                              statuses.to_numpy(object), frame["code"].to_numpy(object)]).tolist()
    bar = {"thickness": 14, "title": {"text": label, "side": "right"}, "outlinewidth": 0}
    if mode == "status":
        z = frame["status"].map({s: i for i, s in enumerate(STATUS_ORDER)}).fillna(0)
        bar.update(title={"text": f"{t('map_page.status', language)} · {label}", "side": "right"},
                   tickvals=list(range(len(STATUS_ORDER))),
                   ticktext=[t(f"map_page.status.{s}", language) for s in STATUS_ORDER])
        return {"z": z.tolist(), "zmin": -0.5, "zmax": len(STATUS_ORDER) - 0.5, "customdata": custom,
                "colorscale": _stepped_scale([theme.STATUS_COLOURS[s] for s in STATUS_ORDER]), "colorbar": bar}
    values = frame["value"]
    if mode == "aqi":
        return {"z": values.fillna(0).clip(upper=map_layers.AQI_TOP).tolist(), "zmin": 0, "zmax": map_layers.AQI_TOP,
                "customdata": custom, "colorscale": map_layers.aqi_value_scale(),
                "colorbar": map_layers.aqi_colorbar(label, language, thickness=14, outlinewidth=0)}
    top = float(values.max()) if values.notna().any() else 1.0
    top = max([top, *[float(b) for _s, b in breaks]]) if breaks else top
    names_of = {s: t(f"map_page.status.{s}", language) for s in SEVERITIES}
    bar.update(map_layers.threshold_ticks(breaks, top, names_of))
    return {"z": values.fillna(0).tolist(), "zmin": min(float(values.min()) if values.notna().any() else 0.0, 0.0),
            "zmax": max(top, 1e-9), "customdata": custom, "colorscale": theme.SEQUENTIAL, "colorbar": bar}


def absolute_breaks(indicator, level: str) -> tuple:
    """Return the indicator's threshold bounds at ``level`` when they are absolute (relative ones differ per unit)."""
    return () if indicator.thresholds.relative_at(level) else indicator.thresholds.bounds_for(level)


def outline_width(units: int) -> float:
    """Return the width of the units' outlines: none when the map shows so many units that each is on
    average under OUTLINE_MIN_PX across the panel (a city's thousands of grids): their outlines would
    cover them, and they are most of what MapLibre's worker and software WebGL draw (docs/PERFORMANCE.md).
    The colours, the hover, the selected unit's outline and the level above's boundaries still tell them apart."""
    return UNIT_LINE_WIDTH if math.sqrt(MAP_PANEL_PX[0] * MAP_PANEL_PX[1] / max(units, 1)) >= OUTLINE_MIN_PX else 0


def hover_template(label: str) -> str:
    """Return the units' hover text: name (code), value with the indicator's name and unit, status."""
    return "%{customdata[0]} (%{customdata[3]})<br>" + label + ": %{customdata[1]}<br>%{customdata[2]}<extra></extra>"


def map_figure(frame: pd.DataFrame, units_geojson: dict | str, camera: dict, colouring: dict, label: str,
               drawing: dict, revision: str) -> dict:
    """Return the map: the units' choropleth over the basemap (``drawing``: style, opacity, the level
    above's outlines and names, the selected unit among the level's ``features``, the title of an
    exported picture, the places layers' traces after them, layouts.place_layers.OVERLAY_FROM on).
    ``units_geojson`` is the address of the level's GeoJSON (api/geometry.py: the browser fetches it
    once and keeps it; the frame's ``code`` picks the units drawn) or a FeatureCollection. A plain
    figure dict: plotly's figure objects validate and deep-copy a GeoJSON, seconds for a city's grids."""
    style = drawing.get("style")
    units = {"type": "choroplethmap", "geojson": units_geojson, "locations": frame["code"].tolist(),
             "featureidkey": "id", "marker": {"line": {"width": outline_width(len(frame)), "color": "white"},
                                              "opacity": drawing.get("opacity", DEFAULT_OPACITY)},
             "hovertemplate": hover_template(label), **colouring}
    if map_layers.below_labels(style) is not None:
        units["below"] = map_layers.below_labels(style)
    layout = {"map": {**map_layers.basemap_layout(style, camera),
                      "layers": [map_layers.outline_layer(drawing["above_geojson"], "light")]},
              **MAP_FRAME, "uirevision": revision, "clickmode": "event",
              "title": {"text": drawing.get("title", ""), "x": 0.01, "y": 0.99, "font": {"size": 13}}}
    selected = map_layers.selected_trace(drawing.get("features", {}), drawing.get("selected"), "light")
    return {"data": [units, selected.to_plotly_json(),
                     map_layers.name_trace(drawing["above_units"], drawing["language"], "light").to_plotly_json(),
                     *drawing.get("overlays", ())],
            "layout": layout}


def basemap_figure(style: dict | str | None, camera: dict) -> dict:
    """Return the basemap alone at ``camera``, in the frame map_figure draws in, with its units' trace
    empty: the page starts with it so that the browser makes the map and loads the style, the font
    and the tiles while the server computes the first view, whose figure (same style, same frame)
    then draws into the map made (plotly.js makes a new one only for another style)."""
    units = {"type": "choroplethmap", "geojson": {"type": "FeatureCollection", "features": []}, "locations": [],
             "z": [], "featureidkey": "id", "showscale": False}
    return {"data": [units], "layout": {"map": map_layers.basemap_layout(style, camera), **MAP_FRAME}}


def map_patch(colouring: dict, label: str, drawing: dict) -> Patch:
    """Return a Patch changing only the values, colours, opacity, selection and title of a drawn map."""
    patch = Patch()
    for key, value in colouring.items():
        patch["data"][0][key] = value
    patch["data"][0]["hovertemplate"] = hover_template(label)
    patch["data"][0]["marker"]["opacity"] = drawing.get("opacity", DEFAULT_OPACITY)
    selected = map_layers.selected_trace(drawing.get("features", {}), drawing.get("selected"), "light")
    patch["data"][1]["geojson"] = selected.geojson
    patch["data"][1]["locations"] = selected.locations
    patch["data"][1]["z"] = selected.z
    patch["layout"]["title"]["text"] = drawing.get("title", "")
    return patch


def picture_title(label: str, area: str, when: str) -> str:
    """Return the map's title line (kept in an exported PNG): indicator and unit, area, time."""
    return f"{label} · {area} · {when}"


def view_for_bounds(bounds: tuple[float, float, float, float] | None, width_px: int = MAP_PANEL_PX[0],
                    height_px: int = MAP_PANEL_PX[1]) -> dict:
    """Return the map centre and the zoom that fit the bounds (lon/lat) into a panel of that size."""
    if bounds is None:
        return {"center": {"lon": 0.0, "lat": 0.0}, "zoom": 1}
    minx, miny, maxx, maxy = bounds
    mid_lat = (miny + maxy) / 2
    stretch = 1 / np.cos(np.radians(mid_lat))     # Mercator stretches latitude by 1/cos(lat)
    px_per_degree = min(width_px / max(maxx - minx, 1e-6), height_px / max((maxy - miny) * stretch, 1e-6))
    zoom = float(np.clip(np.log2(px_per_degree * 360 / 512), 1, 17))
    return {"center": {"lon": (minx + maxx) / 2, "lat": mid_lat}, "zoom": round(zoom, 2)}


def breadcrumb(chain: list[dict], language: str) -> html.Nav:
    """Return the breadcrumb from the city down to the drilled unit; every step but the last is a button."""
    zh = language == "zh"
    items = []
    for i, unit in enumerate(chain):
        name = unit["name_zh"] if zh else unit["name_en"]
        last = i == len(chain) - 1
        key = "" if unit["level"] == "city" else unit["code"]
        body = name if last else html.Button(name, id={"type": ids.MAP_CRUMB, "code": key}, n_clicks=0,
                                             className="btn btn-link btn-sm p-0 align-baseline")
        items.append(html.Li(body, className="breadcrumb-item" + (" active" if last else ""),
                             **{"data-testid": f"map-crumb-{unit['code']}"}))
    return html.Nav(html.Ol(items, className="breadcrumb mb-0"))
