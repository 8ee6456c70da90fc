"""Callbacks of the analysts' map (/map).

One callback owns the view state: it reads the URL on load and on the back button, applies the
user's action (indicator, level, click to drill, breadcrumb, hour, play, compare), writes the URL
and sets the controls. The map, breadcrumb and side panel are drawn from that state; when only the
indicator or the hour changed, the map gets a Patch of values and colours, not its geometry again.
"""

from __future__ import annotations

from urllib.parse import urlencode

from dash import ALL, Input, Output, State, callback, ctx, dcc, no_update

from callbacks import context
from data import geo
from queries import map_page as uq
from queries.value_cache import ValueCache
from indicators.catalog import Catalog, load_catalog
from layouts import ids
from layouts import map_page as view
from layouts.i18n import normalise_language, t

SEARCH_LIMIT = 80


def catalog() -> Catalog:
    """Return the server's one indicator catalog (shared with every page, the alerts and the briefs)."""
    return context.current().catalog


def store_values() -> ValueCache:
    """Return the server's cache of indicator values (valid until a refresh writes what it holds)."""
    return context.current().remember("map_page.values", ValueCache)


def history_hours() -> list[int]:
    """Return the instants of the stored hourly snapshots, oldest first."""
    app = context.current()
    return store_values().hours(app.cursor())


def level_geometry(level: str) -> dict:
    """Return {code: GeoJSON feature} of a level, simplified for it, built once per server."""
    app = context.current()
    return app.remember(f"map_page.features.{level}", lambda: {
        f["id"]: f for f in geo.unit_geojson(app.cursor(), level)["features"]})


# --- state ----------------------------------------------------------------------------------

def allowed_levels(indicator, unit_level: str) -> tuple[str, ...]:
    """Return the levels the map may show inside a unit of ``unit_level`` for the indicator."""
    below = uq.LEVELS[uq.LEVELS.index(unit_level) + 1:]
    levels = tuple(level for level in below if level in indicator.levels)
    return levels or (unit_level,)


def normalise(state: dict, con, hours: list[int], tz: str) -> dict:
    """Return the state with every key valid against the catalog and the store (unknown → default)."""
    state = {**dict.fromkeys(view.STATE_KEYS), **state}
    cat = catalog()
    if state["indicator"] not in cat:
        state["indicator"] = view.DEFAULT_INDICATOR
    unit = uq.unit_row(con, state["unit"]) if state["unit"] else None
    if unit is not None and unit["level"] == "grid":          # a grid is shown inside its community
        state["select"], unit = unit["code"], uq.unit_row(con, unit["parent_code"])
    if unit is not None and unit["level"] == "city":
        unit = None
    state["unit"] = unit["code"] if unit else None
    levels = allowed_levels(cat[state["indicator"]], unit["level"] if unit else "city")
    state["level"] = state["level"] if state["level"] in levels else levels[0]
    for key in ("select", "compare"):
        if state[key] and uq.unit_row(con, state[key]) is None:
            state[key] = None
    if state["compare"] == state["select"]:
        state["compare"] = None
    labels = {view.hour_label(h, tz) for h in hours}
    state["t"] = state["t"] if state["t"] in labels else None
    return state


def drill(state: dict, unit: dict) -> dict:
    """Return the state after clicking ``unit``: show its children and select it (a grid is only selected)."""
    below = uq.child_level(unit["level"])
    if below is None or below not in catalog()[state["indicator"]].levels:
        return {**state, "select": unit["code"]}
    return {**state, "unit": unit["code"], "select": unit["code"], "level": below, "compare": None}


def go_up(state: dict, code: str, con) -> dict:
    """Return the state after a breadcrumb click: back to the city ("") or to an ancestor unit."""
    if not code:
        return {**state, "unit": None, "select": None, "level": None, "compare": None}
    return drill({**state, "unit": None}, uq.unit_row(con, code))


