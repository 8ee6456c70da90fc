"""What keeps /map light in the browser: Dash's renderer runs every component's selector on each
update of the page, so the panel and the frame stay few components, the category tree waits until
it is opened, and a drill is one answer: the view with its map, hour and breadcrumb."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from contextvars import copy_context
from pathlib import Path

import dash_ag_grid as dag
from dash import html, no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict
from dash.development.base_component import Component

from layouts import ids
from layouts import map_page as view
from layouts import map_panel as side
from queries import map_page as uq
from tests.callbacks import test_map_page as base
from tests.callbacks.test_map_page import first, run_update

installed, map_city_path = base.installed, base.map_city_path        # the fixtures of the /map callbacks' tests

ROOT = Path(__file__).resolve().parents[2]
PANEL_SENSORS = 10                      # the sensors' place among the panel's outputs


def components(value) -> list[Component]:
    """Return every Dash component in a layout value (a component, a list of them, text)."""
    if isinstance(value, (list, tuple)):
        return [c for item in value for c in components(item)]
    if not isinstance(value, Component):
        return []
    return [value, *components(getattr(value, "children", None))]


@functools.cache
def declared_callbacks() -> list[dict]:
    """Return the callbacks /map's modules declare (output, inputs, prevent_initial_call), read in a
    fresh interpreter: an app made by another test takes them out of Dash's global list."""
    script = ("import json, callbacks.map_page, callbacks.place_layers\n"
              "from dash._callback import GLOBAL_CALLBACK_LIST as found\n"
              "print(json.dumps([{k: c[k] for k in ('output', 'inputs', 'prevent_initial_call')} for c in found]))")
    answer = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(answer.stdout.splitlines()[-1])


def fired(trigger: str, call):
    """Return call() run as Dash runs a callback that ``trigger`` fired."""
    def run():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": f"{trigger}.n_clicks", "value": 1}]))
        return call()
    return copy_context().run(run)


def test_a_drill_sends_the_sensors_rows_to_the_grid_shown_not_a_new_grid(installed):
    """The sensors' grid stays on the page: a drill sends its rows (the first SENSOR_ROWS, with a
    note of how many), and a new grid only for a page whose grids were made in another language."""
    from callbacks.map_page import draw_panel

    con = installed.cursor()
    district = first(con, "district")
    state = run_update(f"?unit={district}")["state"]
    note, grid, hidden, rows = draw_panel(state, "zh", side.grid_options("zh"))[PANEL_SENSORS:]
    stored = uq.unit_sensors(con, uq.unit_row(con, district), installed.now_s())
    assert len(stored) > side.SENSOR_ROWS and grid is no_update and hidden is False
    assert len(rows) == side.SENSOR_ROWS and {row["sensor"] for row in rows} == set(stored["name_zh"].head(side.SENSOR_ROWS))
    assert f"共 {len(stored):,} 条" in str(note) and len(components(note)) <= 2
    note, grid, hidden, rows = draw_panel(state, "zh", side.grid_options("en"))[PANEL_SENSORS:]
    assert rows is no_update and isinstance(grid, dag.AgGrid) and grid.id == ids.MAP_SENSORS_GRID
    assert len(grid.rowData) == side.SENSOR_ROWS and grid.dashGridOptions["localeText"]["nextPage"] == "下一页"
    assert not any(isinstance(c, (html.Td, html.Tr)) for c in components(grid))


def test_the_page_holds_one_sensors_grid_from_the_start():
    frame = components(view.layout("en"))
    grids = [c for c in frame if isinstance(c, dag.AgGrid) and c.id == ids.MAP_SENSORS_GRID]
    assert len(grids) == 1 and grids[0].rowData == []


def test_the_sensor_rows_are_inert_text():
    import pandas as pd

    frame = pd.DataFrame([{"name_zh": "\u202e<b>站</b>", "name_en": "x", "kind": "air_station", "metric": "pm25",
                           "value": 12.3456, "ts": pd.Timestamp("2026-11-20T07:00:00Z"), "quality": "ok"}])
    row = side.sensor_rows(frame, "zh", "Asia/Shanghai")[0]
    assert "\u202e" not in row["sensor"] and row["reading"] == "12.35"
    assert row["time"] == "2026-11-20 15:00"


def test_the_page_frame_holds_no_subject_buttons():
    frame = components(view.layout())
    assert not [c for c in frame if isinstance(getattr(c, "id", None), dict)]
    assert len(frame) < 80


