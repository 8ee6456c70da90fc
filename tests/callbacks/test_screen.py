"""The wall screen's refresh called directly: whole map once, then only what changed."""

from __future__ import annotations

import math

import plotly.graph_objects as go
import pytest
from dash import Patch, no_update

from data import versions
from layouts import screen as view
from layouts import theme
from queries import screen as queries
from tests.callbacks.installed import TZ, frozen_context
from tests.callbacks.test_overview import by_testid

CONFIG = view.screen_config()


@pytest.fixture
def installed(tiny_con):
    with frozen_context(tiny_con) as app_context:
        yield app_context


def _refresh(scene=0, layer=None, sent=None, viewport=(1100, 800), language="zh"):
    from callbacks.screen import refresh_screen

    size = {"w": viewport[0], "h": viewport[1]}
    return refresh_screen(1, {"index": scene, "hold": False}, layer, size, language, sent or {}, CONFIG)


def test_nothing_is_drawn_before_the_map_box_is_measured(installed):
    from dash.exceptions import PreventUpdate

    from callbacks.screen import refresh_screen

    with pytest.raises(PreventUpdate):
        refresh_screen(1, {"index": 0}, None, None, "zh", {}, CONFIG)


def test_first_refresh_sends_the_map_with_geometry_and_the_stores_figures(installed):
    drawn, *panels, sent = _refresh()
    figure = go.Figure(drawn)                                       # plotly JSON: the figure it describes
    grids = figure.data[0]
    count = installed.cursor().execute("SELECT count(*) FROM admin_units WHERE level = 'grid'").fetchall()[0][0]
    assert len(grids.geojson["features"]) == count == len(grids.z)
    assert figure.layout.map.style["layers"][0]["type"] == "background"   # no tiles
    kpis = queries.headline_kpis(installed.cursor(), installed.now_s(), TZ)
    values = by_testid(panels)
    assert values["screen-kpi-hotline"] == theme.fmt_int(int(kpis["hotline"].today))
    assert values["screen-kpi-satisfaction"] == theme.fmt_pct(kpis["satisfaction"].today)
    assert sent["geometry"] is True


def test_second_refresh_sends_nothing_when_nothing_changed(installed):
    _figure, *_panels, sent = _refresh()
    figure, *panels, sent_again = _refresh(sent=sent)
    assert figure is no_update
    assert all(panel is no_update for panel in panels)
    assert sent_again == sent


def test_scene_change_patches_only_the_changed_parts(installed):
    _figure, *_panels, sent = _refresh(scene=0)
    figure, *panels, _ = _refresh(scene=view.SCENES.index("environment"), sent=sent)
    assert isinstance(figure, Patch)
    operations = figure.to_plotly_json()["operations"]
    assert {tuple(op["location"]) for op in operations} >= {("data", 0), ("data", 1)}
    assert all("geojson" not in op["params"].get("value", {}) for op in operations)       # geometry not resent
    changed = dict(zip(("kpis", "aqi", "traffic", "crowd", "alerts", "ticker", "fresh", "scene_panel", "title", "asof"),
                       panels))
    assert changed["kpis"] is no_update and changed["scene_panel"] is not no_update and changed["title"] is not no_update


def test_layer_picked_on_another_scene_is_ignored(installed):
    from callbacks.screen import layer_of

    assert layer_of("overview", {"scene": "overview", "layer": "crowd"}) == "crowd"
    assert layer_of("traffic", {"scene": "overview", "layer": "hotline"}) == "crowd"
    assert layer_of("hotline", {"scene": "hotline", "layer": "bogus"}) == "hotline"


def test_density_layer_uses_the_indicator_values(installed):
    _figure, *_panels, sent = _refresh()
    figure, *_ = _refresh(layer={"scene": "overview", "layer": "hotline"}, sent=sent)
    layer = next(op for op in figure.to_plotly_json()["operations"] if op["location"] == ["data", 0])["params"]["value"]
    assert layer["showscale"] is True and len(layer["z"]) == len(layer["locations"])


