"""The whole product at one city's scale: the live server refreshing its catalog while wall screens,
analysts, leaders reading briefs and the case and camera feeds use it.

    flock /tmp/heavy-bench.lock python bench/scale_run.py --db var/zhenjiang.duckdb
        [--seconds 300] [--analysts 2] [--screens 4] [--screen-period 10] [--ingest-rate 1]
        [--ingest-batch 5] [--memory-limit 8GB] [--threads 2] [--no-simulator] [--json FILE]

The city is copied (the original is never opened for writing) and served live by ``app.py`` on
127.0.0.1 with DuckDB's memory limit and threads given here (passed as $CITY_DB_MEMORY_LIMIT and
$CITY_DB_THREADS). The server catches the demo city up to now with its simulator (unless
--no-simulator), starts serving, and its scheduler takes the missing hourly snapshots of the last
six hours and the first live refresh. Once that first refresh is logged, the mix of
bench/load_test.py runs for --seconds (bench/load_people.py, bench/load_feed.py): analysts drilling the
map, filtering cases, searching the catalog and opening orders, leaders (one per three analysts, at
least one) opening ended periods' briefs, wall screens, the camera feed and the case feed posting new
hotline cases into one probe grid.

Reported: the time until the server answered and until its first refresh; every refresh the
server ran during the run (from the store's ``indicator_runs`` and the server's log), so refreshes
running back to back show; the server's RSS (every second) and peak, and the size of DuckDB's
spill folder (``<db>.tmp``, non-empty when the memory limit forced spilling); per-endpoint
latencies; and that the feed's cases reached the indicators: the probe grid's
``cases.intake.count.today`` after the last live refresh, against a count of the store's cases in
that grid received that local day up to that refresh's instant, and how many of them the feed sent.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import load_city, load_server  # noqa: E402
from bench import load_test as lt  # noqa: E402
from bench import load_users as lu  # noqa: E402
from bench.load_feed import EVENT_PREFIX  # noqa: E402
from bench.bench_demo import machine  # noqa: E402
from data import db  # noqa: E402

PROBE_INDICATOR = "cases.intake.count.today"      # the feed's cases must show up in it after a refresh
REFRESH_LOG = re.compile(r"^(\S+ \S+) INFO indicators\.scheduler: indicators refreshed: (\d+) values of (\d+) "
                         r"indicators in ([\d.]+) s \((\d+) snapshots\)")


class SpillSampler(threading.Thread):
    """Samples the size of DuckDB's spill folder every few seconds."""

    def __init__(self, folder: Path, every_s: float = 5.0):
        super().__init__(daemon=True)
        self.folder, self.every_s, self.peak_mb = folder, every_s, 0.0
        self._stop = threading.Event()

    def run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.peak_mb = max(self.peak_mb, folder_mb(self.folder))

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()


def folder_mb(folder: Path) -> float:
    """Return the total size of the files in a folder, in MB (0 when it does not exist)."""
    if not folder.is_dir():
        return 0.0
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def server_env(args) -> dict:
    """Return the server's environment with DuckDB's memory limit and threads."""
    return {"CITY_DB_MEMORY_LIMIT": args.memory_limit, "CITY_DB_THREADS": str(args.threads)}


def logged_refreshes(log_path: Path) -> list[dict]:
    """Return the scheduler's refresh ticks as the server logged them."""
    ticks = []
    for line in log_path.read_text(errors="replace").splitlines():
        match = REFRESH_LOG.match(line)
        if match:
            ticks.append({"logged_at": match[1], "values": int(match[2]), "indicators": int(match[3]),
                          "live_seconds": float(match[4]), "snapshots": int(match[5])})
    return ticks


def refresh_runs(con, since: datetime) -> list[dict]:
    """Return the refresh runs the store recorded since ``since``, oldest first."""
    rows = con.execute("SELECT kind, as_of, started_at, seconds, indicators, \"values\" FROM indicator_runs "
                       "WHERE started_at >= ? ORDER BY started_at", [since]).fetchall()
    return [{"kind": k, "as_of": a.isoformat(), "started_at": s.isoformat(), "seconds": round(sec, 1),
             "indicators": n, "values": v} for k, a, s, sec, n, v in rows]


