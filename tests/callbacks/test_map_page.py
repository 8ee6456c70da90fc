"""The /map callbacks called as plain functions on the tiny city with a few hours of indicator history."""

from __future__ import annotations

import io
import json
from contextvars import copy_context

import pandas as pd
import plotly.graph_objects as go
import pytest
from dash import Patch, no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict

from data import db
from data.clock import local_iso
from layouts import ids
from layouts import map_page as view
from layouts import map_panel as side
from queries import map_page as uq
from tests.callbacks.installed import TZ, frozen_context
from tests.queries.test_map_page import MAP_INDICATORS, map_city_path  # noqa: F401  (the fixture)

INDICATOR = MAP_INDICATORS[0]


@pytest.fixture(scope="module")
def installed(map_city_path):  # noqa: F811
    con = db.open_store(map_city_path, read_only=True)
    with frozen_context(con) as app_context:
        yield app_context
    con.close()


def run_update(search, trigger=None, value=None, state=None, language="zh"):
    """Call update_state as Dash would, with ``trigger`` (a component id) having fired with ``value``;
    return its outputs by name."""
    from callbacks.map_page import VIEW_INPUTS, update_state

    def entry(key, spec):
        if isinstance(spec.component_id, dict):                  # the breadcrumb's buttons: the one clicked
            return [{"id": trigger, "value": value}] if isinstance(trigger, dict) else []
        fired = spec.component_id == trigger
        return {"id": spec.component_id, "value": value if fired else {"url": search, "language": language}.get(key)}

    def call():
        name = trigger if isinstance(trigger, str) else json.dumps(trigger, sort_keys=True, separators=(",", ":"))
        triggered = [] if trigger is None else [{"prop_id": f"{name}.value", "value": value}]
        grouping = {key: entry(key, spec) for key, spec in VIEW_INPUTS.items()}
        context_value.set(AttributeDict(triggered_inputs=triggered, args_grouping=grouping))
        values = {key: e["value"] if isinstance(e, dict) else [i["value"] for i in e] for key, e in grouping.items()}
        return update_state(**values, stored=state)

    return copy_context().run(call)


def first(con, level: str) -> str:
    return con.execute("SELECT min(code) FROM admin_units WHERE level = ?", [level]).fetchall()[0][0]


def test_search_round_trips_and_drops_malformed_values():
    from layouts.map_state import MapView

    shown = MapView(indicator=INDICATOR, level="grid", unit="990102", select="990102001", t="2026-11-20T14:00")
    assert MapView.from_query(shown.to_query()) == shown
    hostile = MapView.from_query("?indicator=x';DROP TABLE events;--&level=planet&unit=<script>&t=yesterday")
    assert hostile == MapView()


def test_url_state_is_normalised_against_catalog_and_store(installed):
    from layouts.map_state import DEFAULT_INDICATOR

    con = installed.cursor()
    grid = first(con, "grid")
    state = run_update(f"?indicator=nope&unit={grid}&t=1999-01-01T00:00")["state"]
    community = uq.unit_row(con, grid)["parent_code"]
    assert state["indicator"] == DEFAULT_INDICATOR
    assert (state["unit"], state["select"], state["level"], state["t"]) == (community, grid, "grid", None)


def test_clicking_drills_down_and_the_url_follows(installed):
    from layouts.map_state import MapView

    con = installed.cursor()
    city = run_update("")["state"]
    assert city["level"] == "district" and city["unit"] is None
    district = first(con, "district")
    out = run_update("", ids.MAP_GRAPH, {"points": [{"location": district}]}, city)
    state, search = out["state"], out["search"]
    assert (state["unit"], state["select"], state["level"]) == (district, district, "street")
    assert MapView.from_query(search).unit == district
    assert [o["value"] for o in out["level_options"]] == ["street", "community", "grid"]
    assert out["level"] == "street" and out["indicator"] == city["indicator"]


def test_clicking_a_grid_selects_it_and_the_breadcrumb_goes_back(installed):
    con = installed.cursor()
    grid = first(con, "grid")
    community = uq.unit_row(con, grid)["parent_code"]
    state = run_update(f"?unit={community}")["state"]
    assert state["level"] == "grid"
    clicked = run_update("", ids.MAP_GRAPH, {"points": [{"location": grid}]}, state)["state"]
    assert (clicked["unit"], clicked["select"]) == (community, grid)
    district = uq.lineage(con, grid)[1]["code"]
    up = run_update("", {"type": ids.MAP_CRUMB, "code": district}, 1, clicked)["state"]
    assert (up["unit"], up["level"], up["select"]) == (district, "street", district)
    home = run_update("", {"type": ids.MAP_CRUMB, "code": ""}, 1, up)["state"]
    assert (home["unit"], home["level"], home["select"]) == (None, "district", None)
    assert run_update("", {"type": ids.MAP_CRUMB, "code": district}, 0, home) is no_update    # drawn, not clicked


