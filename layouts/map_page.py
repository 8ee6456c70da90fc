"""The analysts' grid map (/map): the page frame, its controls, the choropleth and the side panel's parts.

Pure functions: rows in, components and figures out. callbacks.map_page reads the store; the view
state and its URL live in layouts.map_state.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import dash_ag_grid as dag
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from dash import Patch, dcc, html, no_update

from indicators.model import SEVERITIES
from layouts import theme
from layouts.components import simple_table
from layouts.i18n import DEFAULT_LANGUAGE, t
from layouts.map_page_texts import GRID_LOCALE_ZH
from layouts.map_state import MapView, ViewFacts, allowed_levels, time_index

STATUS_ORDER = ("no_data", "normal", *SEVERITIES)     # z index on the map
# The map starts with a figure: on back/forward the pages router renders the page again while the
# old page's callbacks may still answer, and a values Patch must not land on an undefined figure.
EMPTY_FIGURE = {"data": [], "layout": {"xaxis": {"visible": False}, "yaxis": {"visible": False}}}
PLAY_MS = 1500
SENSOR_ROWS = 50
SEARCH_LIMIT = 80

# Component ids of this page (prefixed "map-").
URL = "map-url"
STATE = "map-state"
DRAWN = "map-drawn"
GRAPH = "map-graph"
INDICATOR = "map-indicator"
TREE = "map-tree"
SUBJECT = "map-subject"                 # pattern type of the tree's subject buttons
SUBJECT_CHOSEN = "map-subject-chosen"
LEVEL = "map-level"
TIME = "map-time"
TIME_LABEL = "map-time-label"
PLAY = "map-play"
TICK = "map-tick"
CRUMBS = "map-crumbs"
CRUMB = "map-crumb"                     # pattern type of the breadcrumb buttons
TITLE = "map-title"
SUMMARY = "map-summary"
SERIES = "map-series"
COMPARE = "map-compare"
COMPARE_TABLE = "map-compare-table"
CHILDREN = "map-children"
EVENTS = "map-events"
EVENTS_BOX = "map-events-box"
EVENTS_CSV = "map-events-csv"
EVENTS_NOTE = "map-events-note"
SENSORS = "map-sensors"
VALUES_CSV = "map-values-csv"
DOWNLOAD = "map-download"

# --- time ------------------------------------------------------------------------------------

def local_time(epoch_s, tz: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Return an instant in the city's time, or an em dash."""
    if epoch_s is None or pd.isna(epoch_s):
        return "—"
    return datetime.fromtimestamp(int(epoch_s), ZoneInfo(tz)).strftime(fmt)


