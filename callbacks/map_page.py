"""Callbacks of the analysts' map (/map).

One callback owns the view (layouts.map_state): it reads the URL on load and on the back button or
applies the user's action, stores the view, writes the URL and sets the controls, and answers with
the map, the breadcrumb and the hour shown drawn for the new view: every answer costs the browser a
round trip and a pass over the page's components, and every new figure a redraw of the map. The side
panel is drawn from the stored view in its own answer (it is the slowest part and the map does not
wait for it). When only the indicator or the hour changed, the map gets a Patch of values and
colours, not its geometry again.
"""

from __future__ import annotations

from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from access.roles import current_principal
from callbacks import answers, context, map_panel_answers, map_search, place_layers
from data import inputs
from data.levels import store_levels
from indicators.catalog import Catalog
from layouts import ids
from layouts import map_page as view
from layouts import map_panel as side
from layouts import map_state
from layouts import orders as order_view
from layouts.i18n import normalise_language, unit_text
from layouts.map_panel import local_time
from layouts.map_state import MapView
from queries import map_page as uq
from queries import orders as order_queries
from queries.value_cache import ValueCache


SERIES_KEPT = 512           # series figures of a few hundred views (a figure of 169 hours is ~10 KB)
INLINE_UNITS_MAX = 1000     # a figure carries the GeoJSON of at most this many units, else names the level's file


def catalog() -> Catalog:
    """Return the server's one indicator catalog (shared with every page, the alerts and the briefs)."""
    return context.current().catalog


def store_values() -> ValueCache:
    """Return the server's cache of indicator values (valid until a refresh writes what it holds)."""
    return context.current().remember("map_page.values", ValueCache)


def history_hours() -> list[int]:
    """Return the instants of the stored hourly snapshots, oldest first."""
    return store_values().hours(context.current().cursor())


def level_geometry(level: str) -> dict:
    """Return {code: GeoJSON feature} of a level, simplified for it, built again when the grids change."""
    return context.current().unit_geometry(level).features


# --- the view state -------------------------------------------------------------------------

def view_facts(hours: list[int]) -> map_state.ViewFacts:
    """Return what a view is checked against: the catalog, the store's units and levels and its history hours."""
    app = context.current()
    con = app.cursor()
    return map_state.ViewFacts(catalog(), lambda code: uq.unit_row(con, code), map_state.hour_labels(hours, app.tz),
                               levels_held())


def levels_held() -> tuple[str, ...]:
    """Return the levels the store's units have, read again only after the geometry changed."""
    app = context.current()
    return app.remember("map.levels", lambda: store_levels(app.cursor()), families=("geometry",))


# The controls whose values feed the view are set by the callback that computes it (a callback
# reading them and another writing them would be a cycle); the picker and the level get their
# options with their values (Dash 4's dropdown clears a value missing from its options).
VIEW_OUTPUTS = dict(
    state=Output(ids.MAP_STATE, "data"), search=Output(ids.MAP_URL, "search"),
    indicator=Output(ids.MAP_INDICATOR, "value"),
    picker=Output(ids.MAP_INDICATOR, "options", allow_duplicate=True), level_options=Output(ids.MAP_LEVEL, "options"),
    level=Output(ids.MAP_LEVEL, "value"), time_max=Output(ids.MAP_TIME, "max"),
    time_marks=Output(ids.MAP_TIME, "marks"),
    time=Output(ids.MAP_TIME, "value"), compare=Output(ids.MAP_COMPARE, "value"),
    tick_disabled=Output(ids.MAP_TICK, "disabled"),
    figure=Output(ids.MAP_GRAPH, "figure", allow_duplicate=True), drawn=Output(ids.MAP_DRAWN, "data", allow_duplicate=True),
    time_label=Output(ids.MAP_TIME_LABEL, "children"), play_icon=Output(ids.MAP_PLAY, "children"),
    crumbs=Output(ids.MAP_CRUMBS, "children"))