def test_slider_and_play_step_through_the_history(installed):
    from callbacks.map_page import draw_time
    from layouts.map_state import MapView, hour_label

    hours = uq.history_hours(installed.cursor())
    state = run_update("")["state"]
    out = run_update("", ids.MAP_TIME, 0, state)
    assert out["state"]["t"] == hour_label(hours[0], TZ)
    assert out["time"] == 0 and out["time_max"] == len(hours)
    assert MapView.from_query(out["search"]).t == out["state"]["t"]
    playing = run_update("", ids.MAP_PLAY, 1, out["state"])
    assert playing["state"]["playing"] and playing["tick_disabled"] is False
    assert draw_time(playing["state"], "zh") == (out["state"]["t"], "⏸")
    stepped = run_update("", ids.MAP_TICK, 1, playing["state"])
    assert stepped["state"]["t"] == hour_label(hours[1], TZ) and stepped["search"] is no_update
    last = {**stepped["state"], "t": hour_label(hours[-1], TZ)}
    stopped = run_update("", ids.MAP_TICK, 2, last)
    assert stopped["state"]["t"] is None and stopped["state"]["playing"] is False and stopped["tick_disabled"] is True
    assert stopped["search"] == MapView.from_store(stopped["state"]).to_query()      # the play stopped: URL written
    assert draw_time(stopped["state"], "zh") == ("最新", "▶")


def test_map_figure_then_patch_when_only_the_hour_changes(installed):
    from callbacks.map_page import draw_map
    from layouts.map_state import hour_label

    state = run_update("")["state"]
    drawn, key = draw_map(state, "zh", "status", 0.8, None)
    figure = go.Figure(drawn)                            # a plain dict, valid as a plotly figure
    expected = uq.unit_values(installed.cursor(), state["indicator"], "district", None)
    trace = figure.data[0]
    assert list(trace.locations) == expected["code"].tolist()
    assert [f["id"] for f in trace.geojson["features"]] == expected["code"].tolist()     # a few units: inline
    statuses = [view.STATUS_ORDER[int(z)] for z in trace.z]
    assert statuses == expected["status"].tolist()
    earlier = {**state, "t": hour_label(uq.history_hours(installed.cursor())[0], TZ)}
    patch, same_key = draw_map(earlier, "zh", "status", 0.8, key)
    assert isinstance(patch, Patch) and same_key is not None
    touched = [op["location"] for op in patch.to_plotly_json()["operations"]]
    assert ["data", 0, "z"] in touched and not any(loc[:2] == ["data", 0] and "geojson" in loc for loc in touched)


def test_side_panel_shows_the_stores_values(installed):
    from callbacks.map_page import draw_panel

    con = installed.cursor()
    district = first(con, "district")
    state = run_update(f"?unit={district}&indicator={MAP_INDICATORS[1]}")["state"]
    out = draw_panel(state, "en", side.grid_options("en"))
    title, summary, series, options, _compare, children, _note, grid, rows, columns, *_sensors = out
    assert grid is no_update                             # the grid was made for the UI language: rows only
    value = con.execute("SELECT value, status FROM indicator_latest WHERE indicator_id = ? AND unit_code = ?",
                        [MAP_INDICATORS[1], district]).fetchall()[0]
    text = str(summary)
    assert district in title and f"{value[0]:,.4g}" in text and value[1].capitalize() in text.replace("'", "")
    assert len(series.data) >= 2 and len(series.data[0].x) == len(uq.unit_series(con, MAP_INDICATORS[1], district))
    peers = con.execute("SELECT code FROM admin_units WHERE level = 'district' AND code <> ? ORDER BY code",
                        [district]).fetchall()
    assert [o["value"] for o in options] == [code for (code,) in peers][:10]    # compare: the district's peers
    assert len(rows) == len(uq.unit_events(con, uq.unit_row(con, district), installed.now_s()))
    assert all("*" in r["caller_phone"] for r in rows if r["caller_phone"])
    assert {c["field"] for c in columns} >= {"event_id", "caller_name", "description"}


def test_values_csv_matches_the_store(installed):
    from callbacks.map_page import export_values
    from layouts.map_state import DEFAULT_INDICATOR

    con = installed.cursor()
    district = first(con, "district")
    state = run_update(f"?unit={district}&level=grid")["state"]
    sent = export_values(1, state)
    frame = pd.read_csv(io.StringIO(sent["content"]), dtype={"code": str})
    expected = con.execute("""SELECT u.code, v.value FROM admin_units u
        LEFT JOIN indicator_latest v ON v.unit_code = u.code AND v.indicator_id = ?
        WHERE u.level = 'grid' AND u.district_code = ? ORDER BY u.code""", [DEFAULT_INDICATOR, district]).df()
    assert frame["code"].tolist() == expected["code"].tolist()
    assert frame["value"].fillna(-1).tolist() == expected["value"].round(2).fillna(-1).tolist()     # rounded
    assert all(len(str(v).partition(".")[2]) <= 2 for v in frame.select_dtypes("number").drop(columns=[]).stack())
    stored = con.execute("SELECT DISTINCT as_of FROM indicator_latest WHERE indicator_id = ?", [DEFAULT_INDICATOR]).fetchall()
    assert set(frame["as_of"].dropna()) == {local_iso(at, TZ) for (at,) in stored}       # the city's time, its offset
    assert sent["content"].startswith("\ufeff")


