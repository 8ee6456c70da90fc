"""The map's side panel shared across analysts: one answer per question and data version."""

from __future__ import annotations

import shutil
import time

import pytest

from data import db, versions
from layouts import map_panel as side
from tests.callbacks.installed import frozen_context
from tests.callbacks.test_answers import _at_once
from tests.queries.test_map_page import MAP_INDICATORS, map_city_path  # noqa: F401  (the fixture)


@pytest.fixture
def writable(map_city_path, tmp_path):  # noqa: F811
    copy = tmp_path / "map-copy.duckdb"
    shutil.copy(map_city_path, copy)
    con = db.open_store(copy)
    with frozen_context(con) as app_context:
        yield app_context
    con.close()


def _counting_panels(monkeypatch, hold_s: float = 0.0) -> list:
    """Count the panels computed (callbacks.map_page.panel), each taking at least ``hold_s``."""
    from callbacks import map_page

    computed, original = [], map_page.panel

    def counted(shown, language, grid_options):
        computed.append((shown.select, language))
        time.sleep(hold_s)                                   # the other analysts ask meanwhile
        return original(shown, language, grid_options)
    monkeypatch.setattr(map_page, "panel", counted)
    return computed


def _state(con, level: str = "district", indicator: str = MAP_INDICATORS[0]) -> dict:
    code = con.execute("SELECT min(code) FROM admin_units WHERE level = ?", [level]).fetchall()[0][0]
    return {"indicator": indicator, "level": "grid" if level == "community" else "street", "unit": code,
            "select": code, "compare": None, "t": None, "playing": False}


def test_analysts_opening_the_same_panel_together_compute_it_once(writable, monkeypatch):
    from callbacks.map_page import draw_panel

    computed, state = _counting_panels(monkeypatch, hold_s=0.3), _state(writable.cursor())
    results = _at_once(5, lambda: draw_panel(state, "zh", side.grid_options("zh")))
    assert len(computed) == 1 and all(result is results[0] for result in results)
    draw_panel({**state, "indicator": MAP_INDICATORS[1]}, "zh", side.grid_options("zh"))   # another question
    draw_panel(state, "en", side.grid_options("en"))                                         # another language
    assert len(computed) == 3


def test_a_write_to_the_store_is_shown_by_the_next_panel(writable, monkeypatch):
    from callbacks.map_page import draw_panel

    con = writable.cursor()
    computed, state = _counting_panels(monkeypatch), _state(con, "community")
    rows = lambda: draw_panel(state, "zh", side.grid_options("zh"))[8]          # noqa: E731  (the cases grid)
    before = rows()
    assert rows() is before and len(computed) == 1                  # unchanged data: the kept answer
    con.execute("""INSERT INTO events (source, event_id, category_code, grid_code, received_at, status, handling_level,
                   updated_at)
                   SELECT 'hotline_12345', 'panel-new-1', 'hotline.noise', code, to_timestamp(?), 'received', 1,
                          to_timestamp(?)
                   FROM admin_units WHERE level = 'grid' AND community_code = ? ORDER BY code LIMIT 1""",
                [writable.now_s() - 60, writable.now_s() - 60, state["unit"]])
    versions.bump(con, "events")
    after = rows()
    assert len(computed) == 2 and len(after) == min(len(before) + 1, 200)
    assert after[0]["event_id"] == "panel-new-1"