# Named after the kinds of map_state.Action.
VIEW_INPUTS = dict(
    url=Input(ids.MAP_URL, "search"), language=Input(ids.LANGUAGE, "data"), click=Input(ids.MAP_GRAPH, "clickData"),
    crumb=Input({"type": ids.MAP_CRUMB, "code": ALL}, "n_clicks"), indicator=Input(ids.MAP_INDICATOR, "value"),
    level=Input(ids.MAP_LEVEL, "value"), time=Input(ids.MAP_TIME, "value"), tick=Input(ids.MAP_TICK, "n_intervals"),
    play=Input(ids.MAP_PLAY, "n_clicks"), compare=Input(ids.MAP_COMPARE, "value"))
# What the map is drawn with beside the view: read when the view changes, not triggers of it.
DRAWING_STATES = dict(stored=State(ids.MAP_STATE, "data"), colour_by=State(ids.MAP_COLOUR_BY, "value"),
                      opacity=State(ids.MAP_OPACITY, "value"), drawn=State(ids.MAP_DRAWN, "data"),
                      layers=State(ids.MAP_PLACE_LAYERS, "value"))


@callback(output=VIEW_OUTPUTS, inputs=VIEW_INPUTS, state=DRAWING_STATES, prevent_initial_call="initial_duplicate")
def update_state(url, language, stored, colour_by=None, opacity=None, drawn=None, layers=None, **_controls):
    """Read the URL (on load and back/forward) or apply the user's action (the input that fired, read
    as an Action from ctx.args_grouping) to the view; store it, push the URL when the user changed
    something, set the controls to it and draw the map and the heading for it, in this one answer."""
    url = inputs.text(url, "map-url.search", 2048)
    old, hours = MapView.from_store(stored), history_hours()
    facts, action = view_facts(hours), map_state.action_of(ctx.triggered_id, ctx.args_grouping)
    new, push = map_state.next_view(old, action, url, facts)
    if map_state.unchanged(old, new, action):
        return no_update
    outputs = view.view_outputs(new, push and new.to_query() != url, map_state.new_picker(old, new, action), hours,
                                facts, context.current().tz, normalise_language(language))
    figure, key = draw_map(outputs["state"], language, colour_by, opacity, drawn, layers)
    return {**outputs, "figure": figure, "drawn": key, **draw_heading(outputs["state"], language)}


def draw_heading(state: dict, language) -> dict:
    """Return the hour shown, the play button's icon and the breadcrumb of the view."""
    hour, play = draw_time(state, language)
    return {"time_label": hour, "play_icon": play, "crumbs": draw_breadcrumb(state, language)}


def draw_time(state, language):
    """Draw the hour shown and the play button's icon."""
    if not state:
        return no_update, no_update
    return view.play_controls(MapView.from_store(state), normalise_language(language))


# --- the map --------------------------------------------------------------------------------

def map_values(shown: MapView):
    """Return (values frame at the view's level and hour, the unit drilled into or None)."""
    app = context.current()
    con = app.cursor()
    unit = uq.unit_row(con, shown.unit) if shown.unit else None
    at_s = map_state.hour_instant(shown, history_hours(), app.tz)
    return uq.unit_values(con, shown.indicator, shown.level, unit, at_s, store_values()), unit


def map_view(unit: dict | None) -> dict:
    """Return the camera (centre and zoom) fitting the unit drilled into (None = the city)."""
    con = context.current().cursor()
    return view.view_for_bounds(uq.unit_bounds(con, unit["code"] if unit else uq.city_unit(con)["code"]))


@callback(Output(ids.MAP_GRAPH, "figure"), Output(ids.MAP_DRAWN, "data"),
          Input(ids.MAP_COLOUR_BY, "value"), Input(ids.MAP_OPACITY, "value"), State(ids.MAP_STATE, "data"),
          State(ids.LANGUAGE, "data"), State(ids.MAP_DRAWN, "data"), State(ids.MAP_PLACE_LAYERS, "value"),
          prevent_initial_call=True)