def probe_check(con, city: load_city.City) -> dict:
    """Compare the probe grid's today count after the last live refresh with the store's own count."""
    from data.clock import local_midnight_s

    grid = city.probe_grid[0]
    row = con.execute("SELECT value, as_of FROM indicator_latest WHERE indicator_id = ? AND unit_code = ?",
                      [PROBE_INDICATOR, grid]).fetchall()
    if not row:
        return {"grid": grid, "indicator_value": None}
    value, as_of = row[0]
    midnight = datetime.fromtimestamp(local_midnight_s(int(as_of.timestamp()), city.tz), timezone.utc)
    counted, from_feed = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE starts_with(event_id, ?)) FROM events "
        "WHERE grid_code = ? AND received_at >= ? AND received_at <= ?",
        [EVENT_PREFIX, grid, midnight, as_of]).fetchall()[0]
    return {"grid": grid, "indicator": PROBE_INDICATOR, "as_of": as_of.isoformat(), "indicator_value": value,
            "store_count": counted, "of_which_from_feed": from_feed, "match": value == counted and from_feed > 0}


def after_run(copy: Path, city: load_city.City, since: datetime) -> dict:
    """Read the stopped server's store: refresh runs, the feed's cases and the probe check."""
    con = db.open_store(copy, read_only=True)
    try:
        stored = con.execute("SELECT count(*) FROM events WHERE starts_with(event_id, ?)",
                             [EVENT_PREFIX]).fetchall()[0][0]
        return {"refresh_runs": refresh_runs(con, since), "feed_cases_in_store": stored,
                "probe": probe_check(con, city)}
    finally:
        con.close()


def mix_args(args) -> argparse.Namespace:
    """Return the options load_test's mix reads."""
    return argparse.Namespace(screens=args.screens, screen_period=args.screen_period, ingest_rate=args.ingest_rate,
                              ingest_batch=args.ingest_batch, leaders_per_analyst=1 / 3, alarm_rate=1.0, alarm_batch=2)


def serve_and_load(copy: Path, city: load_city.City, args) -> dict:
    """Start the server, wait for its first refresh, run the mix; return the timings and figures."""
    os.environ.update(server_env(args))          # the server inherits them
    started = time.monotonic()
    server = load_server.start_server(copy, ["--refresh-seconds", str(args.refresh_seconds),
                                             *(["--no-simulator"] if args.no_simulator else [])],
                                     {"CITY_LINK_SECRET": load_city.LINK_SECRET})
    serving_s = time.monotonic() - started
    sampler, spill = load_server.RssSampler(server.proc.pid), SpillSampler(Path(f"{copy}.tmp"))
    sampler.start()
    spill.start()
    try:
        first_refresh_s = first_refresh_after(server, args.first_refresh_timeout, serving_s)
        crowd, rec, feed = lt.Crowd(server.url, city), lu.Recorder(stage="load"), lt.Feeds()
        callbacks = lu.Callbacks(crowd.analyst_sessions(1)[0].get(f"{server.url}/_dash-dependencies").json())
        sampler.stage = "load"
        load_started = time.monotonic()
        lt.run_mix(crowd, callbacks, rec, feed, args.analysts, args.seconds, mix_args(args))
        load_s = time.monotonic() - load_started
        load_average = [round(x, 2) for x in os.getloadavg()]
    finally:
        sampler.stop()
        spill.stop()
        server.stop()
    return {"serving_after_s": round(serving_s, 1),
            "first_refresh_after_s": None if first_refresh_s is None else round(first_refresh_s, 1),
            "load_seconds": round(load_s, 1), "load_average_end_of_load": load_average,
            "endpoints": lu.endpoint_stats(rec.rows, load_s), "first_errors": rec.first_errors,
            "feed": {"posted": feed.cases.posted, "accepted": feed.cases.accepted},
            "alarms": {"posted": feed.alarms.posted, "accepted": feed.alarms.accepted},
            "server_rss_mb": rss_summary(sampler.samples), "spill_peak_mb": round(spill.peak_mb, 1),
            "logged_refreshes": logged_refreshes(server.log_path),
            "server_log_tail": server.log_path.read_text(errors="replace").splitlines()[-5:]}