def step_hour(state: dict, hours: list[int], tz: str) -> dict:
    """Return the state one history hour later (from "now" the play starts at the first hour)."""
    labels = [view.hour_label(h, tz) for h in hours]
    if not labels:
        return state
    if state["t"] not in labels:
        return {**state, "t": labels[0]}
    index = labels.index(state["t"]) + 1
    return {**state, "t": labels[index] if index < len(labels) else None}


def apply_action(state: dict, trigger, value, hours: list[int], con, tz: str) -> dict:
    """Return the state after the user's action (``trigger`` is the component that fired)."""
    if trigger == view.GRAPH and value and value.get("points"):
        unit = uq.unit_row(con, str(value["points"][0].get("location")))
        return drill(state, unit) if unit else state
    if isinstance(trigger, dict) and trigger.get("type") == view.CRUMB:
        return go_up(state, trigger["code"], con) if value else state
    if trigger == view.INDICATOR and value:
        return {**state, "indicator": value}
    if trigger == view.LEVEL and value:
        return {**state, "level": value}
    if trigger == view.TIME and value is not None:
        return {**state, "t": view.hour_label(hours[value], tz) if value < len(hours) else None}
    if trigger == view.TICK:
        return step_hour(state, hours, tz)
    if trigger == view.PLAY:
        playing = not state.get("playing")
        return {**state, "playing": playing, **({"t": None} if playing and state["t"] is None else {})}
    if trigger == view.COMPARE:
        return {**state, "compare": value}
    return state


def time_index(state: dict, hours: list[int], tz: str) -> int:
    """Return the slider position of the state's hour (the last position is "now")."""
    labels = [view.hour_label(h, tz) for h in hours]
    return labels.index(state["t"]) if state["t"] in labels else len(hours)


@callback(
    Output(view.STATE, "data"), Output(view.URL, "search"), Output(view.INDICATOR, "value"),
    Output(view.LEVEL, "options"), Output(view.LEVEL, "value"), Output(view.TIME, "max"),
    Output(view.TIME, "marks"), Output(view.TIME, "value"), Output(view.TIME_LABEL, "children"),
    Output(view.COMPARE, "value"), Output(view.TICK, "disabled"), Output(view.PLAY, "children"),
    Output(view.INDICATOR, "options", allow_duplicate=True),
    Input(view.URL, "search"), Input(view.GRAPH, "clickData"), Input({"type": view.CRUMB, "code": ALL}, "n_clicks"),
    Input(view.INDICATOR, "value"), Input(view.LEVEL, "value"), Input(view.TIME, "value"),
    Input(view.TICK, "n_intervals"), Input(view.PLAY, "n_clicks"), Input(view.COMPARE, "value"),
    Input(ids.LANGUAGE, "data"), State(view.STATE, "data"), prevent_initial_call="initial_duplicate")
def update_state(search, *args):
    """Apply the URL (on load and the back button) or the user's action to the view state; push the
    new URL when the user changed something. The picker gets its options with its value (a value
    missing from the options would be cleared by the dropdown)."""
    language, state = normalise_language(args[-2]), args[-1]
    app = context.current()
    con, hours = app.cursor(), history_hours()
    trigger = ctx.triggered_id
    if state is None or trigger in (None, view.URL):
        new, push = view.parse_search(search), False
        new["playing"] = False
    else:
        value = ctx.triggered[0]["value"] if ctx.triggered else None
        new, push = apply_action(state, trigger, value, hours, con, app.tz), trigger not in (view.TICK, ids.LANGUAGE)
        if new.get("playing") and trigger == view.TICK and new["t"] is None:
            new["playing"], push = False, True            # the play reached "now": stop there
    new = {**normalise(new, con, hours, app.tz), "playing": bool(new.get("playing"))}
    if state is not None and trigger not in (None, view.URL, ids.LANGUAGE) and new == state:
        return (no_update,) * 13
    query = view.state_search(new)
    unit_level = uq.unit_row(con, new["unit"])["level"] if new["unit"] else "city"
    levels = allowed_levels(catalog()[new["indicator"]], unit_level)
    index = time_index(new, hours, app.tz)
    label = new["t"] or t("map_page.now", language)
    picker = (picker_options(None, None, new["indicator"], language)
              if state is None or trigger in (view.URL, ids.LANGUAGE) or new["indicator"] != state["indicator"]
              else no_update)
    return (new, query if push and query != search else no_update, new["indicator"],
            view.level_options(levels, language), new["level"], len(hours), view.time_marks(hours, app.tz, language),
            index, label, new["compare"], not new["playing"], "⏸" if new["playing"] else "▶", picker)