def recolour_map(colour_by, opacity, state, language, drawn, layers):
    """Draw the map again in the colouring or opacity chosen (a new view comes with its map drawn)."""
    return draw_map(state, language, colour_by, opacity, drawn, layers)


def draw_map(state, language, colour_by, opacity, drawn, layers=None):
    """Return (the map, its drawing key): the choropleth over the basemap with the places layers
    switched on; when the same units are on the map already, a Patch of only the values, colours,
    opacity and selection."""
    if not state:
        return no_update, no_update
    shown, language = drawable(state), normalise_language(language)
    indicator, (frame, unit) = catalog()[shown.indicator], map_values(shown)
    label = view.value_label(indicator, language)
    colouring = view.map_colouring(frame, view.colour_mode(indicator, shown.level, frame, colour_by), label, language,
                                   view.absolute_breaks(indicator, shown.level))
    drawing = map_drawing(shown, unit, frame, language, opacity, label)
    key = f"{shown.unit}|{shown.level}|{language}"
    if drawn == key:
        return view.map_patch(colouring, label, drawing), no_update
    drawing["overlays"] = place_layers.overlays(layers, language)
    return view.map_figure(frame, units_geojson(shown.level, frame["code"]), map_view(unit), colouring, label, drawing,
                           key), key


def units_geojson(level: str, codes) -> dict | str:
    """Return the GeoJSON of the units ``codes`` of ``level`` for the map's figure: the few of a drill
    inline (no request more before the map is drawn), and many (a city by grid) by the address of the
    level's file, which the browser fetches once and keeps (api/geometry.py)."""
    geometry = context.current().unit_geometry(level)
    if len(codes) > INLINE_UNITS_MAX:
        return geometry.path
    return view.feature_collection(geometry.features, codes)


def first_map(language) -> dict:
    """Return the map the page starts with: the basemap at the city's camera, no units yet."""
    return view.basemap_figure(context.current().map_style("light", normalise_language(language)), map_view(None))


view.draw_first_figure_with(first_map)


def map_drawing(shown: MapView, unit: dict | None, frame, language: str, opacity: float | None, label: str) -> dict:
    """Return what the map draws beside the values: the basemap, the level above (the unit drilled
    into and the units beside it: outlines and names), the selected unit and the picture's title."""
    app = context.current()
    con = app.cursor()
    above = uq.units_beside(con, unit)
    above_level = unit["level"] if unit else "city"
    area = (unit or uq.city_unit(con))["name_zh" if language == "zh" else "name_en"]
    when = local_time(frame["as_of_s"].max(), app.tz, "%Y-%m-%d %H:%M")      # the values' instant
    return {"style": app.map_style("light", language), "opacity": opacity or view.DEFAULT_OPACITY,
            "language": language, "selected": shown.select, "features": level_geometry(shown.level),
            "above_units": above,
            "above_geojson": view.feature_collection(level_geometry(above_level), above["code"]),
            "title": view.picture_title(label, area, when)}


def draw_breadcrumb(state, language):
    """Draw the path from the city to the unit drilled into (and the selected unit below it)."""
    if not state:
        return no_update
    con, unit = context.current().cursor(), MapView.from_store(state).unit
    chain = uq.lineage(con, unit) if unit else [uq.city_unit(con)]
    return view.breadcrumb(chain, normalise_language(language))


@callback(Output(ids.MAP_DOWNLOAD, "data"), Input(ids.MAP_VALUES_CSV, "n_clicks"), State(ids.MAP_STATE, "data"),
          prevent_initial_call=True)
def export_values(clicks, state):
    """Send the map's values (every unit on the map, at the hour shown) as CSV."""
    if not clicks or not state:
        return no_update
    shown = MapView.from_store(state)
    return dcc.send_string(view.values_csv(map_values(shown)[0], shown, context.current().tz),
                           view.values_csv_name(shown))