def first_refresh_after(server: load_server.Server, timeout_s: float, serving_s: float) -> float | None:
    """Return seconds from start to the first logged refresh; None when it took longer than ``timeout_s``
    (the load then starts anyway, over the unfinished first refresh, and the report says so)."""
    try:
        return serving_s + load_server.wait_for_first_refresh(server, timeout_s)
    except RuntimeError:
        if server.proc.poll() is not None:
            raise
        return None


def rss_summary(samples: list[dict]) -> dict:
    """Return the RSS peak, the RSS during the first refresh and during the load, in MB."""
    by_stage = lambda stage: [s["rss_mb"] for s in samples if s["stage"] == stage] or [None]  # noqa: E731
    return {"peak_vmhwm": max((s["peak_mb"] for s in samples), default=None),
            "max_before_load": max(by_stage("start"), key=lambda v: v or 0),
            "max_during_load": max(by_stage("load"), key=lambda v: v or 0),
            "machine_available_min_mb": min((s["available_mb"] for s in samples), default=None),
            "timeline": samples[:: max(1, len(samples) // 60)]}


def scale_run(args) -> dict:
    """Copy the city, serve it under load, read the store afterwards; return the report."""
    workdir = lt.make_workdir(args.workdir)
    try:
        copy = workdir / "city.duckdb"
        copied = time.monotonic()
        city = load_city.prepare_city(Path(args.db), copy)
        prepare_s = time.monotonic() - copied
        since = datetime.now(timezone.utc)
        run = serve_and_load(copy, city, args)
        stored = after_run(copy, city, since)
        return {"machine": machine(), "db": str(args.db), "options": vars(args),
                "duckdb": server_env(args), "copy_and_prepare_s": round(prepare_s, 1), **run, **stored}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def print_summary(report: dict) -> None:
    """Print the figures a reader looks for first."""
    print(f"\nmachine: {report['machine']}; DuckDB {report['duckdb']}")
    print(f"serving after {report['serving_after_s']} s, "
          f"first refresh logged after {report['first_refresh_after_s']} s")
    for run in report["refresh_runs"]:
        print(f"  refresh {run['kind']:<8} as of {run['as_of']} started {run['started_at']} {run['seconds']:>6} s "
              f"{run['indicators']} indicators {run['values']:,} values")
    for endpoint, s in report["endpoints"].items():
        print(f"  {endpoint:<15} {s['requests']:>6} req {s['req_per_s']:>6}/s p50 {s['p50_ms']} p95 {s['p95_ms']} "
              f"p99 {s['p99_ms']} ms, {s['errors']} errors")
    print(f"RSS {report['server_rss_mb']['peak_vmhwm']} MB peak; spill {report['spill_peak_mb']} MB; "
          f"load average {report['load_average_end_of_load']}; feed {report['feed']} "
          f"in store {report['feed_cases_in_store']}; probe {report['probe']}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the run's options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="the city to copy and serve (e.g. var/zhenjiang.duckdb)")
    parser.add_argument("--seconds", type=float, default=300, help="how long the load runs after the first refresh")
    parser.add_argument("--analysts", type=int, default=2)
    parser.add_argument("--screens", type=int, default=4)
    parser.add_argument("--screen-period", type=float, default=10)
    parser.add_argument("--ingest-rate", type=float, default=1.0, help="API requests per second")
    parser.add_argument("--ingest-batch", type=int, default=5, help="cases per API request")
    parser.add_argument("--refresh-seconds", type=float, default=60, help="the server's indicator cadence")
    parser.add_argument("--memory-limit", default=db.DEFAULT_MEMORY_LIMIT, help="DuckDB's memory limit")
    parser.add_argument("--threads", type=int, default=db.DEFAULT_THREADS, help="DuckDB's threads")
    parser.add_argument("--no-simulator", action="store_true", help="do not run the demo city's live simulator")
    parser.add_argument("--first-refresh-timeout", type=float, default=600)
    parser.add_argument("--workdir", default=None, help="folder for the copy (default: the system's temp)")
    parser.add_argument("--json", default=None, help="also write the report to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = scale_run(args)
    print_summary(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
