"""The map's side panel computed the cheap way answers exactly what the plain way answered.

The panel's cases are cut from the shown columns, masked and made inert column by column and
turned into grid rows in one pass; its series figure is built once per version of the values.
Each test sets the panel beside a reference written the plain way (every column read, each row
masked as a dict, the rows converted as one frame, the series built on every call) on the tiny
city, with cases whose texts carry personal data, and compares the answers as Dash sends them.
"""

from __future__ import annotations

import shutil

import pandas as pd
from plotly.io.json import to_json_plotly
import pytest

from access.privacy import mask_event
from data import db, versions
from data.clock import local_iso_series
from data.text import inert
from layouts import map_panel as side
from layouts import map_state
from layouts.map_state import MapView
from queries import map_page as uq
from tests.callbacks.installed import frozen_context
from tests.queries.test_map_page import MAP_INDICATORS, map_city_path  # noqa: F401  (the fixture)

PERSONAL = [("panel-pii-1", "张三丰", "13812345678", "张三丰报：幸福路12号3栋2单元401室漏水，电话13812345678"),
            ("panel-pii-2", None, None, "邮箱 someone@example.com，身份证110101199003071234"),
            ("panel-pii-3", "李四", "0571-88886666", "\u202e控制字符 李四 8层")]


@pytest.fixture
def panel_city(map_city_path, tmp_path):  # noqa: F811
    """The map city with a few new cases carrying personal data in a grid, installed at its instant."""
    copy = tmp_path / "panel-cost.duckdb"
    shutil.copy(map_city_path, copy)
    con = db.open_store(copy)
    with frozen_context(con) as app_context:
        grid = con.execute("SELECT min(grid_code) FROM events WHERE grid_code IS NOT NULL").fetchall()[0][0]
        for n, (event_id, name, phone, text) in enumerate(PERSONAL):
            con.execute("""INSERT INTO events (source, event_id, category_code, grid_code, received_at, due_at, status,
                           handling_level, updated_at, caller_name, caller_phone, description)
                           VALUES ('hotline_12345', ?, 'hotline.noise', ?, to_timestamp(?), NULL, 'received', 1,
                                   to_timestamp(?), ?, ?, ?)""",
                        [event_id, grid, app_context.now_s() - 60 * (n + 1), app_context.now_s(), name, phone, text])
        versions.bump(con, "events")
        yield app_context, grid
    con.close()


def plain_unit_events(con, unit: dict, until_s: int, grids=None) -> pd.DataFrame:
    """The cases as read before: every column of the newest rows, each row masked as a dict, then inert."""
    condition, params = uq._received_between(uq.unit_grids(con, unit) if grids is None else grids, until_s, uq.EVENT_DAYS)
    frame = con.execute(f"""
        SELECT e.event_id, e.source, coalesce(ch.name_zh, e.source) AS channel_zh,
               coalesce(ch.name_en, e.source) AS channel_en, e.category_code, c.name_zh AS category_zh,
               c.name_en AS category_en, e.status, e.grid_code, CAST(epoch(e.received_at) AS BIGINT) AS received_s,
               CAST(epoch(e.due_at) AS BIGINT) AS due_s, e.description, e.caller_name, e.caller_phone
        FROM (SELECT * FROM events WHERE {condition} ORDER BY received_at DESC, event_id LIMIT ?) e
        LEFT JOIN event_categories c ON c.code = e.category_code
        LEFT JOIN channels ch ON ch.code = e.source
        ORDER BY e.received_at DESC, e.event_id""", params + [uq.EVENT_LIMIT]).df()
    masked = pd.DataFrame([mask_event(row) for row in frame.to_dict("records")], columns=frame.columns)
    return masked.map(lambda v: inert(v) if isinstance(v, str) else v)


def plain_event_rows(events: pd.DataFrame, language: str, tz: str) -> list[dict]:
    """The grid rows as built before: one frame of texts, missing values as empty texts."""
    category = events["category_zh" if language == "zh" else "category_en"].fillna(events["category_code"])
    frame = pd.DataFrame({
        "event_id": events["event_id"], "source": events["channel_zh" if language == "zh" else "channel_en"],
        "category": category, "status": [side.case_status_text(s, language) for s in events["status"]],
        "received": [side.local_time(x, tz) for x in events["received_s"]],
        "due": [side.local_time(x, tz) for x in events["due_s"]],
        "received_at": local_iso_series(events["received_s"], tz), "due_at": local_iso_series(events["due_s"], tz),
        "grid_code": events["grid_code"], "caller_name": events["caller_name"],
        "caller_phone": events["caller_phone"], "description": events["description"]})
    return frame.astype(object).where(frame.notna(), "").to_dict("records")


def answer_json(outputs: tuple) -> str:
    """Return the panel's outputs as Dash serialises them."""
    return to_json_plotly(list(outputs))


def views(con, grid: str) -> list[MapView]:
    """Return views of the city, a district, a community and the grid with the new cases, latest and past."""
    district, community = (con.execute("SELECT min(code) FROM admin_units WHERE level = ?", [level]).fetchall()[0][0]
                           for level in ("district", "community"))
    return [MapView(indicator=MAP_INDICATORS[0], level="district"),
             MapView(indicator=MAP_INDICATORS[1], level="street", unit=district, select=district),
             MapView(indicator=MAP_INDICATORS[2], level="grid", unit=community, select=community, compare=grid),
             MapView(indicator=MAP_INDICATORS[0], level="grid", unit=community, select=grid)]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_panel_answers_what_the_plain_way_answered(panel_city, monkeypatch, language):
    from callbacks import map_page

    app_context, grid = panel_city
    con = app_context.cursor()
    hours = map_page.history_hours()
    past = map_state.hour_label(hours[0], app_context.tz)
    shown = views(con, grid)
    shown += [MapView(**{**view.to_store(), "t": past}) for view in shown[:2]]
    new = [answer_json(map_page.panel(view, language, side.grid_options(language))) for view in shown]
    monkeypatch.setattr(uq, "unit_events", plain_unit_events)
    monkeypatch.setattr(side, "event_rows", plain_event_rows)
    monkeypatch.setattr(map_page, "series", map_page.series_figure)
    plain = [answer_json(map_page.panel(view, language, side.grid_options(language))) for view in shown]
    assert [n == p for n, p in zip(new, plain)] == [True] * len(shown)
    assert "13812345678" not in new[3] and "138****5678" in new[3] and "\u202e" not in new[3]


def test_the_series_is_built_once_per_version_of_the_values(panel_city):
    from callbacks import answers, map_page

    app_context, grid = panel_city
    indicator, unit = map_page.catalog()[MAP_INDICATORS[0]], uq.unit_row(app_context.cursor(), grid)
    kept = answers.shared("map_series", map_page.SERIES_KEPT)
    first = map_page.series(indicator, unit, None, None, "zh")
    computed = kept.computed
    assert map_page.series(indicator, unit, None, None, "zh") is first and kept.computed == computed
    assert map_page.series(indicator, unit, None, None, "en") is not first       # another language: its own
    versions.bump(app_context.cursor(), "indicators")                            # a refresh wrote values
    map_page.store_values()._checked = float("-inf")                             # the cache's next probe is now
    again = map_page.series(indicator, unit, None, None, "zh")
    assert again is not first and kept.computed == computed + 2
    assert answer_json((again,)) == answer_json((first,))                        # the same values drawn again
