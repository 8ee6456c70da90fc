"""The AQI's station and area rules (docs/AQI.md), table-driven on a small store.

Each case writes a station's hours of one day and checks the concentration the SQL gives an area
(``day_concentrations`` for the daily report, the real-time statement at an instant) and, where
it matters, the AQI the engine path gives: values above 900 are kept, 8-hour means are taken over
clock hours, a day under the validity minimum has no value, an area is the mean of its stations'
own statistics.
"""

from __future__ import annotations

import math
from datetime import timedelta

import pandas as pd
import pytest

from indicators import aqi, aqi_values
from indicators.aqi_sql import real_time_sql
from indicators.catalog import load_catalog
from indicators.engine import load_units
from indicators.windows import JUST_BEFORE
from tests.indicators.aqi_store import (CITY, DAY, EAST, TZ, WEST, add_hours, build_store, every_hour, local_hour,
                                        midnight_after)

CATALOG = load_catalog()
DAILY = CATALOG["air.aqi.daily.yesterday"]
HOURLY = CATALOG["air.aqi.hourly.last_hour"]
LEVELS = ("city", "district")


@pytest.fixture
def con(tmp_path):
    con = build_store(tmp_path / "aqi.duckdb")
    yield con
    con.close()


def daily(con, key: str, unit: str = EAST) -> float | None:
    """Return an area's daily concentration ``key`` of DAY (None when the rules leave none)."""
    end = midnight_after()
    rows = aqi_values.day_concentrations(con, DAILY.measure_filter(), LEVELS, end - 86400 - JUST_BEFORE,
                                         end - JUST_BEFORE)
    hit = rows[(rows["unit_code"] == unit) & (rows["key"] == key)]
    return None if hit.empty or pd.isna(hit["v"].iloc[0]) else float(hit["v"].iloc[0])


def real_time(con, hour: int, column: str, metric: str, unit: str = EAST) -> float | None:
    """Return an area's real-time input (v1h, v8h, v24h) of ``metric`` half an hour after DAY's ``hour``."""
    now = local_hour(hour) + timedelta(minutes=30)
    rows = con.execute(real_time_sql(HOURLY.measure_filter(), LEVELS), {"now": now}).df()
    hit = rows[(rows["unit_code"] == unit) & (rows["metric"] == metric)]
    return None if hit.empty or pd.isna(hit[column].iloc[0]) else float(hit[column].iloc[0])


def engine_aqi(con, indicator, at_s: int, unit: str = EAST) -> float:
    values = aqi_values.evaluate(con, [indicator], at_s, TZ, load_units(con))
    return float(values.loc[values["unit_code"] == unit, "value"].iloc[0])


# ---- values above 900 are readings like any other -------------------------------------------------

@pytest.mark.parametrize("value, expected_aqi", [
    (941, 500), (957, 500),        # fireworks-night PM2.5 (real Beijing readings): above the column, IAQI 500
    (420, 447),                    # a control below 900: (350, 500] → IAQI 400-500
])
def test_a_day_of_pm25_above_900_is_kept(con, value, expected_aqi):
    add_hours(con, "S1", "pm25", every_hour(value))
    assert daily(con, "pm25_24h") == pytest.approx(value)
    assert engine_aqi(con, DAILY, midnight_after()) == expected_aqi


def test_an_hour_above_900_is_kept_in_the_real_time_aqi(con):
    add_hours(con, "S1", "pm25", {20: 60, 21: 957})
    assert real_time(con, 21, "v1h", "pm25") == pytest.approx(957)
    at = int((local_hour(21) + timedelta(minutes=30)).timestamp())
    assert engine_aqi(con, HOURLY, at) == 500


def test_a_negative_reading_is_left_out(con):
    add_hours(con, "S1", "pm25", {**every_hour(50, range(23)), 23: -5})
    assert daily(con, "pm25_24h") == pytest.approx(50)


# ---- a 24-hour mean needs 20 valid hours (GB 3095-2012 Table 4) -----------------------------------

