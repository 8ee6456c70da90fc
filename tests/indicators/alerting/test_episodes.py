"""The demo city's built-in episodes raise the expected alerts in the expected units; a quiet day stays quiet."""

from __future__ import annotations

import pytest
import shapely

from data import db
from data.clock import utc
from data.demo.weather import episodes
from indicators.alerting import replay
from indicators.alerting.rules import load_config
from indicators.city_catalog import catalog_for_store

HOUR = 3600
TZ = "Asia/Shanghai"


@pytest.fixture
def city(tiny_db_copy):
    """Return (connection to a private copy of the tiny city, its episode windows, replay subset, config)."""
    con = db.open_store(tiny_db_copy)
    config, catalog = load_config(), catalog_for_store(con)       # the city's thresholds, as the server grades
    yield con, episodes(int(db.get_setting(con, "demo.anchor_s")), TZ), replay.subset_catalog(
        catalog, config, replay.EPISODE_INDICATORS), config
    con.close()


def _fired(con, start_s, end_s, indicator_like):
    return con.execute("SELECT unit_code, level, peak_severity FROM alerts WHERE kind = 'threshold' "
                       "AND indicator_id LIKE ? AND fired_at BETWEEN to_timestamp(?) AND to_timestamp(?)",
                       [indicator_like, start_s, end_s]).fetchall()


def _venue_grid(con) -> str:
    venue = shapely.from_wkb(con.execute("SELECT geometry FROM map_features WHERE kind = 'venue'").fetchone()[0])
    for code, wkb in con.execute("SELECT code, geometry FROM admin_units WHERE level = 'grid'").fetchall():
        if shapely.from_wkb(wkb).contains(venue):
            return code
    raise AssertionError("no grid holds the venue")


def _replay(city, start_s, end_s, step_s=HOUR):
    con, _, subset, config = city
    replay.replay(con, subset, config, TZ, list(range(start_s, end_s + 1, step_s)))


def test_quiet_day_raises_few_alerts(city):
    con, eps, *_ = city
    start = eps.crowd_surge[0] - 36 * HOUR                  # the day and a half before the surge: nothing planned
    _replay(city, start, start + 24 * HOUR, 3 * HOUR)
    assert len(_fired(con, start, start + 24 * HOUR, "%")) <= 3


def test_crowd_surge_fires_red_at_the_venue_grid(city):
    con, eps, *_ = city
    start, end = eps.crowd_surge
    _replay(city, start - HOUR, end + HOUR)
    fired = _fired(con, start, end + HOUR, "crowding.people.sum.%")
    assert (_venue_grid(con), "grid", "red") in fired


def test_rainstorm_fires_rain_and_river_alerts_citywide(city):
    con, eps, *_ = city
    start, end = eps.rainstorm
    _replay(city, start, start + 14 * HOUR, 2 * HOUR)
    rain = _fired(con, start, end, "water_flood.rainfall.max_hourly_mm.last_hour")
    assert ("990100", "city", "red") in rain
    assert _fired(con, start, end, "water_flood.water_level.%")


def test_pollution_episode_fires_air_alerts_for_the_city_after_for(city):
    con, eps, *_ = city
    start, _ = eps.pollution
    _replay(city, start + 36 * HOUR, start + 54 * HOUR, 3 * HOUR)
    aqi = _fired(con, start, start + 60 * HOUR, "air.aqi.hourly.last_hour")
    assert any(unit == "990100" and severity in ("orange", "red") for unit, _, severity in aqi)
    assert _fired(con, start, start + 60 * HOUR, "air.pm25.avg.%")


def test_crowd_surge_zscore_fires_at_the_venues_street_where_the_7_day_baseline_misses_it(city):
    con, eps, *_ = city
    start, _ = eps.crowd_surge
    hours = [start + k * HOUR for k in (1, 2, 3)]             # the surge's evening hours ...
    _replay_instants(city, sorted(h - d * 86_400 for h in hours for d in range(0, 13)))   # ... and 12 days before
    street = con.execute("SELECT street_code FROM admin_units WHERE code = ?", [_venue_grid(con)]).fetchone()[0]
    fired = con.execute("SELECT unit_code, level, epoch(fired_at)::BIGINT FROM alerts WHERE kind = 'threshold' "
                        "AND indicator_id = 'crowding.people.sum.last_hour' AND level IN ('street', 'district') "
                        "AND fired_at IS NOT NULL").fetchall()
    assert (street, "street") in {(u, lvl) for u, lvl, _ in fired}
    assert all(at in hours for _, _, at in fired)             # none on the twelve ordinary evenings
    ratios = con.execute("SELECT max(value / baseline) FROM indicator_history WHERE indicator_id = "
                         "'crowding.people.sum.last_hour' AND unit_code = ? AND as_of IN (SELECT unnest(?))",
                         [street, [utc(h) for h in hours]]).fetchone()[0]
    assert ratios < 1.6                                        # not even yellow against the 7-day baseline


def _replay_instants(city, instants):
    con, _, subset, config = city
    replay.replay(con, subset, config, TZ, instants)