def test_the_subject_tree_is_drawn_when_first_opened_and_again_in_a_new_language(installed):
    from callbacks.map_page import draw_tree

    assert fired(ids.LANGUAGE, lambda: draw_tree(0, "zh")) is no_update                # closed: nothing sent
    tree = fired(ids.MAP_TREE_OPEN, lambda: draw_tree(1, "zh"))
    buttons = [c for c in components(tree) if isinstance(getattr(c, "id", None), dict)]
    assert len(buttons) > len(installed.catalog.domains)
    assert fired(ids.MAP_TREE_OPEN, lambda: draw_tree(2, "zh")) is no_update            # closed again: kept
    english = fired(ids.LANGUAGE, lambda: draw_tree(3, "en"))
    assert components(english)[0].children == "All indicators"


def test_a_drill_answers_the_view_the_map_and_the_heading_in_one_answer(installed):
    """A click on the map is one round trip: the view's answer carries the new map (with the places
    layers in it), the hour shown and the breadcrumb; no other callback waits on the view to draw them."""
    from layouts.place_layers import LAYERS, OVERLAY_FROM

    con = installed.cursor()
    district = first(con, "district")
    city = run_update(f"?indicator={base.INDICATOR}")
    drilled = run_update(None, ids.MAP_GRAPH, {"points": [{"location": district}]}, state=city["state"])
    assert drilled["state"]["unit"] == district
    figure = drilled["figure"]
    assert isinstance(figure, dict) and len(figure["data"]) == OVERLAY_FROM + len(LAYERS)
    assert {len(code) for code in figure["data"][0]["locations"]} == {len(first(con, "street"))}
    assert drilled["drawn"] and drilled["drawn"] != city["drawn"]
    assert (drilled["time_label"], drilled["play_icon"]) == ("最新", "▶")
    crumbs = [c.children for c in components(drilled["crumbs"]) if isinstance(c, html.Li)]
    assert crumbs[-1] == uq.unit_row(con, district)["name_zh"]
    callbacks = declared_callbacks()
    waiting_on_view = [cb["output"] for cb in callbacks if any(i["id"] == ids.MAP_STATE for i in cb["inputs"])]
    assert any(ids.MAP_SENSORS in out for out in waiting_on_view)           # the side panel, in its own answer
    assert all(ids.MAP_GRAPH not in out and ids.MAP_CRUMBS not in out and ids.MAP_TIME_LABEL not in out
               for out in waiting_on_view), waiting_on_view
    assert not any(i["id"] == ids.MAP_DRAWN for cb in callbacks for i in cb["inputs"])


def test_the_first_view_asks_nothing_for_the_closed_tree():
    tree = [cb for cb in declared_callbacks() if cb["output"] == f"{ids.MAP_TREE}.children"]
    assert len(tree) == 1 and tree[0]["prevent_initial_call"] is True


def test_the_map_names_many_units_geometry_instead_of_carrying_it(installed, monkeypatch):
    """A figure of many units carries their codes and values; their GeoJSON is the level's file on the
    app's origin (api/geometry.py), fetched once by the browser (with it, an 8,930-grid city's figure was
    2.85 MB); a drill's few units come inline (no request more before the map is drawn)."""
    from callbacks import map_page as cb

    grids = installed.cursor().execute("SELECT count(*) FROM admin_units WHERE level = 'grid'").fetchall()[0][0]
    assert 1 < cb.INLINE_UNITS_MAX < 8930
    monkeypatch.setattr(cb, "INLINE_UNITS_MAX", grids - 1)          # the tiny city's grids stand for a city's thousands
    figure, _key = cb.draw_map(run_update("?level=grid")["state"], "zh", "auto", 0.8, None)
    units = figure["data"][0]
    assert units["geojson"] == installed.unit_geometry("grid").path and len(units["locations"]) == grids
    assert "coordinates" not in json.dumps(units, default=str)
    district = first(installed.cursor(), "district")
    figure, _key = cb.draw_map(run_update(f"?unit={district}")["state"], "zh", "auto", 0.8, None)
    inline = figure["data"][0]["geojson"]
    assert [f["id"] for f in inline["features"]] == figure["data"][0]["locations"]


def test_thousands_of_units_are_drawn_without_outlines():
    """Units on average under OUTLINE_MIN_PX across the map's panel get no outline (a city by grid);
    fewer, larger ones keep theirs."""
    assert view.outline_width(8930) == 0
    assert view.outline_width(500) == view.UNIT_LINE_WIDTH and view.outline_width(2974) == view.UNIT_LINE_WIDTH
