"""Callbacks of the wall screen (/screen): one refresh that sends only what changed, the lit layer
button and the periodic reload (clientside, assets/screen.js).

Scenes, keys, rotation and layer buttons live in assets/screen.js, which hands the scene and the
chosen layer to Dash with ``set_props``. The first refresh sends the whole map (the grid geometry, once); later ones send a ``Patch`` of
the parts whose content changed, and every panel whose content did not change is ``no_update``.
While a refresh runs, the refresh timer is disabled (``running=``), so ticks never pile up.

Reads and rendered panels are kept per (data version, minute) in a ``ScreenCache``
(queries/screen_cache.py) shared by every wall: a tick whose data did not change costs one version
probe; a tick after new data reads again only what read the families that changed. Which families
a panel reads comes from the queries that built it (``@reads`` in queries/screen.py), never from a
list here: a panel built from other kept values (the stations, the roads) inherits their families,
so those are read inside each panel's build, not passed in from outside it.
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import plotly.utils
from dash import ClientsideFunction, Input, Output, Patch, State, callback, clientside_callback, no_update
from dash.exceptions import PreventUpdate

from callbacks import answers, context
from data import geo, inputs
from data.clock import utc
from layouts import ids
from layouts import screen as view
from layouts import screen_freshness as freshness_view
from layouts import screen_map as wall_map
from layouts import theme
from layouts.i18n import normalise_language, t
from queries import orders as order_queries
from queries import screen as queries
from queries import screen_freshness, screen_names, screen_today
from queries.overview import air_now
from queries.screen_cache import ScreenCache
from queries.today_instants import TodayInstants

PANELS = (ids.SCREEN_KPIS, ids.SCREEN_AQI, ids.SCREEN_TRAFFIC, ids.SCREEN_CROWD, ids.SCREEN_ALERTS, ids.SCREEN_TICKER,
          ids.SCREEN_FRESH, ids.SCREEN_SCENE_PANEL, ids.SCREEN_SCENE_TITLE, ids.SCREEN_ASOF)
MAP_PARTS = ("layer", "stations", "events", "newest", "view")
TRACE_OF = {"layer": 0, "stations": 1, "events": 2, "newest": 3}
SCENE_EVENTS = {"environment": ("category", ("environment.", "air.")), "traffic": ("category", ("traffic.",)),
                "hotline": ("channel", ("hotline",)), "grid": ("channel", ("grid",))}
DEFAULT_VIEWPORT = {"w": 1100, "h": 800}
SIDES_SHARE = 0.7               # at most this share of the map's width (height) is kept clear at its sides (top, bottom)
COVERED_SIDES = ("l", "r", "t", "b")    # the px the wall measured covered at the map's left, right, top and bottom
VIEWPORT_FIELDS = (("w", 1, 100_000), ("h", 1, 100_000), *((side, 0, 100_000) for side in COVERED_SIDES),
                   ("below", 0, 1))     # below: 1 when the wall draws its legends under the map (a tall map box)
OPEN_ALERTS_SHOWN = 200                 # the alert list pages through at most this many (most severe first)
ANSWERS_KEPT = 16                       # prepared answers: a few scenes and languages, this second's and the last
PAST_REREAD_S = 600                     # the trends' previous days are read again at least this often
WALL_STALE_S = 10                       # a live wall's tick shows a prepared answer at most this old (prepared())


def digest(value) -> str:
    """Return a short fingerprint of a panel's or a map part's content."""
    text = json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder, sort_keys=True, ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def scene_of(scene_state: dict | None) -> tuple[str, bool]:
    """Return the current scene's name and whether rotation is held."""
    state = scene_state or {}
    return view.SCENES[int(state.get("index") or 0) % len(view.SCENES)], bool(state.get("hold"))


def layer_of(scene: str, choice: dict | None) -> str:
    """Return the map layer: the one picked on this scene, else the scene's own."""
    if choice and choice.get("scene") == scene and choice.get("layer") in view.LAYERS:
        return choice["layer"]
    return view.SCENE_LAYER[scene]


