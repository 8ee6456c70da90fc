"""Today's figures against an independent pandas computation on the tiny city."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from data.clock import parse_instant
from indicators import aqi
from queries.overview import city_today
from tests.conftest import LA_TZ, TINY_NOW

TZ = "Asia/Shanghai"


@pytest.fixture(scope="module")
def frames(tiny_con):
    events = tiny_con.execute("SELECT * FROM events").df()
    return events


@pytest.fixture(scope="module")
def figures(tiny_con):
    return city_today(tiny_con, parse_instant(TINY_NOW, TZ), TZ)


def _now():
    return pd.Timestamp(TINY_NOW, tz=TZ).tz_convert("UTC")


def test_case_counts_match_pandas(frames, figures):
    now = _now()
    start = pd.Timestamp(TINY_NOW[:10], tz=TZ).tz_convert("UTC")
    seen = frames[frames.received_at <= now]
    assert figures.received == int((seen.received_at >= start).sum())
    assert figures.closed == int(((seen.closed_at >= start) & (seen.closed_at <= now)).sum())
    open_late = (seen.due_at < now) & (seen.resolved_at.isna() | (seen.resolved_at > now))
    assert figures.open_overdue == int(open_late.sum())
    month = seen[seen.received_at > now - pd.Timedelta(days=30)]
    assert figures.received_30d == len(month)
    assert figures.closure_rate == pytest.approx((month.closed_at <= now).sum() / len(month))
    assert 0.8 < figures.closure_rate < 1.0


def test_breakdowns_add_up(figures):
    assert int(figures.by_source["received"].sum()) == figures.received
    assert int(figures.by_source["closed"].sum()) == figures.closed
    assert int(figures.by_district["received"].sum()) == figures.received
    assert int(figures.by_district["open_overdue"].sum()) == figures.open_overdue
    today = figures.by_hour["today"].dropna()
    assert int(today.sum()) == figures.received
    assert figures.by_hour["yesterday"].sum() > 0


def test_air_now_is_the_mean_of_national_stations(tiny_con, figures):
    latest = tiny_con.execute(
        """SELECT r.metric, avg(r.value) FROM readings r JOIN sensors s USING (sensor_id)
           WHERE s.kind = 'air_national' AND r.ts = ? GROUP BY r.metric""", [figures.air.hour]).fetchall()
    keys = {"so2": "so2_1h", "no2": "no2_1h", "co": "co_1h", "o3": "o3_1h", "pm10": "pm10_1h", "pm25": "pm25_1h"}
    on = figures.air.hour.astimezone(ZoneInfo(TZ)).date()
    expected = aqi.aqi({keys[m]: v for m, v in latest}, on=on, mode="hourly")
    assert figures.air.result == expected
    assert figures.air.hour <= _now().to_pydatetime()
    assert figures.air.stations >= 1


def test_sensor_reporting_share_counts_the_offline_station(figures):
    assert figures.sensors_total > figures.sensors_reporting > 0.9 * figures.sensors_total


LA_MORNING_AFTER = "2026-11-02T10:00:00"     # the morning after the 25-hour day (clocks back on 1 November)


def test_today_and_yesterday_are_local_days_and_hours_in_the_stores_zone(la_con):
    figures = city_today(la_con, parse_instant(LA_MORNING_AFTER, LA_TZ), LA_TZ)
    now = pd.Timestamp(LA_MORNING_AFTER, tz=LA_TZ)
    received = la_con.execute("SELECT received_at FROM events").df()["received_at"].dt.tz_convert(LA_TZ)
    today = received[(received >= now.normalize()) & (received <= now)]
    yesterday = received[(received >= pd.Timestamp("2026-11-01", tz=LA_TZ)) & (received < now.normalize())]
    assert figures.day_start == now.normalize() and figures.received == len(today)
    per_hour = lambda times, hours: times.dt.hour.value_counts().reindex(range(hours), fill_value=0).tolist()  # noqa: E731
    assert figures.by_hour["today"].dropna().astype(int).tolist() == per_hour(today, 11)
    assert figures.by_hour["yesterday"].tolist() == per_hour(yesterday, 24)     # 25 hours, two of them 01:00
