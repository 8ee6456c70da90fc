"""The analysts' map (/map), its side panel: the unit's value and rank, its series against the
thresholds, the compare table, the children, the cases and the sensors.

Pure functions: rows in, components and figures out; callbacks.map_page reads the store.
"""

from __future__ import annotations

from urllib.parse import urlencode

import dash_ag_grid as dag
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html, no_update

from data.clock import local_datetime, local_times
from data.text import inert
from layouts import ids, map_page_texts, theme
from layouts.components import simple_table
from layouts.i18n import t
from layouts.map_search import value_difference
from layouts.widget_texts import grid_locale_text

TEXTS = map_page_texts      # imported for its side effect: it registers the panel's texts (map_page.*)
SENSOR_ROWS = 50


def local_time(epoch_s, tz: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Return an instant in the city's time, or an em dash."""
    if epoch_s is None or pd.isna(epoch_s):
        return "—"
    return local_datetime(int(epoch_s), tz).strftime(fmt)


def fmt_value(value) -> str:
    """Return a value with four significant digits and thousands separators, or an em dash."""
    return "—" if value is None or pd.isna(value) else f"{value:,.4g}"


def unit_name(unit: dict, language: str) -> str:
    """Return a unit's name in the UI language."""
    return unit["name_zh"] if language == "zh" else unit["name_en"]


def panel_title(unit: dict, language: str) -> str:
    """Return the side panel's title: the unit's name, code and level."""
    level = t(f"map_page.level.{unit['level']}", language)
    return f"{unit_name(unit, language)} · {unit['code']} · {level}"


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
    cells = [("map_page.value", html.Span(f"{fmt_value(value.get('value'))} {unit_text}", **{"data-testid": "map-value"})),
             ("map_page.status", status_badge(value.get("status", "no_data"), language)),
             ("map_page.rank", html.Span(rank_text, **{"data-testid": "map-rank"})),
             ("map_page.baseline", html.Span(fmt_value(value.get("baseline")), **{"data-testid": "map-baseline"})),
             ("map_page.as_of", html.Span(local_time(value.get("as_of_s"), tz), **{"data-testid": "map-as-of"}))]
    return html.Div([html.Div([html.Div(t(key, language), className="small text-muted"), body], className="me-4")
                     for key, body in cells], className="d-flex flex-wrap")


def series_figure(series: pd.DataFrame, bounds: tuple, relative: bool, marker_s: int | None, language: str,
                  tz: str, compare: pd.DataFrame | None = None, names: tuple[str, str] = ("", "")) -> go.Figure:
    """Return the unit's series with its baseline, threshold lines (absolute, or bound × baseline
    when relative) and the hour shown; a second unit's series when comparing."""
    if series.empty:
        return _empty_figure(t("map_page.no_series", language))
    x = local_times(series["as_of_s"], tz)
    traces = [go.Scatter(x=x, y=series["value"], mode="lines+markers", name=names[0] or t("map_page.value", language),
                         line={"color": theme.PRIMARY}),
              go.Scatter(x=x, y=series["baseline"], mode="lines", name=t("map_page.baseline", language),
                         line={"color": theme.MUTED, "dash": "dot"})]
    for severity, bound in bounds:
        y = series["baseline"] * bound if relative else [bound] * len(series)
        traces.append(go.Scatter(x=x, y=y, mode="lines", name=t(f"map_page.status.{severity}", language),
                                 line={"color": theme.STATUS_COLOURS[severity], "dash": "dash", "width": 1}))
    if compare is not None and not compare.empty:
        traces.append(go.Scatter(x=local_times(compare["as_of_s"], tz), y=compare["value"],
                                 mode="lines+markers", name=names[1], line={"color": theme.WARN}))
    figure = go.Figure(traces)
    if len(series) == 1:                        # one point: an hour either side, not milliseconds
        figure.update_xaxes(range=[x.iloc[0] - pd.Timedelta(hours=1), x.iloc[0] + pd.Timedelta(hours=1)])
    if marker_s is not None:
        figure.add_vline(x=local_times([marker_s], tz).iloc[0], line={"color": theme.BAD, "width": 1})
    figure.update_layout(margin={"l": 40, "r": 10, "t": 10, "b": 30}, height=260, font={"family": theme.FONT_FAMILY},
                         legend={"orientation": "h", "y": -0.2}, plot_bgcolor="white")
    return figure


def unit_series_figure(thresholds, unit: dict, other: dict | None, series: pd.DataFrame, compare: pd.DataFrame | None,
                       marker_s: int | None, language: str, tz: str) -> go.Figure:
    """Return the unit's series (and the compared unit's) with the thresholds at its level (drawn
    as bound × baseline where that level's bounds are relative to the baseline)."""
    relative = thresholds.relative_at(unit["level"]) is not None
    names = (unit_name(unit, language), unit_name(other, language) if other else "")
    if other and names[0] == names[1]:          # two grids of different communities may share a name
        names = (f"{names[0]} ({unit['code']})", f"{names[1]} ({other['code']})")
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
    rows = [[n, c, fmt_value(v), share(v)] for n, c, v in zip(names, children["code"], children["value"])]
    heads = [t(f"map_page.{k}", language) for k in ("col.unit", "col.code", "value", "share")]
    return simple_table(heads, rows, testid="map-children")


def compare_table(rows: list[tuple[dict, dict, tuple]], language: str):
    """Return the two compared units' (unit, value row, rank) side by side: code, value, status and rank
    among their siblings, then the difference of their values."""
    heads = [t(f"map_page.{k}", language) for k in ("col.unit", "col.code", "value", "status", "rank")]
    body = [[unit_name(u, language), u["code"], fmt_value(v.get("value")),
             t(f"map_page.status.{v.get('status', 'no_data')}", language),
             "—" if r[0] is None else f"{r[0]} / {r[1]}"] for u, v, r in rows]
    gap = value_difference(rows[0][1].get("value"), rows[1][1].get("value")) if len(rows) == 2 else None
    if gap is not None:
        body.append([t("unit_search.difference", language), "", gap, "", ""])
    return simple_table(heads, body, testid="map-compare-table")


EVENT_COLUMNS = (("event_id", "col.event"), ("source", "col.source"), ("category", "col.category"),
                 ("status", "status"), ("received", "col.received"), ("due", "col.due"),
                 ("grid_code", "col.code"), ("caller_name", "col.caller"), ("caller_phone", "col.phone"),
                 ("description", "col.description"))
# The grid shows times to the minute; its CSV export takes them from hidden columns holding local
# ISO 8601 with the offset (2026-11-20T07:30:00-08:00), which no spreadsheet can take for another zone.
EXPORTED_TIMES = {"received": "received_at", "due": "due_at"}
CSV_EXPORT = {"fileName": "cases.csv", "columnKeys": [EXPORTED_TIMES.get(field, field) for field, _ in EVENT_COLUMNS]}


def grid_options(language: str) -> dict:
    """Return the events grid's options: pagination, and AG Grid's own texts in the UI language."""
    return {"pagination": True, "paginationPageSize": 20, "localeText": grid_locale_text(language)}


def events_grid(language: str, rows: list[dict], columns: list[dict]) -> dag.AgGrid:
    """Return the events grid (AG Grid reads its locale texts only when created, so a new
    language means a new grid)."""
    return dag.AgGrid(id=ids.MAP_EVENTS, rowData=rows, columnDefs=columns, className="ag-theme-quartz",
                      defaultColDef={"filter": True, "sortable": True, "resizable": True, "floatingFilter": True},
                      dashGridOptions=grid_options(language), csvExportParams=CSV_EXPORT,
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
    """Return the events grid's column definitions in the UI language (and the hidden ones the CSV
    export takes its times from)."""
    shown = [{"field": field, "headerName": t(f"map_page.{key}", language)} for field, key in EVENT_COLUMNS]
    hidden = [{"field": EXPORTED_TIMES[c["field"]], "headerName": c["headerName"], "hide": True}
              for c in shown if c["field"] in EXPORTED_TIMES]
    return shown + hidden


EVENT_ROW_FIELDS = ("event_id", "source", "category", "status", "received", "due", "received_at", "due_at", "grid_code",
                    "caller_name", "caller_phone", "description")


def event_rows(events: pd.DataFrame, language: str, tz: str) -> list[dict]:
    """Return the (already masked) events as grid rows of plain text, a missing value as an empty
    text (built row by row from the columns' values: a frame of 200 rows converted as a whole costs
    more than the texts)."""
    zh = language == "zh"
    columns = {"event_id": events["event_id"], "source": events["channel_zh" if zh else "channel_en"],
               "category": events["category_zh" if zh else "category_en"].fillna(events["category_code"]),
               "grid_code": events["grid_code"], "caller_name": events["caller_name"],
               "caller_phone": events["caller_phone"], "description": events["description"]}
    texts = {name: [_grid_text(v) for v in values.tolist()] for name, values in columns.items()}
    texts["status"] = [case_status_text(s, language) for s in events["status"].tolist()]
    for shown, exported in EXPORTED_TIMES.items():
        texts[shown], texts[exported] = _time_texts(events[f"{shown}_s"].tolist(), tz)
    return [dict(zip(EVENT_ROW_FIELDS, row)) for row in zip(*(texts[field] for field in EVENT_ROW_FIELDS))]


def _grid_text(value):
    """Return a value as the events grid shows it: a missing one (None, NaN, NA) as an empty text."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _time_texts(epochs: list, tz: str) -> tuple[list[str], list[str]]:
    """Return the instants (whole epoch seconds) as the grid's local minutes (an em dash when missing) and
    as local ISO 8601 with the offset for the CSV export (empty when missing), reading each instant once."""
    shown, exported = [], []
    for epoch_s in epochs:
        if epoch_s is None or pd.isna(epoch_s):
            shown.append("—")
            exported.append("")
            continue
        moment = local_datetime(int(epoch_s), tz)
        shown.append(moment.strftime("%Y-%m-%d %H:%M"))
        iso = moment.strftime("%Y-%m-%dT%H:%M:%S%z")          # offset as +0800: ISO 8601 writes +08:00
        exported.append(iso[:-2] + ":" + iso[-2:])
    return shown, exported


SENSOR_FIELDS = ("sensor", "kind", "metric", "reading", "time", "quality")


def sensor_rows(sensors: pd.DataFrame, language: str, tz: str) -> list[dict]:
    """Return the sensors' latest readings as grid rows of plain, inert text (names come from feeds)."""
    zh = language == "zh"
    return [dict(zip(SENSOR_FIELDS, map(inert, (
        r.name_zh if zh else r.name_en, code_text("sensor_kind", r.kind, language), code_text("metric", r.metric, language),
        fmt_value(r.value), local_time(r.ts.timestamp() if not pd.isna(r.ts) else None, tz),
        code_text("quality", r.quality, language))))) for r in sensors.itertuples()]


def sensors_grid(language: str, rows: list[dict]) -> dag.AgGrid:
    """Return the sensors' grid (kept on the page: a drill sends it rows, not a new grid; AG Grid
    reads its locale texts only when created, so a new language means a new grid)."""
    columns = [{"field": f, "headerName": t(f"map_page.col.{f}", language)} for f in SENSOR_FIELDS]
    return dag.AgGrid(id=ids.MAP_SENSORS_GRID, rowData=rows, columnDefs=columns, className="ag-theme-quartz",
                      defaultColDef={"sortable": True, "resizable": True},
                      dashGridOptions={"localeText": grid_options(language)["localeText"]}, style={"height": "300px"})


def sensors_outputs(sensors: pd.DataFrame, language: str, tz: str, shown_options: dict | None,
                    limit: int = SENSOR_ROWS) -> tuple:
    """Return (note, new grid, grid hidden, rows) for the unit's sensors with each metric's latest
    reading: the first ``limit`` rows (a district has a crowd counter in every grid) with a note of
    how many there are, or a note that there are none. The rows go to the grid shown; a new grid
    only when the page's grids were made for another language (``shown_options``: the events
    grid's dashGridOptions, made with it). One grid, not a component per cell: Dash's renderer works
    for every component on each update, and making a grid costs the browser more than its rows."""
    rows = sensor_rows(sensors.head(limit), language, tz)
    if sensors.empty:
        note = html.Div(t("map_page.no_sensors", language), className="text-muted small")
    elif len(sensors) > limit:
        note = html.Div(t("map_page.sensors_shown", language).format(shown=limit, total=f"{len(sensors):,}"),
                        className="small text-muted", **{"data-testid": "map-sensors-note"})
    else:
        note = None
    if (shown_options or {}).get("localeText") != grid_options(language)["localeText"]:
        return note, sensors_grid(language, rows), sensors.empty, no_update
    return note, no_update, sensors.empty, rows