@callback(Output(ids.MAP_EVENTS, "exportDataAsCsv"), Input(ids.MAP_EVENTS_CSV, "n_clicks"), prevent_initial_call=True)
def export_events(clicks):
    """Ask the events grid to export its rows (filtered and sorted as shown, personal data masked)."""
    return bool(clicks)


# --- the indicator picker -------------------------------------------------------------------

@callback(Output(ids.MAP_INDICATOR, "options"), Input(ids.MAP_INDICATOR, "search_value"),
          Input(ids.MAP_SUBJECT_CHOSEN, "data"),
          State(ids.MAP_INDICATOR, "value"), State(ids.LANGUAGE, "data"), prevent_initial_call=True)
def indicator_options(text, subject, value, language):
    """Offer the indicators matching the search text in the chosen subject (and the current one);
    on load and on a new indicator or language the view update sends them."""
    return view.picker_options(catalog(), text, subject, value, normalise_language(language))


@callback(Output(ids.MAP_TREE, "children"), Input(ids.MAP_TREE_OPEN, "n_clicks"), Input(ids.LANGUAGE, "data"),
          prevent_initial_call=True)
def draw_tree(opened, language):
    """Draw the catalog's category tree (domain → subject) when it is first opened, and again in a new
    language once drawn: its hundreds of buttons would otherwise weigh on every update of the page
    (and the first view asks nothing for a tree still closed)."""
    if not opened or (ctx.triggered_id == ids.MAP_TREE_OPEN and opened > 1):
        return no_update
    return view.subject_tree(catalog().domains, normalise_language(language))


@callback(Output(ids.MAP_SUBJECT_CHOSEN, "data"), Input({"type": ids.MAP_SUBJECT, "key": ALL}, "n_clicks"),
          prevent_initial_call=True)
def choose_subject(clicks):
    """Remember the subject clicked in the tree ("" = all)."""
    if not ctx.triggered_id or not any(clicks):
        return no_update
    return ctx.triggered_id["key"] or None


# --- the side panel -------------------------------------------------------------------------

PANEL_OUTPUTS = 14

@callback(Output(ids.MAP_TITLE, "children"), Output(ids.MAP_SUMMARY, "children"), Output(ids.MAP_SERIES, "figure"),
          Output(ids.MAP_COMPARE, "options"), Output(ids.MAP_COMPARE_TABLE, "children"),
          Output(ids.MAP_CHILDREN, "children"),
          Output(ids.MAP_EVENTS_NOTE, "children"), Output(ids.MAP_EVENTS_BOX, "children"),
          Output(ids.MAP_EVENTS, "rowData"),
          Output(ids.MAP_EVENTS, "columnDefs"), Output(ids.MAP_SENSORS, "children"),
          Output(ids.MAP_SENSORS_BOX, "children"), Output(ids.MAP_SENSORS_BOX, "hidden"),
          Output(ids.MAP_SENSORS_GRID, "rowData"),
          Input(ids.MAP_STATE, "data"), Input(ids.LANGUAGE, "data"), State(ids.MAP_EVENTS, "dashGridOptions"),
          prevent_initial_call=True)
def draw_panel(state, language, grid_options=None):
    """Describe the selected unit: value, status, rank, series, top children, compare, cases, sensors."""
    if not state:
        return (no_update,) * PANEL_OUTPUTS
    shown, language = drawable(state), normalise_language(language)
    return map_panel_answers.shared_panel(shown, language, grid_options, history_hours(),
                                          lambda: panel(shown, language, grid_options))


def drawable(state: dict) -> MapView:
    """Return the stored view when it names an indicator of the catalog and a level, else raise
    InputError (a crafted store: answered 400, not drawn)."""
    shown = MapView.from_store(state)
    if shown.indicator not in catalog() or shown.level is None:
        raise inputs.InputError("map-state.data", "a map view naming an indicator of the catalog and a level")
    return shown


