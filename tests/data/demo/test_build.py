"""The built demo city as stored: consistency, realism statistics, determinism, atomic builds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

from data import db
from data.demo import build, weather
from tests.conftest import ROOT, TINY_NOW, TINY_SEED

TZ = "Asia/Shanghai"


def scalar(con, sql, params=None):
    return con.execute(sql, params or []).fetchone()[0]


def test_every_table_is_filled(tiny_con):
    for table in ("admin_units", "map_features", "event_categories", "events", "event_history",
                  "sensors", "readings", "settings", "ingest_batches"):
        assert scalar(tiny_con, f"SELECT count(*) FROM {table}") > 0, table
    levels = dict(tiny_con.execute("SELECT level, count(*) FROM admin_units GROUP BY level").fetchall())
    assert levels["city"] == 1 and levels["district"] == 2 and levels["grid"] >= 140
    assert scalar(tiny_con, "SELECT count(*) FROM event_categories") >= 60


def test_references_hold(tiny_con):
    orphans = {
        "event grid": "SELECT count(*) FROM events e ANTI JOIN admin_units g ON g.code = e.grid_code AND g.level = 'grid'",
        "event category": "SELECT count(*) FROM events e ANTI JOIN event_categories c ON c.code = e.category_code",
        "reading sensor": "SELECT count(*) FROM readings r ANTI JOIN sensors s USING (sensor_id)",
        "history event": "SELECT count(*) FROM event_history h ANTI JOIN events e USING (source, event_id)",
        "unit parent": "SELECT count(*) FROM admin_units u ANTI JOIN admin_units p ON p.code = u.parent_code "
                       "WHERE u.level <> 'city'",
    }
    for name, sql in orphans.items():
        assert scalar(tiny_con, sql) == 0, name


def test_event_points_lie_in_their_grids(tiny_con):
    rows = tiny_con.execute(
        "SELECT e.lon, e.lat, g.geometry FROM events e JOIN admin_units g ON g.code = e.grid_code "
        "USING SAMPLE 2000 ROWS").fetchall()
    grids = shapely.from_wkb([r[2] for r in rows])
    inside = shapely.contains_xy(grids, [r[0] for r in rows], [r[1] for r in rows])
    assert inside.all()


def test_latest_history_version_is_the_current_state(tiny_con):
    mismatches = scalar(tiny_con, """
        WITH latest AS (SELECT source, event_id, arg_max(status, updated_at) AS status, max(updated_at) AS at
                        FROM event_history GROUP BY ALL)
        SELECT count(*) FROM events e JOIN latest l USING (source, event_id)
        WHERE e.status <> l.status OR e.updated_at <> l.at""")
    assert mismatches == 0


def _local_hour_counts(con):
    return dict(con.execute(
        "SELECT hour(received_at AT TIME ZONE $tz) AS h, count(*) FROM events GROUP BY h", {"tz": TZ}).fetchall())


def test_hour_of_day_profile(tiny_con):
    counts = _local_hour_counts(tiny_con)
    night = np.mean([counts.get(h, 0) for h in (2, 3, 4)])
    day = np.mean([counts.get(h, 0) for h in (9, 10, 11, 14, 15, 16)])
    assert night < 0.2 * day


def test_weekend_dip(tiny_con):
    per_day = tiny_con.execute(
        """SELECT dayofweek(received_at AT TIME ZONE $tz) IN (0, 6) AS weekend, count(*) / count(DISTINCT
                  date_trunc('day', received_at AT TIME ZONE $tz)) AS per_day
           FROM events WHERE source IN ('hotline_12345', 'grid_report')
             AND received_at < $now - INTERVAL 1 DAY GROUP BY weekend""",
        {"tz": TZ, "now": _now()}).fetchall()
    rates = dict(per_day)
    assert 0.55 < rates[True] / rates[False] < 0.92


def _now():
    from data.clock import parse_instant, utc as to_datetime_utc

    return to_datetime_utc(parse_instant(TINY_NOW, TZ))


def test_category_and_source_mix(tiny_con):
    shares = dict(tiny_con.execute(
        "SELECT source, count(*) / sum(count(*)) OVER () FROM events GROUP BY source").fetchall())
    assert max(shares, key=shares.get) == "hotline_12345"
    assert set(shares) == {"hotline_12345", "grid_report", "police_110", "petition", "enterprise", "city_app",
                           "camera_ai"}                  # confirmed camera alarms (data/demo/camera_alarms.py)
    assert shares["camera_ai"] < 0.02
    top = scalar(tiny_con, "SELECT max(n) / sum(n) FROM (SELECT count(*) AS n FROM events GROUP BY category_code)")
    assert scalar(tiny_con, "SELECT count(DISTINCT category_code) FROM events") >= 50
    assert top < 0.2


def test_closure_and_overdue_shares(tiny_con):
    closed_share, overdue_share = tiny_con.execute(
        """SELECT avg((status = 'closed')::INT),
                  avg((coalesce(resolved_at, $now) > due_at)::INT)
           FROM events WHERE received_at < $now - INTERVAL 3 DAY""", {"now": _now()}).fetchone()
    assert 0.9 < closed_share < 0.995
    assert 0.03 < overdue_share < 0.15
    assert 0.02 < scalar(tiny_con, "SELECT avg(is_repeat::INT) FROM events") < 0.12


def _episodes(con):
    spec = build.load_demo_spec(con)
    return weather.episodes(spec.anchor_s, spec.tz)


def _window_params(window):
    from data.clock import utc as to_datetime_utc

    return {"start": to_datetime_utc(window[0]), "end": to_datetime_utc(window[1])}


def test_pollution_episode_visible(tiny_con):
    params = _window_params(_episodes(tiny_con).pollution)
    inside, outside = tiny_con.execute(
        """SELECT avg(value) FILTER (WHERE ts >= $start AND ts < $end),
                  avg(value) FILTER (WHERE ts < $start OR ts >= $end)
           FROM readings JOIN sensors USING (sensor_id)
           WHERE kind = 'air_national' AND metric = 'pm25' AND value < 900""", params).fetchone()
    assert inside > 2.5 * outside


def test_rainstorm_visible_in_gauges_and_waterlogging(tiny_con):
    params = _window_params(_episodes(tiny_con).rainstorm)
    assert scalar(tiny_con, """SELECT max(value) FROM readings WHERE metric = 'rain_mm'
                               AND ts >= $start AND ts < $end""", params) > 30
    storm_rate, usual_rate = tiny_con.execute(
        """SELECT count(*) FILTER (WHERE received_at >= $start AND received_at < $end) / 20.0,
                  count(*) FILTER (WHERE received_at < $start OR received_at >= $end)
                      / (epoch(max(received_at) - min(received_at)) / 3600 - 20)
           FROM events JOIN event_categories c ON c.code = category_code
           WHERE c.name_zh LIKE '%积水%'""", params).fetchone()
    assert storm_rate > 5 * usual_rate


def test_crowd_surge_at_the_venue(tiny_con):
    params = _window_params(_episodes(tiny_con).crowd_surge)
    busiest, surge_peak, usual, grid_wkb = tiny_con.execute(
        """WITH busiest AS (SELECT sensor_id FROM readings WHERE metric = 'people' AND ts >= $start AND ts < $end
                            GROUP BY sensor_id ORDER BY max(value) DESC LIMIT 1)
           SELECT r.sensor_id, max(value) FILTER (WHERE ts >= $start AND ts < $end), median(value), any_value(g.geometry)
           FROM readings r JOIN sensors s USING (sensor_id) JOIN admin_units g ON g.code = s.grid_code
           WHERE metric = 'people' AND r.sensor_id = (SELECT sensor_id FROM busiest) GROUP BY r.sensor_id""",
        params).fetchone()
    venue = scalar(tiny_con, "SELECT geometry FROM map_features WHERE kind = 'venue'")
    assert shapely.from_wkb(grid_wkb).contains(shapely.from_wkb(venue)), busiest
    assert surge_peak > usual + 20_000


def test_feed_defects_present(tiny_con):
    offline = scalar(tiny_con, """SELECT count(*) FROM (SELECT sensor_id, max(ts) AS last FROM readings
                                  GROUP BY sensor_id) WHERE last < $now - INTERVAL 1 DAY""", {"now": _now()})
    spikes = scalar(tiny_con, "SELECT count(*) FROM readings WHERE metric IN ('pm25', 'pm10') AND value >= 999")
    assert offline >= 1 and spikes >= 1


def test_gap_rate(tiny_con):
    missing_share = scalar(tiny_con, """
        WITH per_sensor AS (
            SELECT sensor_id, count(*) AS n, epoch(max(ts) - min(ts)) / 3600 + 1 AS hours
            FROM readings JOIN sensors USING (sensor_id)
            WHERE interval_min = 60 AND metric = metrics[1] GROUP BY sensor_id
            HAVING max(ts) > $now - INTERVAL 1 DAY)
        SELECT 1 - sum(n) / sum(hours) FROM per_sensor""", {"now": _now()})
    assert 0.002 < missing_share < 0.05


def checksums(path: Path) -> str:
    result = subprocess.run([sys.executable, "cli.py", "checksum", "--db", str(path)], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    return result.stdout


def test_same_seed_and_now_give_the_same_tables(tiny_db_path, tmp_path):
    again = tmp_path / "again.duckdb"
    build.build_demo(again, build.spec_from_options("tiny", TINY_SEED, TINY_NOW), progress=False)
    first, second = checksums(tiny_db_path), checksums(again)
    assert first == second
    assert "readings_all\t" in first and len(first.splitlines()) >= 8


def test_another_seed_gives_another_city(tiny_db_path, tmp_path):
    other = tmp_path / "other.duckdb"
    build.build_demo(other, build.spec_from_options("tiny", TINY_SEED + 1, TINY_NOW), progress=False)
    first, second = checksums(tiny_db_path).splitlines(), checksums(other).splitlines()
    assert [a != b for a, b in zip(first, second)].count(True) >= 5


def test_existing_database_is_not_replaced_without_force(tiny_db_copy):
    with pytest.raises(db.StoreError, match="--force"):
        build.build_demo(tiny_db_copy, build.spec_from_options("tiny", 1, TINY_NOW), progress=False)


def test_a_failed_build_leaves_nothing_behind(tmp_path, monkeypatch):
    calls = []

    def failing_day(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real_day(*args, **kwargs)

    real_day = build.generate_day
    monkeypatch.setattr(build, "generate_day", failing_day)
    target = tmp_path / "city.duckdb"
    with pytest.raises(RuntimeError, match="disk full"):
        build.build_demo(target, build.spec_from_options("tiny", 1, TINY_NOW), progress=False)
    assert list(tmp_path.iterdir()) == []