@pytest.mark.parametrize("hours, expected", [
    (24, 80.0), (20, 80.0),        # enough hours
    (19, None),                    # one short: no daily value
    (0, None),
])
def test_a_daily_mean_needs_twenty_valid_hours(con, hours, expected):
    add_hours(con, "S1", "pm25", every_hour(80, range(hours)))
    assert daily(con, "pm25_24h") == expected


def test_hours_flagged_suspect_do_not_count_towards_the_twenty(con):
    add_hours(con, "S1", "pm25", every_hour(80, range(19)))
    add_hours(con, "S1", "pm25", every_hour(999, range(19, 24)), quality="suspect")
    assert daily(con, "pm25_24h") is None


@pytest.mark.parametrize("o3_hours, expected", [(19, None), (20, 10.0)])
def test_the_o3_1_hour_maximum_needs_a_day_of_o3_hours(con, o3_hours, expected):
    add_hours(con, "S1", "o3", every_hour(10, range(o3_hours)))
    assert daily(con, "o3_1h") == expected


def test_a_day_under_the_minimum_for_every_pollutant_has_no_aqi(con):
    for metric in ("pm25", "pm10", "so2", "no2", "co", "o3"):
        add_hours(con, "S1", metric, every_hour(100, range(17)))       # a polluted day of 17 hours
    assert math.isnan(engine_aqi(con, DAILY, midnight_after()))         # not rated on what is left
    add_hours(con, "S1", "pm25", every_hour(100, range(17, 20)))
    assert engine_aqi(con, DAILY, midnight_after()) == aqi.aqi({"pm25_24h": 100}, on=DAY, mode="daily").aqi


def test_a_sub_hourly_feed_counts_hours_not_readings(con):
    add_hours(con, "S1", "pm25", every_hour(40, range(19)))
    for minutes in (15, 30, 45):
        con.execute("INSERT INTO readings VALUES ('S1', ?, 'pm25', 40.0, 'ok')",
                    [local_hour(0) + timedelta(minutes=minutes)])
    assert daily(con, "pm25_24h") is None          # 22 readings, 19 hours


# ---- O3: 8-hour means over clock hours, 14 windows from 08:00 to 24:00 (HJ 663-2013) ---------------

BASE, PEAK = 40.0, 200.0


def o3_day(peak_hours=(), missing=(), peak=PEAK) -> dict[int, float]:
    return {h: (peak if h in peak_hours else BASE) for h in range(24) if h not in missing}


@pytest.mark.parametrize("case, hours, expected", [
    # a full day: the best window holds the 4 peak hours and 4 base hours
    ("full day", o3_day(range(14, 18)), (4 * PEAK + 4 * BASE) / 8),
    # hours 12 and 13 missing: the window of hours 10-17 has 6 valid hours, 4 of them peak hours
    # (8 rows back from 17:00 would reach 09:00 and give 120)
    ("gap before the peak", o3_day(range(14, 18), missing=(12, 13)), (4 * PEAK + 2 * BASE) / 6),
    # hours 8-11 missing: only 10 of the 17 windows have 6 valid hours, no exceedance: no value
    ("too few windows", o3_day(missing=range(8, 12)), None),
    # the same gap, but the evening exceeds 160: the maximum stands with 10 windows
    ("too few windows, above the limit", o3_day(range(16, 24), missing=range(8, 12), peak=300), 300.0),
    # hours 10-12 missing: windows 05-12 .. 10-17 have 5 valid hours and are no means (10-17 would
    # give 196); 11 windows are valid, fewer than 14, but the maximum (11-18) exceeds 160 and stands
    ("a window of 5 hours is no mean", o3_day(range(13, 16), missing=range(10, 13), peak=300),
     (3 * 300 + 3 * BASE) / 6),
    # the first window is 00-07 (it ends 08:00): the previous evening is not part of the day
    ("peak in the first hours only", o3_day(range(0, 4)), (4 * PEAK + 4 * BASE) / 8),
])
def test_the_o3_8_hour_maximum_is_taken_over_clock_hours(con, case, hours, expected):
    add_hours(con, "S1", "o3", hours)
    got = daily(con, "o3_8h")
    assert got == (None if expected is None else pytest.approx(expected)), case