def time_marks(hours: list[int], tz: str, language: str) -> dict:
    """Return slider marks: a date label about every sixth of the history and "now" at the end."""
    step = max(len(hours) // 6, 1)
    marks = {i: local_time(h, tz, "%m-%d %H:00") for i, h in enumerate(hours) if i % step == 0}
    marks[len(hours)] = t("map_page.now", language)
    return marks


# --- the page frame --------------------------------------------------------------------------

def layout(**_query) -> html.Div:
    """Return the page frame; callbacks.map_page reads the URL and fills everything."""
    language = DEFAULT_LANGUAGE
    return html.Div([
        dcc.Location(id=URL, refresh=False),
        dcc.Store(id=STATE), dcc.Store(id=DRAWN), dcc.Store(id=SUBJECT_CHOSEN),
        dcc.Interval(id=TICK, interval=PLAY_MS, disabled=True),
        dcc.Download(id=DOWNLOAD),
        html.Div([
            html.Div([controls(language), html.Div(id=CRUMBS, className="my-2", **{"data-testid": "map-crumbs"}),
                      dcc.Graph(id=GRAPH, figure=EMPTY_FIGURE, style={"height": "600px"}, config=graph_config(),
                                className="card"),
                      time_control(language)], className="col-12 col-xl-7"),
            html.Div(side_panel_frame(language), className="col-12 col-xl-5"),
        ], className="row"),
    ], className="container-fluid py-3")


def graph_config() -> dict:
    """Return the map's modebar settings: PNG export kept, nothing that calls out."""
    return {"displaylogo": False, "scrollZoom": True,
            "toImageButtonOptions": {"format": "png", "filename": "city-vitals-map", "scale": 2}}


def controls(language: str) -> html.Div:
    """Return the indicator search, the category tree, the level selector and the CSV export."""
    return html.Div([
        html.Div([
            html.Label(t("map_page.indicator", language), htmlFor=INDICATOR, className="small text-muted"),
            dcc.Dropdown(id=INDICATOR, clearable=False, optionHeight=48, maxHeight=420),
        ], className="flex-fill"),
        html.Div([
            html.Label(t("map_page.level", language), htmlFor=LEVEL, className="small text-muted"),
            dcc.Dropdown(id=LEVEL, clearable=False, style={"minWidth": "8rem"}),
        ]),
        html.Button(t("map_page.export_csv", language), id=VALUES_CSV, n_clicks=0,
                    className="btn btn-sm btn-outline-primary align-self-end"),
        html.Details([html.Summary(t("map_page.tree", language), className="small"),
                      html.Div(id=TREE, className="map-tree")], className="w-100"),
    ], className="d-flex flex-wrap gap-2 align-items-start")


def time_control(language: str) -> html.Div:
    """Return the play button, the hour slider over the stored history and the hour shown."""
    return html.Div([
        html.Button("▶", id=PLAY, n_clicks=0, className="btn btn-sm btn-outline-secondary me-2",
                    title=t("map_page.time", language)),
        html.Div(dcc.Slider(id=TIME, min=0, max=1, step=1, value=1, updatemode="mouseup",
                                            allow_direct_input=False), className="flex-fill"),
        html.Span(id=TIME_LABEL, className="small ms-2 text-nowrap", **{"data-testid": "map-time-label"}),
    ], className="d-flex align-items-center mt-2")


def side_panel_frame(language: str) -> list:
    """Return the side panel's fixed parts; callbacks fill their contents."""
    return [
        html.H5(id=TITLE, **{"data-testid": "map-title"}),
        html.Div(id=SUMMARY, **{"data-testid": "map-summary"}),
        html.Div([html.Label(t("map_page.compare", language), htmlFor=COMPARE, className="small text-muted"),
                  dcc.Dropdown(id=COMPARE)], className="mt-2"),
        html.Div(id=COMPARE_TABLE),
        html.Div(t("map_page.series", language), className="fw-bold mt-2"),
        dcc.Graph(id=SERIES, config={"displaylogo": False}, style={"height": "260px"}),
        html.Div(t("map_page.children", language), className="fw-bold mt-2"),
        html.Div(id=CHILDREN),
        html.Div([html.Span(t("map_page.events", language), className="fw-bold me-2"),
                  html.Span(id=EVENTS_NOTE, className="small text-muted me-2", **{"data-testid": "map-events-note"}),
                  html.Button(t("map_page.export_events", language), id=EVENTS_CSV, n_clicks=0,
                              className="btn btn-sm btn-outline-secondary")], className="mt-3 mb-1"),
        html.Div(events_grid(language, [], event_columns(language)), id=EVENTS_BOX),
        html.Div(t("map_page.sensors", language), className="fw-bold mt-3"),
        html.Div(id=SENSORS),
    ]


def level_options(levels: tuple[str, ...], language: str) -> list[dict]:
    """Return the level selector's options."""
    return [{"label": t(f"map_page.level.{level}", language), "value": level} for level in levels]


def subject_tree(domains, language: str) -> list:
    """Return the category tree (domain → subject buttons) of the catalog."""
    zh = language == "zh"
    items = [html.Button(t("map_page.all_subjects", language), id={"type": SUBJECT, "key": ""}, n_clicks=0,
                         className="btn btn-sm btn-link p-0 d-block")]
    for domain in domains:
        buttons = [html.Button(names[0] if zh else names[1], id={"type": SUBJECT, "key": f"{domain.id}.{sid}"},
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
    """Return the indicators whose code or Chinese or English name contains every word of ``text``,
    within the ``domain.subject`` chosen in the tree (None = all); catalog order, at most ``limit``."""
    words = (text or "").lower().split()
    found = []
    for ind in catalog.indicators:
        if subject and f"{ind.domain}.{ind.subject}" != subject:
            continue
        haystack = f"{ind.id} {ind.name_zh} {ind.name_en}".lower()
        if all(word in haystack for word in words):
            found.append(ind)
            if len(found) >= limit:
                break
    return found


def picker_options(catalog, text: str | None, subject: str | None, value: str | None, language: str) -> list[dict]:
    """Return the picker's options: the indicators matching the search text in the chosen subject,
    with the current one always among them."""
    found = search_indicators(catalog, text, subject)
    if value in catalog and all(ind.id != value for ind in found):
        found.insert(0, catalog[value])
    return [indicator_option(ind, language) for ind in found]


def view_outputs(new: MapView, write_url: bool, new_picker: bool, hours: list[int], facts: ViewFacts, tz: str,
                 language: str) -> dict:
    """Return what the view's callback writes: the view to store, the URL (when it gets a history
    entry), the picker's options (when it needs them) and the controls set to the view (the level's
    options, the hour slider over the stored ``hours``, compare, the play's clock)."""
    levels = allowed_levels(facts.catalog[new.indicator], facts.unit_row(new.unit)["level"] if new.unit else "city")
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


def _fmt(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:,.4g}"


def value_label(indicator, language: str) -> str:
    """Return the indicator's name and unit for legends."""
    name = indicator.name_zh if language == "zh" else indicator.name_en
    return f"{name}（{indicator.unit}）" if indicator.unit else name


def feature_collection(features: dict, codes) -> dict:
    """Return the GeoJSON of the units ``codes`` among a level's ``features`` ({code: feature})."""
    return {"type": "FeatureCollection", "features": [features[c] for c in codes if c in features]}


def values_csv_name(view: MapView) -> str:
    """Return the file name of the map's values as CSV."""
    name = f"{view.indicator}-{view.level}-{view.unit or 'city'}-{view.t or 'latest'}.csv"
    return name.replace(":", "")


def map_colouring(frame: pd.DataFrame, by_status: bool, label: str, language: str) -> dict:
    """Return the choropleth's value properties: z, colours and hover text for the frame's rows."""
    names = frame["name_zh" if language == "zh" else "name_en"].fillna(frame["code"])
    statuses = [t(f"map_page.status.{s}", language) for s in frame["status"]]
    custom = np.column_stack([names, [_fmt(v) for v in frame["value"]], statuses, frame["code"]])
    if by_status:
        z = frame["status"].map({s: i for i, s in enumerate(STATUS_ORDER)}).fillna(0)
        bar = {"title": {"text": t("map_page.status", language)}, "thickness": 12,
               "tickvals": list(range(len(STATUS_ORDER))),
               "ticktext": [t(f"map_page.status.{s}", language) for s in STATUS_ORDER]}
        return {"z": z.tolist(), "zmin": -0.5, "zmax": len(STATUS_ORDER) - 0.5, "customdata": custom.tolist(),
                "colorscale": _stepped_scale([theme.STATUS_COLOURS[s] for s in STATUS_ORDER]), "colorbar": bar}
    values = frame["value"]
    top = float(values.max()) if values.notna().any() else 1.0
    return {"z": values.fillna(0).tolist(), "zmin": min(float(values.min()) if values.notna().any() else 0.0, 0.0),
            "zmax": max(top, 1e-9), "customdata": custom.tolist(), "colorscale": theme.SEQUENTIAL,
            "colorbar": {"title": {"text": label}, "thickness": 12}}


def map_figure(frame: pd.DataFrame, geojson: dict, view: dict, by_status: bool, label: str, language: str,
               revision: str) -> go.Figure:
    """Return the choropleth of the frame's units (MapLibre, white background, inline GeoJSON only)."""
    colouring = map_colouring(frame, by_status, label, language)
    figure = go.Figure(go.Choroplethmap(
        geojson=geojson, locations=frame["code"].tolist(), featureidkey="id", marker_line_width=0.6,
        marker_line_color="white", marker_opacity=0.9,
        hovertemplate="%{customdata[0]} (%{customdata[3]})<br>" + label + ": %{customdata[1]}<br>%{customdata[2]}<extra></extra>",
        **colouring))
    figure.update_layout(map={"style": "white-bg", "center": view["center"], "zoom": view["zoom"]},
                         margin={"l": 0, "r": 0, "t": 0, "b": 0}, font={"family": theme.FONT_FAMILY},
                         uirevision=revision, clickmode="event")
    return figure


def map_patch(frame: pd.DataFrame, by_status: bool, label: str, language: str) -> Patch:
    """Return a Patch changing only the values and colours of a drawn map (geometry stays)."""
    patch = Patch()
    for key, value in map_colouring(frame, by_status, label, language).items():
        patch["data"][0][key] = value
    patch["data"][0]["hovertemplate"] = ("%{customdata[0]} (%{customdata[3]})<br>" + label +
                                         ": %{customdata[1]}<br>%{customdata[2]}<extra></extra>")
    return patch


def view_for_bounds(bounds: tuple[float, float, float, float] | None, width_px: int = 820, height_px: int = 580) -> dict:
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
        body = name if last else html.Button(name, id={"type": CRUMB, "code": key}, n_clicks=0,
                                             className="btn btn-link btn-sm p-0 align-baseline")
        items.append(html.Li(body, className="breadcrumb-item" + (" active" if last else ""),
                             **{"data-testid": f"map-crumb-{unit['code']}"}))
    return html.Nav(html.Ol(items, className="breadcrumb mb-0"))


# --- the side panel --------------------------------------------------------------------------

def unit_name(unit: dict, language: str) -> str:
    """Return a unit's name in the UI language."""
    return unit["name_zh"] if language == "zh" else unit["name_en"]


def panel_title(unit: dict, language: str) -> str:
    """Return the side panel's title: the unit's name, code and level."""
    level = t(f"map_page.level.{unit['level']}", language)
    return f"{unit_name(unit, language)} · {unit['code']} · {level}"


def compare_options(frame: pd.DataFrame, language: str) -> list[dict]:
    """Return the units of a values frame as the compare dropdown's options."""
    return [{"label": f"{n} ({c})", "value": c}
            for c, n in zip(frame["code"], frame["name_zh" if language == "zh" else "name_en"])]


def events_link(unit: dict, until_s: int, days: int, tz: str) -> str:
    """Return the /events address listing every case of the unit in the ``days`` up to ``until_s``."""
    since = local_time(until_s - days * 86_400, tz, "%Y-%m-%d")
    query = ([("unit", unit["code"])] if unit["level"] != "city" else []) + [
        ("since", since), ("until", local_time(until_s, tz, "%Y-%m-%d"))]
    return "/events?" + urlencode(query)


def status_badge(status: str, language: str) -> html.Span:
    """Return the status as a badge in its threshold colour."""
    colour = theme.STATUS_COLOURS.get(status, theme.MUTED)
    text_colour = theme.DARK_TEXT if status in ("no_data", "normal", "yellow") else theme.LIGHT_TEXT
    return html.Span(t(f"map_page.status.{status}", language), className="badge",
                     style={"background": colour, "color": text_colour}, **{"data-testid": "map-status"})


def summary(value: dict, rank: tuple[int | None, int], unit_text: str, language: str, tz: str) -> html.Div:
    """Return the selected unit's value, status, rank among its siblings, baseline and instant."""
    rank_text = "—" if rank[0] is None else t("map_page.rank_of", language).format(rank=rank[0], n=rank[1])
    cells = [("map_page.value", html.Span(f"{_fmt(value.get('value'))} {unit_text}", **{"data-testid": "map-value"})),
             ("map_page.status", status_badge(value.get("status", "no_data"), language)),
             ("map_page.rank", html.Span(rank_text, **{"data-testid": "map-rank"})),
             ("map_page.baseline", html.Span(_fmt(value.get("baseline")), **{"data-testid": "map-baseline"})),
             ("map_page.as_of", html.Span(local_time(value.get("as_of_s"), tz), **{"data-testid": "map-as-of"}))]
    return html.Div([html.Div([html.Div(t(key, language), className="small text-muted"), body], className="me-4")
                     for key, body in cells], className="d-flex flex-wrap")


def _local(epoch_s, tz: str) -> pd.Series:
    """Return instants as naive city-local datetimes (what the axis should read)."""
    return pd.to_datetime(epoch_s, unit="s", utc=True).dt.tz_convert(tz).dt.tz_localize(None)


def series_figure(series: pd.DataFrame, bounds: tuple, relative: bool, marker_s: int | None, language: str,
                  tz: str, compare: pd.DataFrame | None = None, names: tuple[str, str] = ("", "")) -> go.Figure:
    """Return the unit's series with its baseline, threshold lines (absolute, or bound × baseline
    when relative) and the hour shown; a second unit's series when comparing."""
    if series.empty:
        return _empty_figure(t("map_page.no_series", language))
    x = _local(series["as_of_s"], tz)
    traces = [go.Scatter(x=x, y=series["value"], mode="lines+markers", name=names[0] or t("map_page.value", language),
                         line={"color": theme.PRIMARY}),
              go.Scatter(x=x, y=series["baseline"], mode="lines", name=t("map_page.baseline", language),
                         line={"color": theme.MUTED, "dash": "dot"})]
    for severity, bound in bounds:
        y = series["baseline"] * bound if relative else [bound] * len(series)
        traces.append(go.Scatter(x=x, y=y, mode="lines", name=t(f"map_page.status.{severity}", language),
                                 line={"color": theme.STATUS_COLOURS[severity], "dash": "dash", "width": 1}))
    if compare is not None and not compare.empty:
        traces.append(go.Scatter(x=_local(compare["as_of_s"], tz), y=compare["value"],
                                 mode="lines+markers", name=names[1], line={"color": theme.WARN}))
    figure = go.Figure(traces)
    if len(series) == 1:                        # one point: an hour either side, not milliseconds
        figure.update_xaxes(range=[x.iloc[0] - pd.Timedelta(hours=1), x.iloc[0] + pd.Timedelta(hours=1)])
    if marker_s is not None:
        figure.add_vline(x=_local(pd.Series([marker_s]), tz).iloc[0], line={"color": theme.BAD, "width": 1})
    figure.update_layout(margin={"l": 40, "r": 10, "t": 10, "b": 30}, height=260, font={"family": theme.FONT_FAMILY},
                         legend={"orientation": "h", "y": -0.2}, plot_bgcolor="white")
    return figure


def unit_series_figure(thresholds, unit: dict, other: dict | None, series: pd.DataFrame, compare: pd.DataFrame | None,
                       marker_s: int | None, language: str, tz: str) -> go.Figure:
    """Return the unit's series (and the compared unit's) with the thresholds at its level (relative
    to its baseline unless the level has its own absolute bounds)."""
    relative = thresholds.relative_to is not None and unit["level"] not in dict(thresholds.per_level)
    names = (unit_name(unit, language), unit_name(other, language) if other else "")
    return series_figure(series, thresholds.bounds_for(unit["level"]), relative, marker_s, language, tz, compare, names)


def _empty_figure(message: str) -> go.Figure:
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    figure.update_layout(xaxis={"visible": False}, yaxis={"visible": False}, height=120,
                         margin={"l": 10, "r": 10, "t": 10, "b": 10}, font={"family": theme.FONT_FAMILY})
    return figure


def children_table(children: pd.DataFrame, parent_value, additive: bool, language: str):
    """Return the children with the highest values (and their share of the parent's, when additive)."""
    if children.empty:
        return html.Div(t("map_page.no_children", language), className="text-muted small")
    names = children["name_zh" if language == "zh" else "name_en"]
    share = (lambda v: theme.fmt_pct(v / parent_value)) if additive and parent_value else (lambda v: "—")
    rows = [[n, c, _fmt(v), share(v)] for n, c, v in zip(names, children["code"], children["value"])]
    heads = [t(f"map_page.{k}", language) for k in ("col.unit", "col.code", "value", "share")]
    return simple_table(heads, rows, testid="map-children")


def compare_table(rows: list[tuple[dict, dict, tuple]], language: str):
    """Return the two compared units' (unit, value row, rank) side by side: value, status and rank."""
    heads = [t(f"map_page.{k}", language) for k in ("col.unit", "value", "status", "rank")]
    body = [[unit_name(u, language), _fmt(v.get("value")), t(f"map_page.status.{v.get('status', 'no_data')}", language),
             "—" if r[0] is None else f"{r[0]} / {r[1]}"] for u, v, r in rows]
    return simple_table(heads, body, testid="map-compare-table")


EVENT_COLUMNS = (("event_id", "col.event"), ("source", "col.source"), ("category", "col.category"),
                 ("status", "status"), ("received", "col.received"), ("due", "col.due"),
                 ("grid_code", "col.code"), ("caller_name", "col.caller"), ("caller_phone", "col.phone"),
                 ("description", "col.description"))


def grid_options(language: str) -> dict:
    """Return the events grid's options: pagination, and AG Grid's own texts in the UI language."""
    locale = GRID_LOCALE_ZH if language == "zh" else {}
    return {"pagination": True, "paginationPageSize": 20, "localeText": locale}


def events_grid(language: str, rows: list[dict], columns: list[dict]) -> dag.AgGrid:
    """Return the events grid (AG Grid reads its locale texts only when created, so a new
    language means a new grid)."""
    return dag.AgGrid(id=EVENTS, rowData=rows, columnDefs=columns, className="ag-theme-quartz",
                      defaultColDef={"filter": True, "sortable": True, "resizable": True, "floatingFilter": True},
                      dashGridOptions=grid_options(language), csvExportParams={"fileName": "cases.csv"},
                      style={"height": "420px"})


def events_grid_outputs(rows: list[dict], language: str, shown_options: dict | None) -> tuple:
    """Return (new grid, rows, columns) for the events grid: rows and columns for the grid shown
    (``shown_options`` its dashGridOptions), or a new grid when it was made for another language
    (AG Grid reads its texts once)."""
    columns = event_columns(language)
    if (shown_options or {}).get("localeText") != grid_options(language)["localeText"]:
        return events_grid(language, rows, columns), no_update, no_update
    return no_update, rows, columns


def code_text(group: str, code, language: str) -> str:
    """Return a stored code (case status, sensor kind, metric, quality) in the UI language; an
    unknown code as stored, a missing one as an em dash."""
    if not isinstance(code, str):
        return "—"
    key = f"map_page.{group}.{code}"
    text = t(key, language)
    return code if text == key else text


def case_status_text(status, language: str) -> str:
    """Return a case status in the UI language (an unknown status as stored)."""
    return code_text("case_status", status, language)


def events_note(shown: int, total: int, link: str, language: str) -> list:
    """Return how many of the unit's cases the grid shows, with a link to all of them on /events."""
    if total <= shown:
        return []
    return [t("map_page.events_shown", language).format(shown=shown, total=f"{total:,}"), " · ",
            dcc.Link(t("map_page.events_all", language), href=link)]


def event_columns(language: str) -> list[dict]:
    """Return the events grid's column definitions in the UI language."""
    return [{"field": field, "headerName": t(f"map_page.{key}", language)} for field, key in EVENT_COLUMNS]


def event_rows(events: pd.DataFrame, language: str, tz: str) -> list[dict]:
    """Return the (already masked) events as grid rows of plain text."""
    category = events["category_zh" if language == "zh" else "category_en"].fillna(events["category_code"])
    frame = pd.DataFrame({
        "event_id": events["event_id"], "source": [t(f"source.{s}", language) for s in events["source"]],
        "category": category, "status": [case_status_text(s, language) for s in events["status"]],
        "received": [local_time(x, tz) for x in events["received_s"]],
        "due": [local_time(x, tz) for x in events["due_s"]],
        "grid_code": events["grid_code"], "caller_name": events["caller_name"],
        "caller_phone": events["caller_phone"], "description": events["description"]})
    return frame.astype(object).where(frame.notna(), "").to_dict("records")


def sensors_table(sensors: pd.DataFrame, language: str, tz: str, limit: int = SENSOR_ROWS):
    """Return the unit's sensors with each metric's latest reading (the first ``limit`` rows, with
    a note of how many there are: a district has a crowd counter in every grid)."""
    if sensors.empty:
        return html.Div(t("map_page.no_sensors", language), className="text-muted small")
    zh = language == "zh"
    rows = [[r.name_zh if zh else r.name_en, code_text("sensor_kind", r.kind, language),
             code_text("metric", r.metric, language), _fmt(r.value),
             local_time(r.ts.timestamp() if not pd.isna(r.ts) else None, tz), code_text("quality", r.quality, language)]
            for r in sensors.head(limit).itertuples()]
    heads = [t(f"map_page.col.{k}", language) for k in ("sensor", "kind", "metric", "reading", "time", "quality")]
    table = simple_table(heads, rows, testid="map-sensors")
    if len(sensors) <= limit:
        return table
    note = t("map_page.sensors_shown", language).format(shown=limit, total=f"{len(sensors):,}")
    return html.Div([html.Div(note, className="small text-muted", **{"data-testid": "map-sensors-note"}), table])