# --- the map --------------------------------------------------------------------------------

def hour_s(state: dict, tz: str) -> int | None:
    """Return the epoch second of the state's history hour (None = the latest values)."""
    if not state.get("t"):
        return None
    hours = {view.hour_label(h, tz): h for h in history_hours()}
    return hours.get(state["t"])


def map_values(state: dict):
    """Return (values frame at the state's level and hour, the unit drilled into or None)."""
    app = context.current()
    con = app.cursor()
    unit = uq.unit_row(con, state["unit"]) if state["unit"] else None
    return uq.unit_values(con, state["indicator"], state["level"], unit, hour_s(state, app.tz), store_values()), unit


def value_label(indicator, language: str) -> str:
    """Return the indicator's name and unit for legends."""
    name = indicator.name_zh if language == "zh" else indicator.name_en
    return f"{name}（{indicator.unit}）" if indicator.unit else name


@callback(Output(view.GRAPH, "figure"), Output(view.DRAWN, "data"),
          Input(view.STATE, "data"), Input(ids.LANGUAGE, "data"), State(view.DRAWN, "data"),
          prevent_initial_call=True)
def draw_map(state, language, drawn):
    """Draw the choropleth; when the same units are on the map already, patch only the values."""
    if not state:
        return no_update, no_update
    language = normalise_language(language)
    indicator = catalog()[state["indicator"]]
    frame, unit = map_values(state)
    by_status = bool(indicator.thresholds.bounds_for(state["level"]))
    label = value_label(indicator, language)
    key = f"{state['unit']}|{state['level']}"
    if drawn == key:
        return view.map_patch(frame, by_status, label, language), no_update
    features = level_geometry(state["level"])
    geojson = {"type": "FeatureCollection", "features": [features[c] for c in frame["code"] if c in features]}
    app = context.current()
    bounds = uq.unit_bounds(app.cursor(), unit["code"] if unit else uq.city_unit(app.cursor())["code"])
    return view.map_figure(frame, geojson, view.view_for_bounds(bounds), by_status, label, language, key), key


@callback(Output(view.CRUMBS, "children"), Input(view.STATE, "data"), Input(ids.LANGUAGE, "data"),
          prevent_initial_call=True)
def draw_breadcrumb(state, language):
    """Draw the path from the city to the unit drilled into (and the selected unit below it)."""
    if not state:
        return no_update
    con = context.current().cursor()
    chain = uq.lineage(con, state["unit"]) if state["unit"] else [uq.city_unit(con)]
    return view.breadcrumb(chain, normalise_language(language))


@callback(Output(view.DOWNLOAD, "data"), Input(view.VALUES_CSV, "n_clicks"), State(view.STATE, "data"),
          prevent_initial_call=True)
def export_values(clicks, state):
    """Send the map's values (every unit on the map, at the hour shown) as CSV."""
    if not clicks or not state:
        return no_update
    frame, _ = map_values(state)
    frame = frame.assign(indicator_id=state["indicator"], level=state["level"])
    name = f"{state['indicator']}-{state['level']}-{state['unit'] or 'city'}-{state['t'] or 'latest'}.csv"
    return dcc.send_data_frame(frame.to_csv, name.replace(":", ""), index=False)


@callback(Output(view.EVENTS, "exportDataAsCsv"), Input(view.EVENTS_CSV, "n_clicks"), prevent_initial_call=True)
def export_events(clicks):
    """Ask the events grid to export its rows (filtered and sorted as shown, personal data masked)."""
    return bool(clicks)