@pytest.mark.parametrize("missing, expected", [
    ((), (2 * PEAK + 6 * BASE) / 8),
    ((17, 18), (2 * PEAK + 4 * BASE) / 6),          # 6 of the last 8 clock hours: still a mean
    ((16, 17, 18), None),                             # 5 of 8: no 8-hour mean
])
def test_the_real_time_8_hour_mean_needs_six_of_the_last_eight_clock_hours(con, missing, expected):
    hours = {h: (PEAK if h in (20, 21) else BASE) for h in range(8, 22) if h not in missing}
    add_hours(con, "S1", "o3", hours)
    got = real_time(con, 21, "v8h", "o3")
    assert got == (None if expected is None else pytest.approx(expected))


# ---- areas: the mean of their stations' own statistics (HJ 663-2013) -------------------------------

@pytest.mark.parametrize("s2_hours, east, city", [
    # S1 100 all day, S2 20 for 20 hours, S3 (west) 40: the district is the mean of S1 and S2's daily
    # means, not of its hourly means ((20 × 60 + 4 × 100) / 24 = 66.7)
    (range(20), (100 + 20) / 2, (100 + 20 + 40) / 3),
    # S2 has 19 hours: no daily mean of its own, so it is left out of both areas
    (range(19), 100.0, (100 + 40) / 2),
])
def test_an_area_is_the_mean_of_its_stations_daily_means(con, s2_hours, east, city):
    add_hours(con, "S1", "pm25", every_hour(100))
    add_hours(con, "S2", "pm25", every_hour(20, s2_hours))
    add_hours(con, "S3", "pm25", every_hour(40))
    assert daily(con, "pm25_24h", EAST) == pytest.approx(east)
    assert daily(con, "pm25_24h", WEST) == pytest.approx(40)
    assert daily(con, "pm25_24h", CITY) == pytest.approx(city)      # every station of the city, not the districts


def test_an_areas_8_hour_o3_is_the_day_maximum_of_its_stations_mean_8_hour_values(con):
    add_hours(con, "S1", "o3", o3_day(range(8, 12)))       # morning peak
    add_hours(con, "S2", "o3", o3_day(range(16, 20)))      # evening peak
    windows = pd.DataFrame({s: pd.Series(h).reindex(range(24)).rolling(8, min_periods=6).mean()[7:]
                            for s, h in (("S1", o3_day(range(8, 12))), ("S2", o3_day(range(16, 20))))})
    assert daily(con, "o3_8h") == pytest.approx(windows.mean(axis=1).max())
    assert daily(con, "o3_8h") < windows.max().mean()        # not the mean of each station's maximum


def test_an_areas_real_time_value_is_the_mean_of_its_stations_values(con):
    add_hours(con, "S1", "no2", {21: 60})
    add_hours(con, "S2", "no2", {21: 20})
    add_hours(con, "S3", "no2", {21: 100})
    assert real_time(con, 21, "v1h", "no2", EAST) == pytest.approx(40)
    assert real_time(con, 21, "v1h", "no2", CITY) == pytest.approx(60)


def test_the_daily_aqi_of_a_two_station_district_follows_the_station_means(con):
    add_hours(con, "S1", "pm25", every_hour(150))
    add_hours(con, "S2", "pm25", every_hour(30, range(20)))          # 20 hours: a valid day
    expected = aqi.aqi({"pm25_24h": (150 + 30) / 2}, on=DAY, mode="daily").aqi
    hour_first = aqi.aqi({"pm25_24h": (20 * 90 + 4 * 150) / 24}, on=DAY, mode="daily").aqi
    assert (expected, hour_first) == (119, 132)
    assert engine_aqi(con, DAILY, midnight_after()) == expected
    assert engine_aqi(con, DAILY, midnight_after(), CITY) == expected
    assert math.isnan(engine_aqi(con, DAILY, midnight_after(), WEST))     # no station with data
