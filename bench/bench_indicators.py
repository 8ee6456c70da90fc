"""Benchmark: a full refresh of the catalog at every level, against one query per indicator and level.

    python bench/bench_indicators.py --db var/city.duckdb [--at 2026-11-20T15:30] [--naive-sample 60]
    python bench/bench_indicators.py --db /tmp/copy.duckdb --live-ticks 5     # writes: give it a copy

The fused engine (``Engine.evaluate``: a handful of GROUPING SETS scans, baselines, derived
values, statuses) is timed over --repeat runs. The naive approach issues, for each base
indicator and each level it declares, its own ``SELECT unit, agg ... GROUP BY unit``; it is
timed on a random sample of indicators and the per-query time is extrapolated to the whole
catalog (running all of them would take minutes), which the output states.

``--live-ticks N`` instead runs the server's refresh loop on the (copied, writable) database
with a simulated clock: a first tick of the whole catalog at --at, then N ticks a minute apart,
the live simulator adding a minute of cases and readings before each. Each tick is timed whole
(the indicators due, their evaluation, storing, the run record), as the server runs it; the next
tick's baselines, which the server prepares in a second thread in the minute between ticks, are
timed apart (``baselines_ahead_s``). The minute tick of the full run is timed both ways: with its
baselines prepared ahead (as the server runs it) and computed in the tick.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_demo import machine  # noqa: E402
from data import db  # noqa: E402
from data.demo import simulator  # noqa: E402
from data.demo import build  # noqa: E402
from data.clock import parse_instant  # noqa: E402
from indicators.city_catalog import catalog_for_store  # noqa: E402
from indicators.compiler import aggregate_sql  # noqa: E402
from indicators.engine import Engine, load_units, with_inputs  # noqa: E402
from indicators.model import IndicatorType  # noqa: E402
from indicators.scheduler import IndicatorScheduler, refresh_cadences  # noqa: E402
from indicators.sources import SOURCES, UNIT_COLUMNS  # noqa: E402
from indicators.windows import span  # noqa: E402


def naive_queries(indicator, at_s: int, tz: str):
    """Yield (sql, params) of the naive approach: one query per level for one indicator."""
    source = SOURCES[indicator.source]
    time_column = indicator.time_column or source.default_time_column
    params = {"now": datetime.fromtimestamp(at_s, timezone.utc)}
    where = "true"
    if time_column:
        bounds = span(indicator.window, at_s, tz)
        params.update(start=datetime.fromtimestamp(bounds.start_s, timezone.utc),
                      end=datetime.fromtimestamp(bounds.end_s, timezone.utc))
        where = f"{time_column} > $start AND {time_column} <= $end"
    measures = [indicator.numerator, indicator.denominator] if indicator.type == IndicatorType.RATIO else [indicator.measure]
    aggregates = ", ".join(aggregate_sql(m) for m in measures)
    for level in indicator.levels:
        column = UNIT_COLUMNS[level]
        sql = f"SELECT {column}, {aggregates} FROM ({source.sql()}) AS base WHERE {where} GROUP BY {column}"
        yield sql, {k: v for k, v in params.items() if f"${k}" in sql}


def time_naive(con, indicators, at_s: int, tz: str) -> tuple[float, int]:
    """Return (seconds, queries) for the naive approach over ``indicators``."""
    started, count = time.perf_counter(), 0
    for indicator in indicators:
        for sql, params in naive_queries(indicator, at_s, tz):
            con.execute(sql, params).fetchall()
            count += 1
    return time.perf_counter() - started, count


def time_base_pass(engine: Engine, con, at_s: int) -> float:
    """Return the seconds of the fused scans alone (what the naive approach computes)."""
    units = load_units(con)
    started = time.perf_counter()
    engine._base_values(con, engine.compiled, at_s, units)
    return time.perf_counter() - started


def time_incremental(engine: Engine, con, at_s: int, ids: set[str], ahead: bool = False) -> tuple[float, float]:
    """Return the seconds of evaluating only the indicators due every minute, and of preparing their
    baselines ahead first (0 unless ``ahead``: the server prepares them in the minute before the tick)."""
    started = time.perf_counter()
    if ahead:
        engine.prepare_baselines(con, at_s, ids)
    prepared = time.perf_counter()
    engine.evaluate(con, at_s, only=ids)
    return time.perf_counter() - prepared, prepared - started


def time_live_ticks(path: str, at_s: int, tz: str, ticks: int) -> list[dict]:
    """Return, per live tick after a first full one, its seconds and the values it computed."""
    con = db.open_store(path)
    world = build.DemoWorld.create(build.load_demo_spec(con))
    clock = {"now": at_s}
    summaries = []
    scheduler = IndicatorScheduler(con, Engine(catalog_for_store(con), tz), now=lambda: clock["now"], backfill_hours=0,
                                   listeners=(lambda cursor, summary: summaries.append(summary),))
    runs = []
    for tick in range(ticks + 1):
        if tick:
            simulator.step(con, world, clock["now"], clock["now"] + 60)
            clock["now"] += 60
        started = time.perf_counter()
        scheduler.tick()
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        prepared = scheduler.wait_ahead()          # the next tick's baselines, in the minute between ticks
        runs.append({"tick": tick, "seconds": round(seconds, 2), "indicators": summaries[-1].indicators,
                     "values": summaries[-1].values, "baselines_ahead_s": round(time.perf_counter() - started, 2),
                     "baselines_prepared": prepared})
        print(json.dumps({"live_tick": runs[-1], "load": os.getloadavg()[0]}), flush=True)
    scheduler.stop()
    con.close()
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--at", default="2026-11-20T15:30:00")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive-sample", type=int, default=60)
    parser.add_argument("--live-ticks", type=int, default=0,
                        help="run the refresh loop for this many minute ticks instead (writes: use a copy)")
    args = parser.parse_args()
    con = db.open_store(args.db, read_only=not args.live_ticks)     # a writable copy is upgraded if need be
    tz = db.get_setting(con, "city.tz", "Asia/Shanghai")
    at_s = parse_instant(args.at, tz)
    if args.live_ticks:
        con.close()
        runs = time_live_ticks(args.db, at_s, tz, args.live_ticks)
        print(json.dumps({"live_tick_s": {"median": statistics.median(r["seconds"] for r in runs[1:]),
                                          "first_full_tick_s": runs[0]["seconds"]}}), flush=True)
        return 0
    catalog = catalog_for_store(con)
    engine = Engine(catalog, tz)
    rows = con.execute("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM readings), "
                       "(SELECT count(*) FROM admin_units WHERE level = 'grid')").fetchone()
    print(json.dumps({"machine": machine(), "db": args.db, "events": rows[0], "readings": rows[1], "grids": rows[2],
                      "indicators": len(catalog), "scans": len(engine.compiled.scans)}, ensure_ascii=False), flush=True)
    engine.evaluate(con, at_s)                              # warm-up: caches, compiled subsets
    runs = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        values = engine.evaluate(con, at_s)
        runs.append(time.perf_counter() - started)
    print(json.dumps({"fused_full_refresh_s": {"median": round(statistics.median(runs), 2),
                                               "runs": [round(r, 2) for r in runs]},
                      "values": len(values)}), flush=True)
    base_runs = [time_base_pass(engine, con, at_s) for _ in range(args.repeat)]
    every_minute = {i for i, cadence in refresh_cadences(catalog).items() if cadence <= 60}
    inline = [time_incremental(engine, con, at_s, every_minute)[0] for _ in range(args.repeat)]   # before any prepared
    ahead = [time_incremental(engine, con, at_s, every_minute, ahead=True) for _ in range(args.repeat)]
    incremental = [tick for tick, _ in ahead]
    print(json.dumps({"fused_base_pass_s": round(statistics.median(base_runs), 2),
                      "incremental_refresh_s": {"median": round(statistics.median(incremental), 2),
                                                "indicators": len(every_minute),
                                                "baselines_ahead_s": round(statistics.median(b for _, b in ahead), 2),
                                                "tick_with_baselines_inline_s": round(statistics.median(inline), 2),
                                                "note": "a minute tick's evaluation (no store) with its baselines "
                                                        "prepared ahead, as the server does; inline: computed in "
                                                        "the tick"}}),
          flush=True)
    base = [i for i in catalog.indicators if i.type not in (IndicatorType.DERIVED, IndicatorType.AQI)]
    sample = random.Random(1).sample(base, min(args.naive_sample, len(base)))
    seconds, queries = time_naive(con, sample, at_s, tz)
    total_queries = sum(len(i.levels) for i in base)
    estimate = seconds / queries * total_queries
    print(json.dumps({"naive_sample": {"indicators": len(sample), "queries": queries, "seconds": round(seconds, 2)},
                      "naive_estimated_full_s": round(estimate, 1), "naive_queries_full": total_queries,
                      "speedup_like_for_like": round(estimate / statistics.median(base_runs), 1),
                      "speedup_against_full_refresh": round(estimate / statistics.median(runs), 1),
                      "note": "naive computes base indicators only; like-for-like compares it with the fused base "
                              "pass, the other with the full refresh (baselines, derived, AQI, statuses)"}),
          flush=True)
    live_base = [i for i in base if i.id in with_inputs(every_minute, catalog)]
    live_estimate = seconds / queries * sum(len(i.levels) for i in live_base)
    print(json.dumps({"naive_estimated_live_tick_s": round(live_estimate, 1), "live_base_indicators": len(live_base),
                      "speedup_live_tick": round(live_estimate / statistics.median(incremental), 1),
                      "note": "the naive queries of the base indicators a minute tick computes, at the sample's "
                              "time per query, against the tick's evaluation (which adds baselines and statuses)"}),
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