# --- the indicator picker -------------------------------------------------------------------

def search_indicators(cat: Catalog, text: str | None, subject: str | None, limit: int = SEARCH_LIMIT) -> list:
    """Return the indicators whose code or Chinese or English name contains every word of ``text``,
    within the ``domain.subject`` chosen in the tree (None = all); catalog order, at most ``limit``."""
    words = (text or "").lower().split()
    found = []
    for ind in cat.indicators:
        if subject and f"{ind.domain}.{ind.subject}" != subject:
            continue
        haystack = f"{ind.id} {ind.name_zh} {ind.name_en}".lower()
        if all(word in haystack for word in words):
            found.append(ind)
            if len(found) >= limit:
                break
    return found


def picker_options(text: str | None, subject: str | None, value: str | None, language: str) -> list[dict]:
    """Return the picker's options: the indicators matching the search text in the chosen subject,
    with the current one always among them."""
    cat = catalog()
    found = search_indicators(cat, text, subject)
    if value in cat and all(ind.id != value for ind in found):
        found.insert(0, cat[value])
    return [view.indicator_option(ind, normalise_language(language)) for ind in found]


@callback(Output(view.INDICATOR, "options"), Input(view.INDICATOR, "search_value"), Input(view.SUBJECT_CHOSEN, "data"),
          State(view.INDICATOR, "value"), State(ids.LANGUAGE, "data"), prevent_initial_call=True)
def indicator_options(text, subject, value, language):
    """Offer the indicators matching the search text in the chosen subject (and the current one);
    on load and on a new indicator or language the state update sends them."""
    return picker_options(text, subject, value, language)


@callback(Output(view.TREE, "children"), Input(ids.LANGUAGE, "data"))
def draw_tree(language):
    """Draw the catalog's category tree (domain → subject)."""
    return view.subject_tree(catalog().domains, normalise_language(language))


@callback(Output(view.SUBJECT_CHOSEN, "data"), Input({"type": view.SUBJECT, "key": ALL}, "n_clicks"),
          prevent_initial_call=True)
def choose_subject(clicks):
    """Remember the subject clicked in the tree ("" = all)."""
    if not ctx.triggered_id or not any(clicks):
        return no_update
    return ctx.triggered_id["key"] or None


# --- the side panel -------------------------------------------------------------------------

def selected_unit(state: dict, con) -> dict:
    """Return the unit the panel describes: the selected one, else the unit drilled into, else the city."""
    for code in (state.get("select"), state.get("unit")):
        unit = uq.unit_row(con, code) if code else None
        if unit is not None:
            return unit
    return uq.city_unit(con)


def unit_name(unit: dict, language: str) -> str:
    """Return a unit's name in the UI language."""
    return unit["name_zh"] if language == "zh" else unit["name_en"]


def compare_options(state: dict, language: str) -> list[dict]:
    """Offer the units on the map (and the siblings of the selected one) as the second unit."""
    frame, _ = map_values(state)
    return [{"label": f"{n} ({c})", "value": c}
            for c, n in zip(frame["code"], frame["name_zh" if language == "zh" else "name_en"])]


@callback(Output(view.TITLE, "children"), Output(view.SUMMARY, "children"), Output(view.SERIES, "figure"),
          Output(view.COMPARE, "options"), Output(view.COMPARE_TABLE, "children"), Output(view.CHILDREN, "children"),
          Output(view.EVENTS_NOTE, "children"), Output(view.EVENTS_BOX, "children"), Output(view.EVENTS, "rowData"),
          Output(view.EVENTS, "columnDefs"), Output(view.SENSORS, "children"),
          Input(view.STATE, "data"), Input(ids.LANGUAGE, "data"), State(view.EVENTS, "dashGridOptions"),
          prevent_initial_call=True)