def _names(language: str) -> dict:
    app = context.current()
    names = app.remember("screen.indicator_names",
                         lambda: {i.id: (i.name_zh, i.name_en) for i in app.catalog.indicators})
    return {key: pair[0 if language == "zh" else 1] for key, pair in names.items()}


def ticker_names(con) -> screen_names.TickerNames:
    """Return the categories', places' and channels' names, each read again only after the family it comes from
    changed (a new case re-reads the few categories, not the grids)."""
    app = context.current()
    return screen_names.TickerNames(*(app.remember(f"screen.{query.__name__}", lambda query=query: query(con),
                                              families=tuple(sorted(query.reads)))
                                 for query in (screen_names.category_names, screen_names.place_names,
                                               screen_names.channel_names)))


def screen_cache() -> ScreenCache:
    """Return the server's cache of screen data (one for every wall)."""
    return context.current().remember("screen.cache", ScreenCache)


def rendered(reads, key: tuple, build) -> tuple:
    """Return (content, fingerprint) of one panel or map part, built again only after the data it read changed."""
    return reads.get(("rendered",) + key, lambda: _with_digest(build()))


def _with_digest(content) -> tuple:
    return content, digest(content)


def panels(con, reads, now_s: int, tz: str, scene: str, hold: bool, language: str) -> dict:
    """Return every panel as (children, fingerprint) for this instant and scene; each is built again only
    after a family of data it read changed (a new case rebuilds the figures, the ticker and the freshness
    badges)."""
    title, as_of = view.scene_title(scene, hold, now_s, tz, language)
    return {
        ids.SCREEN_KPIS: rendered(reads, ("kpis", language), lambda: view.kpi_panel(
            headline(con, reads, now_s, tz), reads.get("alert_counts", lambda: queries.alert_counts(con)), language,
            reads.get("role_names", lambda: screen_names.role_names(con)),
            reads.get("order_counts", lambda: order_queries.open_counts(con, now_s)))),
        ids.SCREEN_AQI: rendered(reads, ("aqi", language), lambda: view.aqi_panel(
            *air_and_stations(con, reads, now_s, tz), language)),
        ids.SCREEN_TRAFFIC: rendered(reads, ("traffic", language), lambda: view.traffic_panel(
            reads.get("traffic", lambda: queries.city_values(
                con, ["traffic.congestion.slow_share.last_hour", "traffic.road_speed.avg_kmh.last_hour"])),
            sensors_now(con, reads, now_s, tz)[0], queries.CONGESTED_KMH, language)),
        ids.SCREEN_CROWD: rendered(reads, ("crowd", language), lambda: view.crowd_panel(
            reads.get("crowd", lambda: queries.crowd_hotspots(con)), language)),
        ids.SCREEN_ALERTS: alerts_page(con, reads, now_s, tz, language),
        ids.SCREEN_TICKER: rendered(reads, ("ticker", language), lambda: view.ticker(
            reads.get("ticker", lambda: queries.newest_events(con, now_s, names=ticker_names(con))), tz, language)),
        ids.SCREEN_FRESH: rendered(reads, ("fresh", language),
                                 lambda: freshness_view.freshness_badges(freshness(con, reads, now_s), language)),
        ids.SCREEN_SCENE_PANEL: rendered(reads, ("scene", scene, language),
                                       lambda: scene_panel(con, reads, now_s, tz, scene, language)),
        ids.SCREEN_SCENE_TITLE: _with_digest(title),
        ids.SCREEN_ASOF: _with_digest(as_of),
    }


