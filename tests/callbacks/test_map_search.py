"""The unit search's callbacks on /map and on the wall, and the wall's sound, called as plain
functions on the tiny city."""

from __future__ import annotations

import pytest
from dash import Patch, no_update
from dash.exceptions import PreventUpdate

from callbacks import map_search, screen_search, screen_sound
from data import db
from data.inputs import InputError
from layouts.map_state import MapView
from tests.callbacks.installed import frozen_context

VIEWPORT = {"w": 1100, "h": 800}


@pytest.fixture(scope="module")
def installed(tiny_db_path):
    con = db.open_store(tiny_db_path, read_only=True)
    with frozen_context(con) as app_context:
        yield app_context
    con.close()


def rows(con, sql: str, *params) -> list:
    return con.execute(sql, list(params)).fetchall()


def test_the_box_offers_the_units_found_best_first(installed):
    con = installed.cursor()
    code, name = rows(con, "SELECT code, name_zh FROM admin_units WHERE level = 'community' ORDER BY code DESC LIMIT 1")[0]
    options = map_search.find_units(name, "zh")
    assert options[0]["value"] == code and options[0]["label"].startswith(name)
    assert map_search.find_units(code[:-3] + "001", "en")[0]["value"] == code[:-3] + "001"
    assert map_search.find_units("", "zh") is no_update and map_search.find_units(None, "zh") is no_update
    assert len(map_search.find_units("网格", "zh")) == 10


@pytest.mark.parametrize("value", [["x"], {"a": 1}, 5, "x" * 2000])
def test_a_typed_text_that_is_not_a_short_text_is_refused_naming_the_field(installed, value):
    with pytest.raises(InputError, match="^map-search.search_value"):
        map_search.find_units(value, "zh")


def test_choosing_a_grid_opens_its_community_with_the_grid_selected(installed):
    con = installed.cursor()
    grid, community = rows(con, "SELECT code, parent_code FROM admin_units WHERE level = 'grid' ORDER BY code LIMIT 1")[0]
    state = MapView(indicator="hotline.intake.count.today", level="district", t="2026-11-20T13:00").to_store()
    query, emptied = map_search.open_unit(grid, state)
    assert emptied is None
    assert MapView.from_query(query) == MapView(indicator="hotline.intake.count.today", level="grid", unit=community,
                                                select=grid, t="2026-11-20T13:00")
    assert map_search.open_unit("404", state) == (no_update, no_update)
    with pytest.raises(InputError, match="^map-search.value"):
        map_search.open_unit({"code": grid}, state)


def test_the_compare_picker_finds_units_of_the_shown_level_anywhere(installed):
    con = installed.cursor()
    grid, other = [r[0] for r in rows(con, "SELECT code FROM admin_units WHERE level = 'grid' ORDER BY code LIMIT 2")]
    far = rows(con, "SELECT code FROM admin_units WHERE level = 'grid' AND district_code <> "
                    "(SELECT district_code FROM admin_units WHERE code = ?) ORDER BY code LIMIT 1", grid)[0][0]
    state = MapView(indicator="hotline.intake.count.today", level="grid", unit=grid[:-3], select=grid,
                    compare=far).to_store()
    found = [o["value"] for o in map_search.find_compared("网格", None, state, "zh")]
    assert found[0] == far and grid not in found and len(found) == 11
    assert all(len(code) == len(grid) for code in found)                        # grids only
    assert [o["value"] for o in map_search.find_compared(far, None, state, "zh")] == [far]
    assert [o["value"] for o in map_search.find_compared(far, other, state, "zh")] == [other, far]   # the choice first
    assert map_search.find_compared("", far, state, "zh") is no_update         # emptied after a choice
    siblings = [o["value"] for o in map_search.compare_options(map_search.shown_unit(MapView.from_store(state)), far,
                                                                 None, "zh")]
    assert siblings[0] == far and other in siblings and grid not in siblings  # what the panel offers
    city = MapView(indicator="hotline.intake.count.today", level="district").to_store()
    assert map_search.find_compared("区", None, city, "zh") == []                 # the city has no peer
    assert map_search.find_compared("区", None, None, "zh") is no_update