def test_indicator_search_by_code_chinese_and_english(installed):
    from callbacks.map_page import catalog

    cat = catalog()
    assert len(cat) >= 1000
    assert [i.id for i in view.search_indicators(cat, "cases.intake.count.today", None)] == ["cases.intake.count.today"]
    chinese = view.search_indicators(cat, "热线 受理", None, limit=2000)
    assert chinese and all("热线" in i.name_zh and "受理" in i.name_zh for i in chinese)
    english = view.search_indicators(cat, "pm2.5", None, limit=2000)
    assert english and all("pm2.5" in f"{i.id} {i.name_en}".lower() for i in english)
    air = view.search_indicators(cat, "", "air.aqi", limit=2000)
    assert air and all((i.domain, i.subject) == ("air", "aqi") for i in air)
    assert view.search_indicators(cat, "no such words at all", None) == []


def test_case_statuses_and_the_grids_own_texts_follow_the_language(installed):
    from callbacks.map_page import draw_panel

    con = installed.cursor()
    district = first(con, "district")
    state = run_update(f"?unit={district}")["state"]
    grid = draw_panel(state, "zh", side.grid_options("en"))[7]          # an English grid on the Chinese UI: rebuilt
    assert grid.dashGridOptions["localeText"]["nextPage"] == "下一页"
    stored = uq.unit_events(con, uq.unit_row(con, district), installed.now_s())
    chinese = {"received": "已受理", "accepted": "已签收", "dispatched": "已派遣", "resolved": "已处置", "closed": "已办结"}
    assert [r["status"] for r in grid.rowData] == [chinese[s] for s in stored["status"]] and len(stored)
    sensors = str(draw_panel(state, "zh", side.grid_options("zh"))[10:])     # note, grid, hidden, rows
    stored_sensors = uq.unit_sensors(con, uq.unit_row(con, district), installed.now_s())
    kinds = set(stored_sensors["kind"].head(side.SENSOR_ROWS))
    assert kinds and all(side.code_text("sensor_kind", k, "zh") in sensors and f"'{k}'" not in sensors for k in kinds)
    assert len(stored_sensors) > side.SENSOR_ROWS and f"共 {len(stored_sensors):,} 条" in sensors
    rows = draw_panel(state, "en", side.grid_options("en"))[8]
    assert {r["status"] for r in rows} <= {"Received", "Accepted", "Dispatched", "Resolved", "Closed"} and rows
    assert side.case_status_text("on_hold", "zh") == "on_hold"


def test_the_picker_gets_the_current_indicator_with_its_options_on_load(installed):
    from callbacks.map_page import catalog

    late = catalog().indicators[-1].id                      # far past the first page of search results
    out = run_update(f"?indicator={late}")
    assert out["indicator"] == late and late in [o["value"] for o in out["picker"]]
    earlier = run_update("", ids.MAP_TIME, 0, out["state"])                     # same indicator: options kept
    assert earlier["state"]["t"] is not None and earlier["picker"] is no_update
    assert run_update("", ids.MAP_LEVEL, out["state"]["level"], out["state"]) is no_update     # nothing changed


def test_the_panel_says_how_many_cases_it_shows_and_links_to_all_of_them(installed, monkeypatch):
    from callbacks import answers
    from callbacks.map_page import draw_panel

    con = installed.cursor()
    district = first(con, "district")
    state = run_update(f"?unit={district}")["state"]
    monkeypatch.setattr(uq, "EVENT_LIMIT", 5)
    monkeypatch.setattr(answers, "shared", lambda _name, kept: answers.SharedAnswers(kept))   # not the 200-case panels
    note, _grid, rows = draw_panel(state, "zh", side.grid_options("zh"))[6:9]
    now_s = installed.now_s()
    total = con.execute("""SELECT count(*) FROM events e JOIN admin_units g ON g.code = e.grid_code
        WHERE g.district_code = ? AND e.received_at > to_timestamp(?) AND e.received_at <= to_timestamp(?)""",
                        [district, now_s - 7 * 86_400, now_s]).fetchall()[0][0]
    assert len(rows) == 5 < total
    assert note[0] == f"最新 5 件，共 {total:,} 件"
    href = note[2].href
    assert href.startswith("/events?") and f"unit={district}" in href and "since=2026-11-13" in href