def alerts_page(con, reads, now_s: int, tz: str, language: str) -> tuple:
    """Return the open alerts' panel at the page this instant shows (the pages turn every ALERT_PAGE_S)."""
    frame = reads.get("open_alerts", lambda: queries.open_alerts(con, limit=OPEN_ALERTS_SHOWN))
    page = (now_s // view.ALERT_PAGE_S) % view.alert_pages(len(frame))
    return rendered(reads, ("alerts", language, page),
                    lambda: view.alerts_panel(frame, _names(language), now_s, tz, language, page))


def headline(con, reads, now_s: int, tz: str) -> dict:
    """Return the headline figures: today's case counts with their trends, the closure rate and the
    active red and orange alerts against the same time on earlier days."""
    kpis = dict(reads.get("kpis", lambda: queries.headline_kpis(con, now_s, tz, past_days(con, now_s, tz),
                                                                 today_instants().read)))
    kpis["closure_rate"] = reads.get("closure_rate", lambda: queries.indicator_kpi(
        con, "closure_rate", "cases.handling.closure_rate.last_30d", now_s, scale=100.0))
    kpis["alerts"] = reads.get("urgent_alerts", lambda: queries.urgent_alerts_kpi(con, now_s))
    return kpis


def air_and_stations(con, reads, now_s: int, tz: str) -> tuple:
    """Return the city's AQI now and its stations (for the AQI panel)."""
    air = reads.get("air", lambda: air_now(con, utc(now_s), tz))
    return air.result, air.stations


def sensors_now(con, reads, now_s: int, tz: str) -> tuple:
    """Return the roads' latest speeds and the air stations' hourly AQI (read once per readings version)."""
    return (reads.get("roads", lambda: queries.road_speeds(con, now_s)),
            reads.get("stations", lambda: queries.air_by_station(con, now_s, tz)))


def today_instants() -> TodayInstants:
    """Return the server's kept instants of today's headline figures (one for every wall)."""
    return context.current().remember("screen.today_instants", TodayInstants)


def past_days(con, now_s: int, tz: str) -> queries.FigureInstants:
    """Return the headline figures' instants on the 7 days before today, read again each PAST_REREAD_S
    (new cases carry today's instants; late-arriving changes to earlier days show within that period)."""
    days = queries.past_range(now_s, tz)
    return screen_cache().kept_by_key("past_days", (days, now_s // PAST_REREAD_S),
                                  lambda: queries.past_instants(con, now_s, tz))


def freshness(con, reads, now_s: int):
    """Return the sources' freshness, each source family's newest instants read again only after its own data
    changed."""
    newest = [reads.get(("newest", source), lambda newest_of=newest_of: newest_of(con, now_s))
              for source, newest_of in screen_freshness.NEWEST_OF_FAMILY.items()]
    return screen_freshness.freshness_of(now_s, newest)


def scene_panel(con, reads, now_s: int, tz: str, scene: str, language: str) -> list:
    """Return the panel that belongs to the scene (categories, stations, roads or districts)."""
    zh = language == "zh"
    roads, stations = sensors_now(con, reads, now_s, tz) if scene in ("environment", "traffic") else (None, None)
    if scene == "environment":
        worst = stations.sort_values("aqi", ascending=False, na_position="last").head(8)
        rows = [[r.name_zh if zh else r.name_en, "—" if r.aqi is None else str(int(r.aqi)),
                 (r.category_zh if zh else r.category_en) or ""] for r in worst.itertuples()]
        return view.table_panel(t("screen.panel.stations", language), rows, "screen-panel-stations")
    if scene == "traffic":
        rows = [[r.name_zh if zh else r.name_en, f"{r.speed_kmh:.0f} km/h"] for r in roads.head(8).itertuples()]
        return view.table_panel(t("screen.panel.roads", language), rows, "screen-panel-roads")
    if scene == "grid":
        frame = reads.get("districts", lambda: screen_today.districts_today(con, now_s, tz, "grid"))
        rows = [[r.name_zh if zh else r.name_en, f"{t('screen.col.received', language)} {r.received}",
                 f"{t('screen.col.closed', language)} {r.closed}", f"{t('screen.col.overdue', language)} {r.open_overdue}"]
                for r in frame.itertuples()]
        return view.table_panel(t("screen.panel.districts", language), rows, "screen-panel-districts")
    channel = "hotline" if scene == "hotline" else None
    frame = reads.get(("categories", channel), lambda: screen_today.top_categories_today(
        con, now_s, tz, channel, names=ticker_names(con)))
    rows = [[(r.name_zh if zh else r.name_en) or r.category_code, theme_int(r.n)] for r in frame.itertuples()]
    return view.table_panel(t("screen.panel.categories", language), rows, "screen-panel-categories")


def theme_int(value) -> str:
    """Return a count with thousands separators."""
    return f"{int(value):,}"


def scene_events(frame, scene: str):
    """Return the events the scene shows on the map (all of them on the overview)."""
    if scene not in SCENE_EVENTS:
        return frame
    column, prefixes = SCENE_EVENTS[scene]
    if column == "channel":
        return frame[frame["channel"].isin(prefixes)]
    return frame[frame["category_code"].str.startswith(prefixes)]


def map_parts(con, reads, now_s: int, tz: str, scene: str, layer: str, viewport: dict | None,
              language: str) -> dict:
    """Return the map's changing parts as (content, fingerprint): the layer's values, sensor points, event
    points and the view, each built again only after a family of data it read changed."""
    app = context.current()
    size = viewport if viewport and viewport.get("w") and viewport.get("h") else DEFAULT_VIEWPORT
    width, height = int(size["w"]), int(size["h"])
    scale = max(1.0, height / DEFAULT_VIEWPORT["h"])            # markers grow with the wall
    points = lambda: reads.get(("event_points", scene, scale), lambda: wall_map.event_points(scene_events(  # noqa: E731
        reads.get("recent_events", lambda: queries.recent_events(con, now_s)), scene), now_s, scale))
    sides = covered_sides(size)
    bounds = app.remember(f"screen.view.{width}x{height}<{','.join(map(str, sides))}>",
                          lambda: geo.city_view(con, width, height, *sides), families=("geometry",))
    size_px = wall_map.text_px(float(size.get("u") or height / 80))
    below = bool(size.get("below"))
    return {"layer": rendered(reads, ("layer", layer, language, size_px, below),
                              lambda: layer_values(con, reads, now_s, tz, layer, language, size_px, below)),
            "stations": rendered(reads, ("stations", scene, layer, language, scale),
                                 lambda: sensor_points(scene, layer, *sensors_now(con, reads, now_s, tz),
                                                       language, scale)),
            "events": rendered(reads, ("events", scene, scale), lambda: points()["events"]),
            "newest": rendered(reads, ("newest", scene, scale), lambda: points()["newest"]),
            "view": _with_digest({"center": bounds["center"], "zoom": bounds["zoom"], "text_px": size_px})}


def covered_sides(size: dict) -> tuple[int, int, int, int]:
    """Return the px the wall measured covered at the map's left, right, top and bottom (the places legend,
    the colour bar, the layer buttons); left and right together at most SIDES_SHARE of the map's width, top
    and bottom of its height, so the city keeps room on a small map."""
    left, right, top, bottom = (inputs.whole_number(size.get(side) or 0, f"screen-viewport.data.{side}", 0, 100_000)
                                for side in COVERED_SIDES)
    return (*_within(left, right, int(size["w"]) * SIDES_SHARE), *_within(top, bottom, int(size["h"]) * SIDES_SHARE))


def _within(first: int, second: int, room: float) -> tuple[int, int]:
    """Return two covered lengths scaled down together so that their sum is at most ``room``."""
    fit = min(1.0, room / (first + second)) if first + second else 1.0
    return round(first * fit), round(second * fit)


def layer_values(con, reads, now_s: int, tz: str, layer: str, language: str, size_px: float, below: bool) -> dict:
    """Return the choropleth's values and legend for a layer: alert severity per grid, the nearest
    station's AQI, or an indicator's grid values."""
    if layer == "aqi":
        grids = reads.get("grid_centroids", lambda: queries.grid_centroids(con))
        stations = sensors_now(con, reads, now_s, tz)[1]
        return wall_map.layer_trace(layer, grids["code"].tolist(), pd.Series(queries.nearest_station_aqi(grids, stations)),
                                    "", language, size_px, below)
    if layer == "alerts":
        grids = reads.get("grid_alerts", lambda: queries.grid_alert_severity(con))
    else:
        grids = reads.get(("grid_values", layer), lambda: queries.grid_values(con, view.LAYER_INDICATOR[layer]))
    values = grids["rank"] if "rank" in grids else grids["value"]
    return wall_map.layer_trace(layer, grids["code"].tolist(), values, t(f"screen.legend.{layer}", language),
                                language, size_px, below)


def sensor_points(scene: str, layer: str, roads, stations, language: str, scale: float = 1.0) -> dict:
    """Return the sensor markers: AQI stations on the environment scene or the AQI layer, road segments on
    traffic, else none."""
    zh = language == "zh"
    if (scene == "environment" or layer == "aqi") and not stations.empty:
        labels = [f"{r.name_zh if zh else r.name_en} AQI {r.aqi}" for r in stations.itertuples()]
        return wall_map.station_points(stations, [c or theme.WALL_NEUTRAL for c in stations["color"]], labels, scale)
    if scene == "traffic" and not roads.empty:
        colours = [next(c for limit, c in theme.WALL_ROAD_COLOURS if s < limit) for s in roads["speed_kmh"]]
        labels = [f"{r.name_zh if zh else r.name_en} {r.speed_kmh:.0f} km/h" for r in roads.itertuples()]
        return wall_map.station_points(roads, colours, labels, scale)
    return dict(lon=[], lat=[], text=[], marker=dict(size=round(15 * scale, 1), color=[], opacity=0.95))


def wall_drawing(language: str, text_px: float) -> dict:
    """Return what the wall's map draws beside its layers: the dark basemap, the districts (the level
    the city is cut into first) outlined and named, at the wall's text size."""
    app = context.current()
    top = app.remember("screen.top_units", lambda: queries.top_units(app.cursor()), families=("geometry",))
    outlines = app.remember("screen.top_outlines", lambda: geo.unit_geojson(app.cursor(), top["level"].iloc[0])
                            if not top.empty else None, families=("geometry",))
    return {"style": app.map_style("dark", language, text_px / wall_map.BASEMAP_DISTRICT_PX), "above_units": top,
            "above_geojson": outlines, "text_px": text_px}


def map_update(parts: dict, digests: dict, sent: dict, language: str):
    """Return the whole figure the first time (with the geometry), afterwards a Patch of changed parts."""
    app = context.current()
    if not sent.get("geometry"):
        geojson = app.remember("geojson.grid", lambda: geo.unit_geojson(app.cursor(), "grid"), families=("geometry",))
        return wall_map.map_json(geojson, parts["view"], parts["layer"], {"events": parts["events"],
                                 "newest": parts["newest"]}, parts["stations"], language,
                                 wall_drawing(language, parts["view"]["text_px"]))
    changed = [name for name in MAP_PARTS if sent.get(f"map.{name}") != digests[f"map.{name}"]]
    if not changed:
        return no_update
    patch = Patch()
    for name in changed:
        if name == "view":
            patch["layout"]["map"]["center"] = parts["view"]["center"]
            patch["layout"]["map"]["zoom"] = parts["view"]["zoom"]
        else:
            patch["data"][TRACE_OF[name]].update(parts[name])
    return patch


@callback(Output(ids.SCREEN_MAP, "figure"), *[Output(panel, "children") for panel in PANELS],
          Output(ids.SCREEN_SENT, "data"),
          Input(ids.SCREEN_TICK, "n_intervals"), Input(ids.SCREEN_SCENE, "data"), Input(ids.SCREEN_LAYER, "data"),
          Input(ids.SCREEN_VIEWPORT, "data"), Input(ids.LANGUAGE, "data"),
          State(ids.SCREEN_SENT, "data"), State(ids.SCREEN_CONFIG, "data"),
          running=[(Output(ids.SCREEN_TICK, "disabled"), True, False)])
def refresh_screen(_tick, scene_state, layer_choice, viewport, language, sent, config):
    """Refresh the screen from the store, sending only the panels and map parts that changed."""
    if not viewport:
        raise PreventUpdate            # draw once the map box's size is known (assets/screen.js sends it)
    viewport, scene_state, layer_choice, config, sent = (
        inputs.mapping(value, field) for value, field in ((viewport, "screen-viewport.data"),
                                                          (scene_state, "screen-scene.data"),
                                                          (layer_choice, "screen-layer.data"),
                                                          (config, "screen-config.data"), (sent, "screen-sent.data")))
    for field, least, most in VIEWPORT_FIELDS:
        if viewport.get(field) is not None:
            viewport[field] = inputs.whole_number(viewport[field], f"screen-viewport.data.{field}", least, most)
    if scene_state.get("index") is not None:
        inputs.whole_number(scene_state["index"], "screen-scene.data.index", 0, 2**53)
    app = context.current()
    con, now_s, sent = app.cursor(), app.now_s(), dict(sent or {})
    language = normalise_language((config or {}).get("lang") or language)
    scene, hold = scene_of(scene_state)
    layer = layer_of(scene, layer_choice)
    contents, parts, digests = prepared(con, now_s, scene, hold, language, layer, viewport)
    figure = map_update(parts, digests, sent, language)
    outputs = []
    for panel in PANELS:
        outputs.append(no_update if sent.get(panel) == digests[panel] else contents[panel])
    sent.update(digests, geometry=True)
    return figure, *outputs, sent


def prepared(con, now_s: int, scene: str, hold: bool, language: str, layer: str, viewport: dict) -> tuple:
    """Return the answer every wall showing this scene, layer, language and size gets at this second,
    computed once for all of them; with a live clock a tick does not wait for it (answers.wall_answer)."""
    key = (scene, hold, language, layer, str(viewport.get("u")), *(viewport.get(field) for field, *_ in VIEWPORT_FIELDS))

    def compute() -> tuple:             # on the calling thread's own cursor: a request's or a preparing thread's
        app = context.current()
        cursor = app.cursor()
        return render(cursor, screen_cache().snapshot(cursor, now_s), now_s, app.tz, scene, hold, language, layer,
                      viewport)
    return answers.wall_answer(answers.shared("screen", ANSWERS_KEPT), key, con, now_s, WALL_STALE_S, compute)


def render(con, reads, now_s: int, tz: str, scene: str, hold: bool, language: str, layer: str, viewport: dict):
    """Return the panels, the map parts and the fingerprint of each (shared by the walls showing them)."""
    built = panels(con, reads, now_s, tz, scene, hold, language)
    built.update({f"map.{name}": part for name, part in
                  map_parts(con, reads, now_s, tz, scene, layer, viewport, language).items()})
    contents = {name: content for name, (content, _digest) in built.items() if not name.startswith("map.")}
    parts = {name[4:]: content for name, (content, _digest) in built.items() if name.startswith("map.")}
    return contents, parts, {name: fingerprint for name, (_content, fingerprint) in built.items()}


clientside_callback(ClientsideFunction("screen", "markLayer"),
                    *[Output(f"screen-layer-{layer}", "className") for layer in view.LAYERS],
                    Input(ids.SCREEN_LAYER, "data"), Input(ids.SCREEN_SCENE, "data"), State(ids.SCREEN_CONFIG, "data"))

clientside_callback(ClientsideFunction("screen", "reload"), Output(ids.SCREEN_RELOAD, "disabled"),
                    Input(ids.SCREEN_RELOAD, "n_intervals"), prevent_initial_call=True)
