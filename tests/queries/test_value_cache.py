"""queries.value_cache: the same frames as the store, kept until a refresh writes what they hold."""

from __future__ import annotations

import shutil

import pytest

from data import db, versions
from indicators.refresh import store_values
from queries import map_page as uq
from queries.value_cache import ValueCache
from tests.queries.test_map_page import MAP_INDICATORS, map_city_path  # noqa: F401  (the fixture)

INDICATOR = MAP_INDICATORS[0]


@pytest.fixture
def con(map_city_path, tmp_path):  # noqa: F811
    path = tmp_path / "cache.duckdb"
    shutil.copy(map_city_path, path)
    connection = db.open_store(path)
    yield connection
    connection.close()


def stored(con, table: str, hour: int | None = None):
    """Return the store's rows of INDICATOR (all columns store_values takes) at an hour or latest."""
    where = "indicator_id = ?" + ("" if hour is None else " AND epoch(as_of) = ?")
    return con.execute(f"SELECT indicator_id, unit_code, level, value, numerator, denominator, baseline, status, "
                       f"data_age_s FROM {table} WHERE {where}", [INDICATOR] + ([] if hour is None else [hour])).df()


def test_frames_equal_the_stores(con):
    cache, hours = ValueCache(recheck_s=0), uq.history_hours(con)
    assert cache.hours(con) == hours
    for as_of_s in (None, hours[0]):
        assert cache.values(con, INDICATOR, as_of_s).equals(uq.STORE.values(con, INDICATOR, as_of_s))
    snapshots = cache.snapshots(con, INDICATOR, hours)
    assert list(snapshots) == hours
    assert all(snapshots[h].equals(uq.STORE.values(con, INDICATOR, h)) for h in hours)
    district = con.execute("SELECT min(code) FROM admin_units WHERE level = 'district'").fetchall()[0][0]
    assert uq.unit_series(con, INDICATOR, district, source=cache).equals(uq.unit_series(con, INDICATOR, district))


def test_latest_values_are_kept_until_a_refresh_runs(con):
    cache = ValueCache(recheck_s=0)
    before = cache.values(con, INDICATOR, None)
    con.execute("UPDATE indicator_latest_rows SET value = value + 1000 WHERE indicator_id = ?", [INDICATOR])
    assert cache.values(con, INDICATOR, None).equals(before)          # no run: read from memory
    frame = stored(con, "indicator_latest")
    store_values(con, frame, int(before["as_of_s"].iloc[0]), snapshot=False, replace_all=False)
    versions.bump(con, "indicators")                  # as the server's refresh listener does (app.py)
    after = cache.values(con, INDICATOR, None)
    assert (after["value"] == before["value"] + 1000).all() and len(after) == len(before)


def test_a_rewritten_snapshot_is_read_again_and_other_hours_are_kept(con):
    cache = ValueCache(recheck_s=0)
    hours = uq.history_hours(con)
    first = cache.snapshots(con, INDICATOR, hours)
    con.execute("UPDATE indicator_history SET value = -1 WHERE indicator_id = ?", [INDICATOR])
    frame = stored(con, "indicator_history", hours[0]).assign(value=7.0)
    store_values(con, frame, hours[0], snapshot=True, replace_all=False)      # a run rewrites the first hour
    versions.bump(con, "indicators")                  # as the server's refresh listener does (app.py)
    again = cache.snapshots(con, INDICATOR, hours)
    assert (again[hours[0]]["value"] == 7.0).all()
    assert all(again[h].equals(first[h]) for h in hours[1:])                # the others: from memory


def test_least_recently_used_frames_are_dropped(con):
    cache = ValueCache(max_frames=2, recheck_s=0)
    hours = uq.history_hours(con)
    cache.snapshots(con, INDICATOR, hours[:3])
    con.execute("UPDATE indicator_history SET value = -1 WHERE indicator_id = ? AND epoch(as_of) = ?",
                [INDICATOR, hours[0]])
    assert (cache.values(con, INDICATOR, hours[0])["value"] == -1).all()      # dropped, so read again
    assert not (cache.values(con, INDICATOR, hours[2])["value"] == -1).all()


def test_series_hours_end_at_the_latest_or_at_an_earlier_hour_shown():
    hours = list(range(0, 10 * 3600, 3600))
    assert uq.series_hours(hours, None, span=4) == (hours[-4:], True)
    assert uq.series_hours(hours, hours[-2], span=4) == (hours[-4:], True)
    assert uq.series_hours(hours, hours[3], span=4) == (hours[0:4], False)
    assert uq.series_hours(hours, hours[1], span=4) == (hours[0:2], False)
    assert uq.series_hours([], None) == ([], True)
