"""Load test on loopback: analysts on /map, wall screens, the daily brief and the ingest API at once.

    python bench/load_test.py --db PATH [--stages 1,2,4,8,16] [--stage-seconds 45] [--screens 4]
                              [--screen-period 10] [--ingest-rate 1] [--ingest-batch 5]
                              [--break-p95 1.0] [--break-errors 0.01] [--break-on ENDPOINTS]
                              [--warmup-seconds 10]
                              [--at TIME] [--no-simulator] [--refresh-seconds 60] [--json FILE]

The database is copied into a temporary folder and the real server (``app.py``, waitress) is
started on the copy on 127.0.0.1; the original is never opened for writing. Virtual users speak
HTTP as a browser does: they sign in through /login (analysts) or /kiosk/<display token> (wall
screens) and post Dash's callback requests to /_dash-update-component, built from the server's own
/_dash-dependencies with the values a browser sends; the feed posts JSON batches to
/api/v1/events with a bearer token.

Before the stages it waits for the server's first indicator refresh (live: the missed hourly
snapshots of the last six hours and the first live refresh; with --at: the values at that instant)
and runs an unmeasured --warmup-seconds round with one analyst (the first calls build the grid
geometry and caches). Each stage runs for --stage-seconds with N analysts (N from --stages), one reader of the daily
brief per four analysts (at least one), --screens wall screens and one feed posting
--ingest-batch new cases --ingest-rate times a second (screens and feed are the same in every
stage: walls are hardware, feeds are machines). Analysts draw the map and its side panel for a
random unit, level and indicator, then read for 0.5-2 s; brief readers open a recent day's brief
and read for 2-5 s; screens run their refresh tick every --screen-period s (the product's
default is 10 s) and change scene every 60 s, keeping what the server sent as a browser keeps it.

Per stage and endpoint it reports requests, throughput, p50/p95/p99 and errors, the server's RSS
(sampled every second from /proc) and the load average; the stage where latency breaks is the
first where a watched endpoint's p95 (--break-on, default map.figure, map.panel, screen.tick and
summary.brief) exceeds --break-p95 seconds or more than --break-errors of any endpoint's requests
fail. The run stops after that stage. At the end the copy is read to
check that every case the feed posted is in the store.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_demo import machine  # noqa: E402
from bench.load_users import (ANALYST, EVENT_PREFIX, INTERACTIVE, Callbacks, Feed, Recorder, analyst,  # noqa: E402
                              analyst_session, brief_reader, broken, endpoint_stats, ingest_feed, screen_session,
                              wall_screen)
from data import db  # noqa: E402
from tests.browser import _wait_until_up, free_port  # noqa: E402

PROBE_INDICATOR = "cases.intake.count.today"      # the feed's cases must show up in it after a refresh
REFRESH_MARKERS = ("indicators refreshed:", "indicators computed at the frozen instant")


# --- the city copy and what the users need from it -----------------------------------------

@dataclass
class City:
    """What the virtual users need: credentials and the codes they pick from."""

    kiosk_path: str
    ingest_token: str
    units: list[tuple[str, str]]            # (unit code, level shown inside it)
    probe_grid: tuple[str, float, float]    # (code, lon, lat): where the feed's cases are placed
    categories: list[str]
    days: list[str]                          # recent days for the daily brief
    tz: str


def prepare_city(source: Path, target: Path) -> City:
    """Copy the city, upgrade the copy's schema, add the bench's analyst and tokens; return what users need."""
    from access import accounts
    from data.ingest import tokens

    shutil.copy(source, target)
    con = db.open_store(target)
    try:
        accounts.add_user(con, ANALYST[0], ANALYST[2], ANALYST[1])
        _, display = tokens.create_token(con, "load-test wall", scope="display")
        _, ingest = tokens.create_token(con, "load-test feed")
        return City(kiosk_path=f"/kiosk/{display}", ingest_token=ingest, units=_drill_units(con),
                    probe_grid=_probe_grid(con), categories=_hotline_categories(con),
                    days=_recent_days(con), tz=db.get_setting(con, "city.tz", "Asia/Shanghai"))
    finally:
        con.close()


def _drill_units(con) -> list[tuple[str, str]]:
    children = {"city": "district", "district": "street", "street": "community", "community": "grid"}
    rows = con.execute("SELECT code, level FROM admin_units WHERE level IN ('city', 'district', 'street', 'community') "
                       "ORDER BY hash(code) LIMIT 400").fetchall()
    return [(code, children[level]) for code, level in rows]


def _probe_grid(con) -> tuple[str, float, float]:
    return tuple(con.execute("SELECT code, centroid_lon, centroid_lat FROM admin_units WHERE level = 'grid' "
                             "AND centroid_lon IS NOT NULL ORDER BY hash(code) LIMIT 1").fetchall()[0])


def _hotline_categories(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT code FROM event_categories WHERE code LIKE 'hotline.%' "
                                      "ORDER BY code").fetchall()]


def _recent_days(con) -> list[str]:
    until = int(db.get_setting(con, "data.until_s", str(int(time.time()))))
    return [datetime.fromtimestamp(until - d * 86400, timezone.utc).date().isoformat() for d in range(1, 8)]


# --- the server ----------------------------------------------------------------------------

@dataclass
class Server:
    """The server process on loopback, its URL and its log."""

    proc: subprocess.Popen
    url: str
    log_path: Path

    def stop(self) -> None:
        """Terminate the server and wait for it (it commits nothing half-way: batches are transactions)."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_server(db_path: Path, extra: list[str], timeout_s: float = 900) -> Server:
    """Start app.py on a free loopback port; return once it answers."""
    port = free_port()
    log_path = db_path.with_suffix(".server.log")
    proc = subprocess.Popen([sys.executable, "app.py", "--db", str(db_path), "--port", str(port), *extra],
                            cwd=ROOT, stdout=open(log_path, "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    _wait_until_up(url, proc, timeout_s, log_path)
    return Server(proc, url, log_path)


def wait_for_first_refresh(server: Server, timeout_s: float) -> float:
    """Wait until the server logs its first indicator refresh (the live loop's or the frozen instant's);
    return how long that took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        text = server.log_path.read_text(errors="replace")
        if any(marker in text for marker in REFRESH_MARKERS):
            return time.monotonic() - started
        if server.proc.poll() is not None:
            raise RuntimeError(f"the server exited:\n{text[-3000:]}")
        time.sleep(1.0)
    raise RuntimeError(f"no indicator refresh logged within {timeout_s} s")


def rss_mb(pid: int) -> tuple[float, float]:
    """Return a process's resident set size and its peak (VmHWM) in MB, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def available_mb() -> float:
    """Return the machine's available memory (MemAvailable) in MB."""
    line = next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemAvailable:"))
    return int(line.split()[1]) / 1024


class RssSampler(threading.Thread):
    """Samples the server's RSS and the machine's available memory every second, labelled with the stage."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.stage, self.samples = pid, "start", []
        self._stop = threading.Event()
        self.started_at = time.monotonic()

    def run(self) -> None:
        while not self._stop.wait(1.0):
            try:
                rss, peak = rss_mb(self.pid)
            except (FileNotFoundError, KeyError):
                return
            self.samples.append({"t_s": round(time.monotonic() - self.started_at, 1), "stage": self.stage,
                                 "rss_mb": round(rss), "peak_mb": round(peak), "available_mb": round(available_mb())})

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()


# --- stages --------------------------------------------------------------------------------

@dataclass
class Crowd:
    """Signed-in sessions, reused from stage to stage (sign-in is not what is measured)."""

    url: str
    city: City
    analysts: list = field(default_factory=list)
    screens: list = field(default_factory=list)

    def analyst_sessions(self, count: int) -> list:
        """Return ``count`` signed-in analyst sessions."""
        while len(self.analysts) < count:
            self.analysts.append(analyst_session(self.url))
        return self.analysts[:count]

    def screen_sessions(self, count: int) -> list:
        """Return ``count`` wall-screen sessions."""
        while len(self.screens) < count:
            self.screens.append(screen_session(self.url, self.city.kiosk_path))
        return self.screens[:count]


def run_mix(crowd: Crowd, callbacks: Callbacks, rec: Recorder, feed: Feed, analysts: int, seconds: float,
            args) -> None:
    """Run analysts, brief readers, screens and the feed together for ``seconds``."""
    url, city, stop = crowd.url, crowd.city, threading.Event()
    readers = crowd.analyst_sessions(analysts + max(1, analysts // 4))[analysts:]
    threads = [threading.Thread(target=analyst, args=(url, s, callbacks, city, rec, stop, i))
               for i, s in enumerate(crowd.analyst_sessions(analysts))]
    threads += [threading.Thread(target=brief_reader, args=(url, s, callbacks, city, rec, stop, 100 + i))
                for i, s in enumerate(readers)]
    threads += [threading.Thread(target=wall_screen, args=(url, s, callbacks, rec, stop, args.screen_period, 200 + i))
                for i, s in enumerate(crowd.screen_sessions(args.screens))]
    if args.ingest_rate > 0:
        threads.append(threading.Thread(target=ingest_feed, args=(url, city, rec, stop, args.ingest_rate,
                                                                  args.ingest_batch, feed)))
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join()


def run_stages(server: Server, city: City, args, sampler: RssSampler) -> tuple[list[dict], Feed, Recorder]:
    """Run the stages of increasing concurrency; stop after the first broken one."""
    crowd, rec, feed = Crowd(server.url, city), Recorder(), Feed()
    callbacks = Callbacks(crowd.analyst_sessions(1)[0].get(f"{server.url}/_dash-dependencies").json())
    if args.warmup_seconds > 0:                 # first calls build the geometry and caches: not measured
        rec.stage = sampler.stage = "warm-up"
        run_mix(crowd, callbacks, rec, feed, 1, args.warmup_seconds, args)
    stages = []
    for analysts in args.stages:
        label = f"{analysts} analysts"
        rec.stage = sampler.stage = label
        started = time.monotonic()
        run_mix(crowd, callbacks, rec, feed, analysts, args.stage_seconds, args)
        elapsed = time.monotonic() - started
        stage = stage_report(label, analysts, args, rec, sampler, elapsed)
        stages.append(stage)
        print(json.dumps(stage, ensure_ascii=False), flush=True)
        if stage["broken"]:
            break
    return stages, feed, rec


def stage_report(label: str, analysts: int, args, rec: Recorder, sampler: RssSampler, elapsed: float) -> dict:
    """Return one stage's figures."""
    stats = endpoint_stats([r for r in rec.rows if r[0] == label], elapsed)
    rss = [s["rss_mb"] for s in sampler.samples if s["stage"] == label] or [float("nan")]
    return {"stage": label, "analysts": analysts, "brief_readers": max(1, analysts // 4), "screens": args.screens,
            "ingest_rows_per_s": args.ingest_rate * args.ingest_batch, "seconds": round(elapsed, 1),
            "endpoints": stats, "server_rss_mb": {"min": min(rss), "max": max(rss)},
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "broken": broken(stats, args.break_p95, args.break_errors, tuple(args.break_on))}


def events_stored(db_path: Path) -> int:
    """Return how many of the feed's cases are in the store (read after the server stopped)."""
    con = db.open_store(db_path, read_only=True)
    try:
        return con.execute("SELECT count(*) FROM events WHERE starts_with(event_id, ?)",
                           [EVENT_PREFIX]).fetchall()[0][0]
    finally:
        con.close()


def server_args(args) -> list[str]:
    """Return the options passed on to app.py."""
    extra = ["--at", args.at] if args.at else []
    extra += ["--no-simulator"] if args.no_simulator else []
    return extra + ["--refresh-seconds", str(args.refresh_seconds)]


def load_test(args) -> dict:
    """Copy the city, start the server, run the stages; return the report."""
    workdir = Path(tempfile.mkdtemp(prefix="load-test-", dir=args.workdir))
    try:
        copy = workdir / "city.duckdb"
        city = prepare_city(Path(args.db), copy)
        server = start_server(copy, server_args(args))
        sampler = RssSampler(server.proc.pid)
        sampler.start()
        try:
            first_refresh_wait_s = wait_for_first_refresh(server, args.first_refresh_timeout)
            stages, feed, rec = run_stages(server, city, args, sampler)
        finally:
            sampler.stop()
            server.stop()
        breaking = next((s["stage"] for s in stages if s["broken"]), None)
        return {"machine": {**machine(), "load_average_end": [round(x, 2) for x in os.getloadavg()]},
                "db": str(args.db), "options": {k: v for k, v in vars(args).items() if k != "json"},
                "first_refresh_wait_s": round(first_refresh_wait_s, 1), "stages": stages, "breaks_at": breaking,
                "server_rss_peak_mb": max((s["peak_mb"] for s in sampler.samples), default=None),
                "machine_available_min_mb": min((s["available_mb"] for s in sampler.samples), default=None),
                "feed": {"posted": feed.posted, "accepted": feed.accepted, "in_store": events_stored(copy)},
                "first_errors": rec.first_errors}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def print_table(report: dict) -> None:
    """Print the per-stage, per-endpoint table."""
    print(f"\nmachine: {report['machine']}")
    print(f"{'stage':<14} {'endpoint':<15} {'req':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'err':>4} {'RSS MB':>7} load")
    for stage in report["stages"]:
        for endpoint, s in stage["endpoints"].items():
            print(f"{stage['stage']:<14} {endpoint:<15} {s['requests']:>6} {s['req_per_s']:>7} {s['p50_ms']:>8} "
                  f"{s['p95_ms']:>8} {s['p99_ms']:>8} {s['errors']:>4} {stage['server_rss_mb']['max']:>7} "
                  f"{stage['load_average'][0]}")
    print(f"latency breaks at: {report['breaks_at'] or 'no stage broke'}; "
          f"server RSS peak {report['server_rss_peak_mb']} MB; feed {report['feed']}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the load test's options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="the city to copy and serve")
    parser.add_argument("--stages", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2, 4, 8, 16],
                        help="analysts per stage, comma-separated")
    parser.add_argument("--stage-seconds", type=float, default=45)
    parser.add_argument("--screens", type=int, default=4, help="wall screens in every stage")
    parser.add_argument("--screen-period", type=float, default=10, help="seconds between a screen's ticks")
    parser.add_argument("--ingest-rate", type=float, default=1.0, help="API requests per second (0: no feed)")
    parser.add_argument("--ingest-batch", type=int, default=5, help="cases per API request")
    parser.add_argument("--break-p95", type=float, default=1.0, help="seconds: an interactive p95 above breaks")
    parser.add_argument("--break-on", type=lambda s: s.split(","), default=list(INTERACTIVE),
                        help="endpoints whose p95 is watched, comma-separated (default: the interactive ones)")
    parser.add_argument("--break-errors", type=float, default=0.01, help="share of failed requests that breaks")
    parser.add_argument("--at", default=None, help="freeze the server's clock at this instant (default: live)")
    parser.add_argument("--no-simulator", action="store_true", help="pass --no-simulator to the server")
    parser.add_argument("--refresh-seconds", type=float, default=60, help="the server's indicator cadence")
    parser.add_argument("--warmup-seconds", type=float, default=10, help="an unmeasured first round, one analyst")
    parser.add_argument("--first-refresh-timeout", type=float, default=900,
                        help="seconds to wait for the server's first indicator refresh before the stages")
    parser.add_argument("--workdir", default=None, help="folder for the copy (default: the system's temp)")
    parser.add_argument("--json", default=None, help="also write the report to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = load_test(args)
    print_table(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