def panel(shown: MapView, language: str, grid_options: dict | None) -> tuple:
    """Return the side panel's parts for the unit the view describes (else the city)."""
    app = context.current()
    con, at_s = app.cursor(), map_state.hour_instant(shown, history_hours(), app.tz)
    indicator = catalog()[shown.indicator]
    unit = map_state.panel_unit(shown, lambda code: uq.unit_row(con, code)) or uq.city_unit(con)
    other = uq.unit_row(con, shown.compare) if shown.compare else None
    value, rank = value_and_rank(indicator.id, unit, at_s)
    compared = [(unit, value, rank), (other, *value_and_rank(indicator.id, other, at_s))] if other else None
    children = uq.top_children(con, indicator.id, unit, at_s, source=store_values(), levels=levels_held())
    summary = html.Div([side.summary(value, rank, unit_text(indicator.unit, language), language, app.tz), unit_links(con, unit, language)])
    return (side.panel_title(unit, language), summary,
            series(indicator, unit, other, at_s, language),
            map_search.compare_options(unit, shown.compare, None, language),
            side.compare_table(compared, language) if compared else None,
            side.children_table(children, value.get("value"), indicator.additive, language),
            *cases_and_sensors(unit, at_s if at_s is not None else app.now_s(), language, grid_options))


def unit_links(con, unit: dict, language: str):
    """Return the unit's work orders and, for the roles that dispatch, a new order for it."""
    principal = current_principal()
    return order_view.source_links("unit", unit["code"], order_queries.orders_of_source(con, "unit", unit["code"]),
                                   None, principal is not None and principal.may("orders.dispatch"), language)


def value_and_rank(indicator_id: str, unit: dict, at_s: int | None) -> tuple[dict, tuple]:
    """Return the unit's value row and its rank among its siblings at the hour (None = the latest)."""
    con, source = context.current().cursor(), store_values()
    return uq.unit_value(con, indicator_id, unit, at_s, source), uq.sibling_rank(con, indicator_id, unit, at_s, source)


def cases_and_sensors(unit: dict, until_s: int, language: str, grid_options: dict | None) -> tuple:
    """Return the panel's cases (note, grid outputs) and sensors, reading the unit's grid list once."""
    app = context.current()
    con = app.cursor()
    grids = uq.unit_grids(con, unit)
    events = uq.unit_events(con, unit, until_s, grids=grids)
    total = uq.count_unit_events(con, unit, until_s, grids=grids) if len(events) >= uq.EVENT_LIMIT else len(events)
    note = side.events_note(len(events), total, side.events_link(unit, until_s, uq.EVENT_DAYS, app.tz), language)
    return (note, *side.events_grid_outputs(side.event_rows(events, language, app.tz), language, grid_options),
            *side.sensors_outputs(uq.unit_sensors(con, unit, until_s, grids=grids), language, app.tz, grid_options))


def series(indicator, unit: dict, other: dict | None, at_s: int | None, language: str):
    """Return the series figure of the unit (and the compared unit) with its thresholds, built once per
    question and version of the values it draws (the panels of the latest values are computed again
    every second; a series changes only with a refresh) and shared by the panels that show it."""
    app, source = context.current(), store_values()
    key = (indicator.id, indicator.thresholds, tuple(unit.items()), tuple(other.items()) if other else None,
           at_s, language)
    return answers.shared("map_series", SERIES_KEPT).get(key, source.stamp(app.cursor()),
                                                         lambda: series_figure(indicator, unit, other, at_s, language))


def series_figure(indicator, unit: dict, other: dict | None, at_s: int | None, language: str):
    """Return the series figure of the unit (and the compared unit) read from the kept values."""
    app, source = context.current(), store_values()
    hours, with_latest = uq.series_hours(history_hours(), at_s)
    frames = [uq.unit_series(app.cursor(), indicator.id, u["code"], hours, with_latest, source) if u else None
              for u in (unit, other)]
    return side.unit_series_figure(indicator.thresholds, unit, other, *frames, at_s, language, app.tz)