def test_the_wall_moves_to_the_unit_chosen_and_back(installed):
    con = installed.cursor()
    code, name = rows(con, "SELECT code, name_zh FROM admin_units WHERE level = 'street' ORDER BY code LIMIT 1")[0]
    patch, note, box = screen_search.show_unit(code, VIEWPORT, {"geometry": True}, {"lang": None}, "zh")
    assert isinstance(patch, Patch) and box == "screen-search"
    operations = {tuple(op["location"]): op["params"]["value"] for op in patch.to_plotly_json()["operations"]}
    assert operations[("layout", "map", "layers")][-1]["source"]["features"][0]["id"] == code
    assert note[1].children.startswith(name)
    city_zoom = screen_search.show_unit(None, VIEWPORT, {"geometry": True}, {}, "zh")
    city_operations = {tuple(op["location"]): op["params"]["value"] for op in city_zoom[0].to_plotly_json()["operations"]}
    assert city_operations[("layout", "map", "zoom")] < operations[("layout", "map", "zoom")]
    assert city_zoom[1] is None and len(city_operations[("layout", "map", "layers")]) == 1
    english = screen_search.show_unit(code, None, {"geometry": True}, {"lang": "en"}, "zh")[1]
    assert english[0].children == "Showing"                                      # the wall's ?lang= wins
    with pytest.raises(PreventUpdate):                                           # no map drawn yet
        screen_search.show_unit(code, VIEWPORT, {}, {}, "zh")
    with pytest.raises(InputError, match="^screen-viewport.data.w"):
        screen_search.show_unit(code, {"w": "nan", "h": 5}, {"geometry": True}, {}, "zh")


def test_the_wall_search_offers_units_in_the_walls_language(installed):
    options = screen_search.find_units("hpq", {"lang": "en"}, "zh")
    assert options and options[0]["label"].startswith("Huaiping District")


ALERT_SQL = """INSERT INTO alerts (indicator_id, unit_code, level, kind, state, severity, peak_severity, started_at,
               fired_at) VALUES (?, '990102', 'district', 'threshold', ?, ?, ?, TIMESTAMPTZ '2026-11-20 14:00+08', ?)"""


def test_the_sound_is_off_unless_configured_and_then_names_the_red_alerts_firing(tiny_db_copy, monkeypatch):
    con = db.open_store(tiny_db_copy)
    fired = "2026-11-20 14:10+08"
    for indicator, state, severity, at in (("a.red.firing", "firing", "red", fired), ("a.red.pending", "pending", "red", None),
                                          ("a.orange", "firing", "orange", fired),
                                          ("a.red.recovering", "recovering", "red", fired)):
        con.execute(ALERT_SQL, [indicator, state, severity, severity, at])
    ids = dict(rows(con, "SELECT indicator_id, alert_id FROM alerts"))
    monkeypatch.delenv("CITY_WALL_ALERT_SOUND", raising=False)
    with frozen_context(con):
        assert screen_sound.sound_alerts(1) == {"enabled": False}
    monkeypatch.setenv("CITY_WALL_ALERT_SOUND", "on")
    with frozen_context(con):
        state = screen_sound.sound_alerts(1)
    fired_s = rows(con, "SELECT epoch(TIMESTAMPTZ '2026-11-20 14:10+08')::BIGINT")[0][0]
    assert state == {"enabled": True, "src": "/assets/alert-red.wav",
                     "red": sorted([f"{ids['a.red.firing']}@{fired_s}", f"{ids['a.red.recovering']}@{fired_s}"])}
    monkeypatch.delenv("CITY_WALL_ALERT_SOUND")
    con.execute("INSERT INTO settings (key, value) VALUES ('screen.alert_sound', 'off')")
    with frozen_context(con):
        assert screen_sound.sound_alerts(2) == {"enabled": False}
    con.close()
