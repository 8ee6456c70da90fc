"""The place indicators (catalog/places.yaml) and the camera ones equal pandas on the tiny city.

The independent side reads the tables themselves (cases, readings, sensors, places, kinds, cameras,
units), pairs cases and sensors with places by the haversine distance in numpy, and counts and
averages per unit of the place's grid in pandas; the engine's relations, GROUPING SETS and
assembly are all on the other side. Every place kind has its indicators checked, at every level.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from data import db
from data.places import haversine_m
from data.statuses import VOID_STATUSES
from indicators.engine import Engine
from indicators.model import Window
from indicators.windows import span
from tests.indicators.test_engine_vs_pandas import CATALOG, NOW_S, TZ

LEVELS = ("city", "district", "street", "community", "grid")
PLACE_CATALOG = replace(CATALOG, indicators=tuple(i for i in CATALOG.indicators
                                                  if i.domain == "places" or i.source == "cameras"))
KINDS = ("school", "hospital", "station", "venue", "mine", "chemical_plant", "construction_site", "key_building")


@pytest.fixture(scope="module")
def engine_values(tiny_con) -> pd.DataFrame:
    return Engine(PLACE_CATALOG, TZ).evaluate(tiny_con, NOW_S)


@pytest.fixture(scope="module")
def tables(tiny_con) -> dict[str, pd.DataFrame]:
    units = tiny_con.execute("SELECT code, level, city_code, district_code, street_code, community_code "
                             "FROM admin_units").df()
    places = tiny_con.execute("SELECT p.place_id, p.kind, p.lon, p.lat, p.reach_m, k.near_m, p.grid_code "
                              "FROM places p JOIN place_kinds k ON k.code = p.kind").df()
    return {"units": units, "places": _with_units(places, units)}


def _with_units(frame: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Return the rows with the code of their grid's unit at every level (from admin_units)."""
    grids = units[units["level"] == "grid"].set_index("code")
    city = units.loc[units["level"] == "city", "code"].iloc[0]
    out = frame.copy()
    out["u_grid"] = out["grid_code"]
    for level in ("district", "street", "community"):
        out[f"u_{level}"] = out["grid_code"].map(grids[f"{level}_code"])
    out["u_city"] = city
    return out


def _pairs(things: pd.DataFrame, places: pd.DataFrame, limit) -> pd.DataFrame:
    """Return each (thing, place) whose distance from the place's circle is within ``limit(place)`` metres."""
    rows = []
    for place in places.itertuples():
        distance = np.maximum(haversine_m(place.lon, place.lat, things["lon"], things["lat"]) - place.reach_m, 0)
        near = things[np.asarray(distance <= limit(place))]
        rows.append(near.assign(place_id=place.place_id, place_kind=place.kind,
                                **{f"u_{lv}": getattr(place, f"u_{lv}") for lv in LEVELS}))
    return pd.concat(rows, ignore_index=True)


def _engine(values: pd.DataFrame, indicator_id: str, level: str) -> pd.Series:
    rows = values[(values["indicator_id"] == indicator_id) & (values["level"] == level)]
    return rows.set_index("unit_code")["value"]


def _compare(values, indicator_id: str, expected_by_level: dict[str, pd.Series], counted: bool) -> int:
    """Assert the engine's value of every unit equals the expected one (0 or none where no row); return
    how many units have a value."""
    seen = 0
    for level in LEVELS:
        got = _engine(values, indicator_id, level)
        expected = expected_by_level[level].reindex(got.index)
        if counted:
            expected = expected.fillna(0)
        assert got.to_numpy(dtype=float) == pytest.approx(expected.to_numpy(dtype=float), nan_ok=True), \
            (indicator_id, level)
        seen += int((expected.fillna(0) > 0).sum())
    return seen


def _cases(tiny_con) -> pd.DataFrame:
    frame = tiny_con.execute("SELECT source || '/' || event_id AS case_key, lon, lat, epoch(received_at) AS received_s, "
                             "epoch(closed_at) AS closed_s, epoch(updated_at) AS updated_s, status FROM events "
                             "WHERE lon IS NOT NULL").df()
    return frame