def draw_panel(state, language, grid_options=None):
    """Describe the selected unit: value, status, rank, series, top children, compare, cases, sensors."""
    if not state:
        return (no_update,) * 11
    language = normalise_language(language)
    app = context.current()
    con, at_s, source = app.cursor(), hour_s(state, app.tz), store_values()
    indicator = catalog()[state["indicator"]]
    unit = selected_unit(state, con)
    value = uq.unit_value(con, indicator.id, unit, at_s, source)
    rank = uq.sibling_rank(con, indicator.id, unit, at_s, source)
    other = uq.unit_row(con, state["compare"]) if state.get("compare") else None
    level_text = t(f"map_page.level.{unit['level']}", language)
    title = f"{unit_name(unit, language)} · {unit['code']} · {level_text}"
    return (title,
            view.summary(value, rank, indicator.unit, language, app.tz),
            series(indicator, unit, other, at_s, language),
            compare_options(state, language),
            compare(indicator, unit, value, rank, other, at_s, language),
            view.children_table(uq.top_children(con, indicator.id, unit, at_s, source=source), value.get("value"),
                                indicator.additive, language),
            *cases_and_sensors(unit, at_s if at_s is not None else app.now_s(), language, grid_options))


def cases_and_sensors(unit: dict, until_s: int, language: str, grid_options: dict | None) -> tuple:
    """Return the panel's cases (note, grid outputs) and sensors, reading the unit's grid list once."""
    app = context.current()
    con = app.cursor()
    grids = uq.unit_grids(con, unit)
    events = uq.unit_events(con, unit, until_s, grids=grids)
    total = uq.count_unit_events(con, unit, until_s, grids=grids) if len(events) >= uq.EVENT_LIMIT else len(events)
    note = view.events_note(len(events), total, events_link(unit, until_s, app.tz), language)
    return (note, *events_grid(view.event_rows(events, language, app.tz), language, grid_options),
            view.sensors_table(uq.unit_sensors(con, unit, until_s, grids=grids), language, app.tz))


def events_link(unit: dict, until_s: int, tz: str) -> str:
    """Return the /events address listing every case of the unit in the panel's days."""
    since = view.local_time(until_s - uq.EVENT_DAYS * 86_400, tz, "%Y-%m-%d")
    query = ([("unit", unit["code"])] if unit["level"] != "city" else []) + [
        ("since", since), ("until", view.local_time(until_s, tz, "%Y-%m-%d"))]
    return "/events?" + urlencode(query)


def events_grid(rows: list[dict], language: str, grid_options: dict | None) -> tuple:
    """Return (new grid, rows, columns) for the events grid: rows and columns for the grid shown,
    or a new grid when it was made for another language (AG Grid reads its texts once)."""
    columns = view.event_columns(language)
    if (grid_options or {}).get("localeText") != view.grid_options(language)["localeText"]:
        return view.events_grid(language, rows, columns), no_update, no_update
    return no_update, rows, columns


def series(indicator, unit: dict, other: dict | None, at_s: int | None, language: str):
    """Return the series figure of the unit (and the compared unit) with its thresholds."""
    con, source = context.current().cursor(), store_values()
    thresholds = indicator.thresholds
    relative = thresholds.relative_to is not None and unit["level"] not in dict(thresholds.per_level)
    hours, with_latest = uq.series_hours(history_hours(), at_s)
    compared = uq.unit_series(con, indicator.id, other["code"], hours, with_latest, source) if other else None
    names = (unit_name(unit, language), unit_name(other, language) if other else "")
    return view.series_figure(uq.unit_series(con, indicator.id, unit["code"], hours, with_latest, source),
                              thresholds.bounds_for(unit["level"]), relative, at_s, language, context.current().tz,
                              compared, names)


def compare(indicator, unit: dict, value: dict, rank: tuple, other: dict | None, at_s: int | None, language: str):
    """Return the two units side by side, or nothing when no second unit is chosen."""
    if other is None:
        return None
    con = context.current().cursor()
    rows = [(unit_name(unit, language), value, rank),
            (unit_name(other, language), uq.unit_value(con, indicator.id, other, at_s, store_values()),
             uq.sibling_rank(con, indicator.id, other, at_s, store_values()))]
    return view.compare_table(rows, language)
