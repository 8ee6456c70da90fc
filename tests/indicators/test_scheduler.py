"""The refresh loop: missed hourly snapshots are taken, oldest first, and listeners see each refresh."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import numpy as np

from data import db
from data.clock import parse_instant
from indicators.baselines import Baselines
from indicators.catalog import load_catalog
from indicators.engine import Engine
from indicators.scheduler import IndicatorScheduler, refresh_cadences
from tests.conftest import TINY_NOW

TZ = "Asia/Shanghai"


def test_tick_takes_missed_snapshots_then_the_live_value(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    now_s = parse_instant(TINY_NOW, TZ)            # 15:30: snapshots due at 13:00, 14:00, 15:00
    seen = []
    scheduler = IndicatorScheduler(con, Engine(load_catalog(), TZ), now=lambda: now_s, backfill_hours=3,
                                   listeners=(lambda cursor, summary: seen.append((summary.at_s, summary.snapshot)),))
    assert scheduler.tick() == 4
    hours = [now_s - 1800 - 2 * 3600, now_s - 1800 - 3600, now_s - 1800]
    assert seen == [(h, True) for h in hours] + [(now_s, False)]
    snapshots = con.execute("SELECT count(DISTINCT as_of) FROM indicator_history").fetchone()[0]
    assert snapshots == 3
    seen.clear()
    assert scheduler.tick() == 1 and seen == [(now_s, False)]      # nothing missed the second time
    scheduler.stop()
    con.close()


def test_between_snapshots_only_due_indicators_are_recomputed(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    catalog = load_catalog()
    clock = {"now": parse_instant(TINY_NOW, TZ)}
    summaries = []
    scheduler = IndicatorScheduler(con, Engine(catalog, TZ), now=lambda: clock["now"], backfill_hours=0,
                                   listeners=(lambda cursor, summary: summaries.append(summary),))
    scheduler.tick()
    assert summaries[-1].indicators == len(catalog)          # the first tick computes everything
    before = con.execute("SELECT count(*) FROM indicator_latest").fetchall()[0][0]
    clock["now"] += 60
    scheduler.tick()
    every_minute = {i for i, cadence in refresh_cadences(catalog).items() if cadence <= 60}
    assert summaries[-1].indicators == len(every_minute) < len(catalog)
    refreshed = con.execute("SELECT DISTINCT indicator_id FROM indicator_latest WHERE as_of = ?",
                            [datetime.fromtimestamp(clock["now"], timezone.utc)]).fetchall()
    assert {r[0] for r in refreshed} == every_minute
    assert con.execute("SELECT count(*) FROM indicator_latest").fetchall()[0][0] == before
    scheduler.stop()
    con.close()


def test_the_next_ticks_baselines_are_prepared_ahead_and_the_tick_computes_none(tiny_db_copy, monkeypatch):
    con = db.open_store(tiny_db_copy)
    catalog = load_catalog()
    engine = Engine(catalog, TZ)
    computed = []           # (thread, instant, indicators) of every baseline computation
    baselines_of = Baselines.compute

    def recorded(self, cursor, at_s, units, needed):
        computed.append((threading.current_thread().name, at_s, len(needed)))
        return baselines_of(self, cursor, at_s, units, needed)

    monkeypatch.setattr(Baselines, "compute", recorded)
    clock = {"now": parse_instant(TINY_NOW, TZ) + 17}         # 15:30:17: the instant is 15:30:00
    scheduler = IndicatorScheduler(con, engine, now=lambda: clock["now"], backfill_hours=0)
    scheduler.tick()
    first = parse_instant(TINY_NOW, TZ)
    assert con.execute("SELECT DISTINCT CAST(epoch(as_of) AS BIGINT) FROM indicator_latest").fetchall() == [(first,)]
    assert scheduler.wait_ahead() > 0
    assert computed[-1][0].startswith("indicator-ahead") and computed[-1][1] == first + 60
    computed.clear()
    clock["now"] += 60
    scheduler.tick()
    in_tick = [c for c in computed if not c[0].startswith("indicator-ahead")]
    assert in_tick and all(needed == 0 for _, _, needed in in_tick)       # every baseline came prepared
    stored = con.execute("SELECT indicator_id, unit_code, baseline FROM indicator_latest WHERE as_of = ?",
                         [datetime.fromtimestamp(first + 60, timezone.utc)]).df()
    fresh = Engine(catalog, TZ).evaluate(con, first + 60)
    merged = stored.merge(fresh[["indicator_id", "unit_code", "baseline"]], on=["indicator_id", "unit_code"])
    assert len(merged) == len(stored) > 0 and merged["baseline_x"].notna().any()
    assert np.allclose(merged["baseline_x"], merged["baseline_y"], equal_nan=True)
    scheduler.stop()
    con.close()


def test_a_tick_on_the_hour_is_that_hours_snapshot_once(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    hour_s = parse_instant(TINY_NOW, TZ) - 1800                  # 15:00
    seen = []
    scheduler = IndicatorScheduler(con, Engine(load_catalog(), TZ), now=lambda: hour_s + 20, backfill_hours=1,
                                   listeners=(lambda cursor, summary: seen.append((summary.at_s, summary.snapshot)),))
    assert scheduler.tick() == 2
    assert seen == [(hour_s - 3600, True), (hour_s, True)]       # 15:00 computed once, as the live refresh
    scheduler.stop()
    con.close()


def test_each_tick_stores_the_daily_partials_of_ended_days_newest_first(tiny_db_copy):
    from datetime import date, timedelta

    from indicators.scheduler import PARTIAL_DAYS_PER_TICK

    con = db.open_store(tiny_db_copy)
    clock = {"now": parse_instant(TINY_NOW, TZ)}
    scheduler = IndicatorScheduler(con, Engine(load_catalog(), TZ), now=lambda: clock["now"], backfill_hours=0)
    scheduler.tick()
    stored = [row[0] for row in con.execute(
        "SELECT DISTINCT day FROM indicator_partial_days ORDER BY day DESC").fetchall()]
    yesterday, first = date(2026, 11, 19), date(2026, 10, 30)           # the tiny city's data begin on 30 October
    assert stored == [yesterday - timedelta(days=n) for n in range(min(PARTIAL_DAYS_PER_TICK, 21))]
    assert stored[-1] >= first
    assert con.execute("SELECT count(*) FROM indicator_day_partials WHERE day > ?", [yesterday]).fetchone()[0] == 0
    scheduler.stop()
    con.close()