@pytest.mark.parametrize("kind", KINDS)
def test_cases_near_each_kind_today_equal_pandas(kind, tiny_con, tables, engine_values):
    start_s, end_s = span(Window.TODAY, NOW_S, TZ).start_s, span(Window.TODAY, NOW_S, TZ).end_s
    cases = _cases(tiny_con)
    cases = cases[(cases["received_s"] > start_s) & (cases["received_s"] <= end_s)]
    places = tables["places"][tables["places"]["kind"] == kind]
    pairs = _pairs(cases, places, lambda p: p.near_m)
    expected = {lv: pairs.groupby(f"u_{lv}")["case_key"].nunique() for lv in LEVELS}
    assert _compare(engine_values, f"places.{kind}.cases_near.today", expected, counted=True) > 0


@pytest.mark.parametrize("kind", KINDS)
def test_open_cases_near_each_kind_equal_pandas(kind, tiny_con, tables, engine_values):
    cases = _cases(tiny_con)
    closed_or_updated = cases["closed_s"].fillna(cases["updated_s"])
    void = cases["status"].isin(VOID_STATUSES) & (closed_or_updated <= NOW_S)
    still_open = cases["closed_s"].isna() | (cases["closed_s"] > NOW_S)
    cases = cases[(cases["received_s"] <= NOW_S) & still_open & ~void]
    places = tables["places"][tables["places"]["kind"] == kind]
    pairs = _pairs(cases, places, lambda p: p.near_m)
    expected = {lv: pairs.groupby(f"u_{lv}")["case_key"].nunique() for lv in LEVELS}
    assert _compare(engine_values, f"places.{kind}.open_cases_near.now", expected, counted=True) > 0


def _readings_near(tiny_con, tables, kind: str, sensor_kinds: tuple[str, ...], metric: str, within) -> pd.DataFrame:
    window = span(Window.LAST_HOUR, NOW_S, TZ)
    readings = tiny_con.execute(
        "SELECT r.sensor_id, r.value, s.lon, s.lat FROM readings r JOIN sensors s USING (sensor_id) "
        "WHERE r.metric = ? AND r.quality = 'ok' AND list_contains(?, s.kind) "
        "AND epoch(r.ts) > ? AND epoch(r.ts) <= ?", [metric, list(sensor_kinds), window.start_s, window.end_s]).df()
    places = tables["places"][tables["places"]["kind"] == kind]
    return _pairs(readings, places, within)


def test_pm25_near_schools_equals_pandas(tiny_con, tables, engine_values):
    pairs = _readings_near(tiny_con, tables, "school", ("air_national", "air_micro"), "pm25", lambda p: 1000)
    expected = {lv: pairs.groupby(f"u_{lv}")["value"].mean() for lv in LEVELS}
    assert _compare(engine_values, "places.school.pm25_near.last_hour", expected, counted=False) > 0


def test_crowding_at_venues_equals_pandas(tiny_con, tables, engine_values):
    pairs = _readings_near(tiny_con, tables, "venue", ("crowd",), "people", lambda p: p.near_m)
    expected = {lv: pairs.groupby(f"u_{lv}")["value"].max() for lv in LEVELS}
    assert _compare(engine_values, "places.venue.crowd_near.max.last_hour", expected, counted=False) > 0


def test_camera_online_share_and_offline_count_equal_pandas(tiny_db_copy, tables):
    con = db.open_store(tiny_db_copy)
    con.execute("UPDATE cameras SET online = false WHERE camera_id IN (SELECT camera_id FROM cameras "
                "ORDER BY camera_id LIMIT 3)")
    values = Engine(replace(CATALOG, indicators=tuple(i for i in CATALOG.indicators if i.source == "cameras")),
                    TZ).evaluate(con, NOW_S)
    cameras = con.execute("SELECT grid_code, online FROM cameras WHERE epoch(registered_at) <= ?", [NOW_S]).df()
    con.close()
    cameras = _with_units(cameras, tables["units"])
    share = {lv: 100.0 * cameras.groupby(f"u_{lv}")["online"].mean() for lv in LEVELS}
    offline = {lv: (~cameras["online"]).groupby(cameras[f"u_{lv}"]).sum() for lv in LEVELS}
    assert 0 < share["city"].iloc[0] < 100
    assert _compare(values, "sensor_health.cameras.online_share.now", share, counted=False) > 0
    assert _compare(values, "sensor_health.cameras.offline.now", offline, counted=True) >= 3


def test_every_place_kind_has_its_indicators():
    ids = {i.id for i in PLACE_CATALOG.indicators}
    for kind in KINDS:
        assert {f"places.{kind}.cases_near.today", f"places.{kind}.open_cases_near.now"} <= ids
