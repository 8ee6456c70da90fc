"""queries.map_page on the tiny city with a few hourly snapshots, against hand-written SQL and pandas."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from data import db
from data.clock import HOUR_S, parse_instant
from data.levels import LEVELS
from indicators.catalog import Catalog, load_catalog
from indicators.engine import Engine
from indicators.refresh import refresh
from queries import map_page as uq
from tests.conftest import TINY_NOW

TZ = "Asia/Shanghai"
MAP_INDICATORS = ("cases.intake.count.today", "cases.backlog.open_count.now", "hotline.intake.count.today")
HISTORY_HOURS = 3


def add_indicator_history(path: Path, hours: int = HISTORY_HOURS) -> None:
    """Compute a few indicators (the real engine, a sub-catalog to stay quick) at the hours before
    TINY_NOW and at TINY_NOW, storing hourly snapshots and latest values."""
    full = load_catalog()
    engine = Engine(Catalog(tuple(full[i] for i in MAP_INDICATORS), full.domains), TZ)
    con = db.open_store(path)
    now_s = parse_instant(TINY_NOW, TZ)
    for hour in range((now_s // HOUR_S - hours + 1) * HOUR_S, now_s, HOUR_S):
        refresh(con, engine, hour, kind="snapshot", snapshot=True)
    refresh(con, engine, now_s, kind="manual")
    con.close()


@pytest.fixture(scope="session")
def map_city_path(tiny_db_path, tmp_path_factory) -> Path:
    """Return a tiny city with indicator history for the map (read it, do not change it)."""
    path = tmp_path_factory.mktemp("map") / "map.duckdb"
    shutil.copy(tiny_db_path, path)
    add_indicator_history(path)
    return path


@pytest.fixture(scope="module")
def con(map_city_path):
    connection = db.open_store(map_city_path, read_only=True)
    yield connection
    connection.close()


def a_district(con) -> dict:
    return uq.unit_row(con, con.execute("SELECT min(code) FROM admin_units WHERE level = 'district'").fetchall()[0][0])


def test_values_inside_a_district_are_its_streets_with_latest_values(con):
    district = a_district(con)
    frame = uq.unit_values(con, MAP_INDICATORS[0], "street", district)
    expected = con.execute("""
        SELECT u.code, v.value FROM admin_units u JOIN indicator_latest v ON v.unit_code = u.code
        WHERE u.parent_code = ? AND v.indicator_id = ? ORDER BY u.code""", [district["code"], MAP_INDICATORS[0]]).df()
    assert frame["code"].tolist() == expected["code"].tolist()
    assert frame["value"].tolist() == expected["value"].tolist()
    assert frame["value"].sum() > 0


def test_grids_inside_a_district_skip_levels(con):
    district = a_district(con)
    frame = uq.unit_values(con, MAP_INDICATORS[0], "grid", district)
    grids = con.execute("SELECT code FROM admin_units WHERE level = 'grid' AND code LIKE ? ORDER BY code",
                        [district["code"] + "%"]).df()
    assert frame["code"].tolist() == grids["code"].tolist() and len(frame) > 10


def test_history_hour_values_come_from_that_snapshot(con):
    hours = uq.history_hours(con)
    assert len(hours) == HISTORY_HOURS and all(h % HOUR_S == 0 for h in hours)
    frame = uq.unit_values(con, MAP_INDICATORS[0], "district", None, hours[0])
    expected = con.execute("""SELECT unit_code AS code, value, status FROM indicator_history
        WHERE indicator_id = ? AND level = 'district' AND epoch(as_of) = ? ORDER BY 1""", [MAP_INDICATORS[0], hours[0]]).df()
    assert frame["value"].tolist() == expected["value"].tolist()
    assert frame["status"].tolist() == expected["status"].tolist()
    assert (frame["as_of_s"] == hours[0]).all()


def test_a_unit_without_a_value_is_no_data(con):
    frame = uq.unit_values(con, "no.such.indicator.id", "district", None)
    assert len(frame) == 2 and frame["value"].isna().all() and (frame["status"] == "no_data").all()


def test_sibling_rank_matches_pandas(con):
    streets = uq.unit_values(con, MAP_INDICATORS[1], "street", a_district(con))
    ordered = streets.sort_values("value", ascending=False)
    top, bottom = ordered.iloc[0], ordered.iloc[-1]
    assert uq.sibling_rank(con, MAP_INDICATORS[1], uq.unit_row(con, top["code"])) == (1, len(streets))
    expected_last = int(streets["value"].rank(ascending=False, method="min")[ordered.index[-1]])
    assert uq.sibling_rank(con, MAP_INDICATORS[1], uq.unit_row(con, bottom["code"])) == (expected_last, len(streets))


def test_top_children_are_the_highest_and_add_up_for_counts(con):
    district = a_district(con)
    children = uq.top_children(con, MAP_INDICATORS[0], district, limit=100)
    assert children["value"].is_monotonic_decreasing
    parent = uq.unit_value(con, MAP_INDICATORS[0], district)
    assert children["value"].sum() == pytest.approx(parent["value"])


def test_lineage_runs_from_the_city_to_the_grid(con):
    grid = con.execute("SELECT code, community_code, street_code, district_code, city_code FROM admin_units "
                       "WHERE level = 'grid' ORDER BY code LIMIT 1").fetchall()[0]
    chain = uq.lineage(con, grid[0])
    assert [u["code"] for u in chain] == [grid[4], grid[3], grid[2], grid[1], grid[0]]
    assert [u["level"] for u in chain] == list(LEVELS)


def test_series_has_each_snapshot_and_the_latest(con):
    district = a_district(con)
    series = uq.unit_series(con, MAP_INDICATORS[0], district["code"])
    assert len(series) == HISTORY_HOURS + 1
    latest = con.execute("SELECT value FROM indicator_latest WHERE indicator_id = ? AND unit_code = ?",
                         [MAP_INDICATORS[0], district["code"]]).fetchall()[0][0]
    assert series["value"].iloc[-1] == latest and series["as_of_s"].is_monotonic_increasing


def test_events_of_a_street_are_its_grids_cases_masked(con):
    street = uq.unit_row(con, con.execute("SELECT min(code) FROM admin_units WHERE level = 'street'").fetchall()[0][0])
    now_s = parse_instant(TINY_NOW, TZ)
    events = uq.unit_events(con, street, now_s, days=7, limit=100_000)
    expected = con.execute("""
        SELECT count(*) FROM events e JOIN admin_units g ON g.code = e.grid_code
        WHERE g.street_code = ? AND e.received_at > to_timestamp(?) AND e.received_at <= to_timestamp(?)""",
        [street["code"], now_s - 7 * 86_400, now_s]).fetchall()[0][0]
    assert len(events) == expected > 0 and uq.count_unit_events(con, street, now_s, days=7) == expected
    assert events["received_s"].is_monotonic_decreasing
    assert uq.unit_events(con, street, now_s, days=7, limit=10)["event_id"].tolist() == events["event_id"].tolist()[:10]
    phones = events["caller_phone"].dropna()
    assert len(phones) and phones.str.contains(r"\*{4}").all()
    raw = con.execute("SELECT caller_name FROM events WHERE event_id = ?", [events["event_id"].iloc[0]]).fetchall()[0][0]
    assert raw is None or events["caller_name"].iloc[0] != raw


def test_events_of_a_grid_and_of_the_city(con):
    now_s = parse_instant(TINY_NOW, TZ)
    grid_code = con.execute("SELECT grid_code FROM events GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchall()[0][0]
    grid_events = uq.unit_events(con, uq.unit_row(con, grid_code), now_s, days=90, limit=100_000)
    assert set(grid_events["grid_code"]) == {grid_code}
    city_events = uq.unit_events(con, uq.city_unit(con), now_s, days=1, limit=100_000)
    expected = con.execute("SELECT count(*) FROM events WHERE grid_code IS NOT NULL AND received_at > to_timestamp(?) "
                           "AND received_at <= to_timestamp(?)", [now_s - 86_400, now_s]).fetchall()[0][0]
    assert len(city_events) == expected


def test_sensors_of_a_district_with_their_latest_readings(con):
    district = a_district(con)
    now_s = parse_instant(TINY_NOW, TZ)
    sensors = uq.unit_sensors(con, district, now_s)
    expected = con.execute("""SELECT s.sensor_id FROM sensors s JOIN admin_units g ON g.code = s.grid_code
        WHERE g.district_code = ? AND (s.retired_at IS NULL OR s.retired_at > to_timestamp(?))""",
        [district["code"], now_s]).df()
    assert set(sensors["sensor_id"]) == set(expected["sensor_id"]) and len(expected) > 0
    row = sensors.dropna(subset=["metric"]).iloc[0]
    latest = con.execute("""SELECT value, ts FROM readings WHERE sensor_id = ? AND metric = ? AND ts <= to_timestamp(?)
        ORDER BY ts DESC LIMIT 1""", [row["sensor_id"], row["metric"], now_s]).fetchall()[0]
    assert row["ts"] == pd.Timestamp(latest[1]) and (row["value"] == latest[0] or pd.isna(latest[0]))


def test_bounds_of_a_unit_lie_inside_the_citys(con):
    city = uq.unit_bounds(con, uq.city_unit(con)["code"])
    district = uq.unit_bounds(con, a_district(con)["code"])
    assert city[0] <= district[0] < district[2] <= city[2] + 1e-9
    assert uq.unit_bounds(con, "nope") is None and uq.unit_row(con, "nope") is None