def test_aqi_layer_colours_each_grid_by_its_nearest_reporting_station(installed):
    from indicators import aqi

    _figure, *_panels, sent = _refresh()
    figure, *_ = _refresh(layer={"scene": "overview", "layer": "aqi"}, sent=sent)
    operations = {tuple(op["location"]): op["params"]["value"] for op in figure.to_plotly_json()["operations"]}
    layer, markers = operations[("data", 0)], operations[("data", 1)]
    con, now_s = installed.cursor(), installed.now_s()
    stations = queries.air_by_station(con, now_s, TZ).dropna(subset=["aqi"])
    grids = con.execute("SELECT code, centroid_lon, centroid_lat FROM admin_units WHERE level = 'grid' ORDER BY code").fetchall()
    code, lon, lat = grids[len(grids) // 2]
    shrink = math.cos(math.radians(sum(g[2] for g in grids) / len(grids)))
    nearest = min(stations.itertuples(), key=lambda s: ((s.lon - lon) * shrink) ** 2 + (s.lat - lat) ** 2)
    value = layer["z"][layer["locations"].index(code)]
    assert value == float(nearest.aqi)
    # the colour at that AQI is its level's colour in the standard (the one scale every page uses)
    rgb = aqi.LEVELS[aqi.level_of(int(value))[0] - 1][5]
    stops = [(stop, colour) for stop, colour in layer["colorscale"] if stop <= value / layer["zmax"]]
    assert stops[-1][1].startswith(f"rgba({rgb[0]},{rgb[1]},{rgb[2]},")
    assert layer["showscale"] is True and "AQI" in layer["colorbar"]["title"]["text"]
    assert len(markers["lon"]) == len(queries.air_by_station(con, now_s, TZ))      # the stations drawn on any scene


def test_english_on_request(installed):
    _figure, *panels, _ = _refresh(language="en")
    assert "12345 hotline: cases today" in str(panels[0])        # labelled with the profile's channel name


def test_a_city_without_a_channel_of_a_role_shows_no_figure_for_it():
    from layouts.screen import kpi_panel
    from queries.screen import Kpi

    kpis = {key: Kpi(key, 3.0, 2.0, 2.5, "count") for key in ("hotline", "grid_reported", "grid_closed")}
    text = str(kpi_panel(kpis, {}, "en", {"hotline": ("311市民热线", "SF 311")}))
    assert "SF 311: cases today" in text and "no such channel in this city" in text
    cards = {str(card.children[0].children): card for card in kpi_panel(kpis, {}, "zh", {"hotline": ("311", "311")})}
    assert cards["网格上报今日上报"].children[1].children == "—" and cards["311今日受理"].children[1].children == "3"


def test_config_from_the_query_string():
    config = view.screen_config(refresh="2", rotate="0", reload="0.5", scene="traffic", lang="en")
    assert config["refresh_ms"] == 2000 and config["rotate_ms"] == 0 and config["reload_ms"] == 1_800_000
    assert config["start"] == view.SCENES.index("traffic") and config["lang"] == "en"
    assert view.screen_config(refresh="0.01")["refresh_ms"] == 1000           # never faster than once a second
    assert view.screen_config(refresh="x; drop")["refresh_ms"] == 10_000
    assert view.screen_config(scene="nope")["start"] == 0


@pytest.fixture
def writable(tiny_db_copy):
    from data import db

    con = db.open_store(tiny_db_copy)
    with frozen_context(con) as app_context:
        yield app_context
    con.close()


def _counting(monkeypatch, name: str) -> list:
    calls = []
    original = getattr(queries, name)
    monkeypatch.setattr(queries, name, lambda *args, **kw: calls.append(1) or original(*args, **kw))
    return calls


def test_unchanged_tick_is_served_from_memory_without_querying(installed, monkeypatch):
    from callbacks.screen import screen_cache

    kpi_calls, ticker_calls = _counting(monkeypatch, "headline_kpis"), _counting(monkeypatch, "newest_events")
    _figure, *_panels, sent = _refresh()
    computed = screen_cache().computed
    assert kpi_calls == [1] and ticker_calls == [1] and computed > 0
    figure, *panels, _ = _refresh(sent=sent)                    # another wall's tick at the same data
    _refresh(sent={})
    assert figure is no_update and all(panel is no_update for panel in panels)
    assert kpi_calls == [1] and ticker_calls == [1] and screen_cache().computed == computed


def test_tick_after_new_data_shows_the_new_data(writable, monkeypatch):
    from datetime import datetime, timedelta, timezone

    from callbacks.screen import PANELS

    kpi_calls, station_calls = _counting(monkeypatch, "headline_kpis"), _counting(monkeypatch, "air_by_station")
    con = writable.cursor()
    _figure, *panels, sent = _refresh()
    before = queries.headline_kpis(con, writable.now_s(), TZ)["hotline"].today
    assert by_testid(panels)["screen-kpi-hotline"] == theme.fmt_int(int(before))
    received = datetime.fromtimestamp(writable.now_s(), timezone.utc) - timedelta(minutes=5)
    con.execute("INSERT INTO events (source, event_id, category_code, grid_code, received_at, status, handling_level, "
                "updated_at) SELECT 'hotline_12345', 'screen-new-1', 'hotline.noise', code, ?, 'received', 1, ? "
                "FROM admin_units WHERE level = 'grid' ORDER BY code LIMIT 1", [received, received])
    versions.bump(con, "events")                                 # as every writer does in its transaction
    calls = len(kpi_calls)
    _figure, *panels, _ = _refresh(sent=sent)
    assert len(kpi_calls) > calls                                # the store was read again
    assert station_calls == [1]                                  # but not the readings: none arrived
    assert panels[0] is not no_update
    assert by_testid(panels)["screen-kpi-hotline"] == theme.fmt_int(int(before) + 1)
    assert panels[PANELS.index("screen-ticker")] is not no_update          # a case without description shows too


def _counting_renders(monkeypatch, hold_s: float = 0.0) -> list:
    """Count the answers the walls compute (callbacks.screen.render), each taking at least ``hold_s``."""
    import time

    from callbacks import screen

    renders, original = [], screen.render

    def counted(*args, **kwargs):
        renders.append(args[3:6])                                # (tz, scene, hold)
        time.sleep(hold_s)                                      # the other walls' ticks arrive meanwhile
        return original(*args, **kwargs)
    monkeypatch.setattr(screen, "render", counted)
    return renders


def test_walls_of_one_scene_ticking_together_share_one_prepared_answer(installed, monkeypatch):
    import threading

    renders, barrier, answers = _counting_renders(monkeypatch, hold_s=0.3), threading.Barrier(4), []

    def wall():
        barrier.wait()
        answers.append(_refresh())
    walls = [threading.Thread(target=wall) for _ in range(4)]
    for thread in walls:
        thread.start()
    for thread in walls:
        thread.join()
    assert len(renders) == 1 and len(answers) == 4                  # computed once, the others waited for it
    assert all(answer[-1] == answers[0][-1] for answer in answers)  # the same fingerprints for every wall
    _refresh(scene=view.SCENES.index("traffic"))                    # another scene is another answer
    assert len(renders) == 2


def test_a_live_wall_shows_the_writes_of_a_second_from_the_next_second(writable, monkeypatch):
    from datetime import datetime, timedelta, timezone

    renders, clock = _counting_renders(monkeypatch), [writable.now_s()]
    monkeypatch.setattr(writable, "frozen_now_s", None)            # a live clock, moved by the test
    monkeypatch.setattr(writable, "now_s", lambda: clock[0])
    con = writable.cursor()
    _figure, *panels, sent = _refresh()
    before = by_testid(panels)["screen-kpi-hotline"]
    received = datetime.fromtimestamp(clock[0], timezone.utc) - timedelta(minutes=5)
    con.execute("INSERT INTO events (source, event_id, category_code, grid_code, received_at, status, handling_level, "
                "updated_at) SELECT 'hotline_12345', 'screen-live-1', 'hotline.noise', code, ?, 'received', 1, ? "
                "FROM admin_units WHERE level = 'grid' ORDER BY code LIMIT 1", [received, received])
    versions.bump(con, "events")
    _figure, *panels, _ = _refresh(sent=sent)                       # the same second: the second's answer
    assert len(renders) == 1 and all(panel is no_update for panel in panels)
    clock[0] += 1
    _figure, *panels, _ = _refresh(sent=sent)           # the next second: the last one's, while this one is prepared
    assert all(panel is no_update for panel in panels)
    assert prepared_answers().settle() and len(renders) == 2
    _figure, *panels, _ = _refresh(sent=sent)                       # once prepared, the wall shows the new case
    assert len(renders) == 2
    assert by_testid(panels)["screen-kpi-hotline"] == theme.fmt_int(int(before.replace(",", "")) + 1)


def prepared_answers():
    """Return the walls' shared answers of the installed context."""
    from callbacks import answers
    from callbacks.screen import ANSWERS_KEPT

    return answers.shared("screen", ANSWERS_KEPT)


def test_the_city_moves_clear_of_the_sides_a_legend_covers(installed):
    """The wall says how many px its places legend and colour bar cover: the city is fitted between them;
    a hostile measure is refused naming the field."""
    from callbacks.screen import refresh_screen
    from data.inputs import InputError

    whole, *_ = _refresh(viewport=(1100, 800))
    size = {"w": 1100, "h": 800, "l": 330, "r": 120}
    covered, *_ = refresh_screen(1, {"index": 0, "hold": False}, None, size, "zh", {}, CONFIG)
    whole, covered = go.Figure(whole), go.Figure(covered)
    assert covered.layout.map.zoom < whole.layout.map.zoom
    assert covered.layout.map.center.lon < whole.layout.map.center.lon         # the city's middle moves right
    for hostile in ([1], -5, "wide", 1e9):
        with pytest.raises(InputError, match="^screen-viewport.data.l"):
            refresh_screen(1, {"index": 0, "hold": False}, None, {**size, "l": hostile}, "zh", {}, CONFIG)


def test_under_a_tall_map_the_legends_go_below_and_the_city_above_them(installed):
    """A tall map box (the wall's 16:9 layouts) draws the colour bar across the bottom, and the city is
    fitted above the legends the wall measured there; ``below`` is 0 or 1, nothing else."""
    from callbacks.screen import refresh_screen
    from data.inputs import InputError

    tall = {"w": 720, "h": 890}
    beside, *_ = refresh_screen(1, {"index": 0, "hold": False}, None, tall, "zh", {}, CONFIG)
    below, *_ = refresh_screen(1, {"index": 0, "hold": False}, None, {**tall, "t": 90, "b": 260, "below": 1},
                               "zh", {}, CONFIG)
    beside, below = go.Figure(beside), go.Figure(below)              # plotly JSON: the figures they describe
    assert beside.data[0].colorbar.orientation in (None, "v")
    assert below.data[0].colorbar.orientation == "h"
    assert below.layout.map.center.lat < beside.layout.map.center.lat        # the city's middle moves up
    for hostile in (2, -1, "yes", [1]):
        with pytest.raises(InputError, match="^screen-viewport.data.below"):
            refresh_screen(1, {"index": 0, "hold": False}, None, {**tall, "below": hostile}, "zh", {}, CONFIG)
