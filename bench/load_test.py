"""Load test on loopback: a command centre's day on one server, in stages of more and more analysts.

    python bench/load_test.py --db PATH [--stages 2,4,8,16,32] [--stage-seconds 30] [--screens 4]
                              [--screen-period 1] [--leaders-per-analyst 0.34] [--ingest-rate 2]
                              [--ingest-batch 5] [--alarm-rate 1] [--alarm-batch 2] [--break-p95 1.0]
                              [--break-tick-p95 0.3] [--break-errors 0.01] [--break-on ENDPOINTS]
                              [--warmup-seconds 10] [--at TIME] [--no-simulator] [--refresh-seconds 60]
                              [--backfill-hours 0] [--keep-going] [--workdir DIR] [--json FILE]
                              [--profile FILE]

The database is copied into a temporary folder (under --workdir, created if missing) and the real
server (``app.py``, waitress) is started on the copy on 127.0.0.1, live (the indicator refresh, the
alert evaluation and the simulator run as in production) unless --at freezes its clock; the original
is never opened for writing. The users (bench/load_people.py, bench/load_feed.py) speak HTTP as a
browser or a feed does: analysts sign in through /login and drill the map, filter the cases, search
the catalog and open a work order; leaders open the phone page of an ended period's brief through a
signed link; walls open /kiosk/<display token> and tick every --screen-period seconds; the case feed
posts --ingest-batch cases --ingest-rate times a second and the camera feed --alarm-batch alarm
reports --alarm-rate times a second (each feed waits for its answer, as a feed's client does, so a
slow server lowers the rate it gets: the stage reports what was posted). A stage has N analysts (N
from --stages), ceil(N × --leaders-per-analyst) leaders (30 analysts → 10), the walls and both
feeds. Before the stages, an unmeasured warm-up (--warmup-seconds) opens each leader's brief once, as
a running server keeps them ahead, then runs one analyst's mix.

Per stage and endpoint it reports requests, throughput, p50/p95/p99 and errors; the server's RSS and
the load average; the server's CPU per thread group and section from its log (the share of the
refresh, the alert evaluation and briefs built on request; data/thread_cpu.py); the refreshes and
any minute tick skipped (the server starts with --backfill-hours, default 0: no hourly snapshots
taken before the live refresh). A stage breaks when an interactive endpoint's p95 (--break-on)
passes --break-p95 s, the wall tick's passes --break-tick-p95 s, or more than --break-errors of an
endpoint's requests fail; the run stops after that stage unless --keep-going. --profile FILE samples
the server's stacks during the stages (bench/load_sampler.py). At the end the copy is read to count
the posted cases and alarm reports that were stored.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_demo import machine  # noqa: E402
from bench.load_city import LINK_SECRET, City, feeds_stored, prepare_city  # noqa: E402
from bench.load_feed import Feed, alarm_feed, case_feed  # noqa: E402
from bench.load_people import analyst, leader, open_briefs_once, wall_screen  # noqa: E402
from bench.load_server import RssSampler, Server, stage_log_figures, start_server, wait_for_first_refresh  # noqa: E402
from bench.load_users import (INTERACTIVE, WALL_TICK, Callbacks, Recorder, analyst_session, broken,  # noqa: E402
                              endpoint_stats, screen_session)


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


@dataclass
class Feeds:
    """The two feeds' counters, over the whole run."""

    cases: Feed = field(default_factory=Feed)
    alarms: Feed = field(default_factory=Feed)


def leaders_for(analysts: int, per_analyst: float) -> int:
    """Return the leaders of a stage: a share of its analysts, at least one."""
    return max(1, math.ceil(analysts * per_analyst - 1e-9))


def run_mix(crowd: Crowd, callbacks: Callbacks, rec: Recorder, feeds: Feeds, analysts: int, seconds: float,
            args) -> None:
    """Run analysts, leaders, walls and both feeds together for ``seconds``."""
    url, city, stop = crowd.url, crowd.city, threading.Event()
    threads = [threading.Thread(target=analyst, args=(url, s, callbacks, city, rec, stop, i))
               for i, s in enumerate(crowd.analyst_sessions(analysts))]
    threads += [threading.Thread(target=leader, args=(url, city, rec, stop, 100 + i))
                for i in range(leaders_for(analysts, args.leaders_per_analyst))]
    threads += [threading.Thread(target=wall_screen, args=(url, s, callbacks, rec, stop, args.screen_period, 200 + i))
                for i, s in enumerate(crowd.screen_sessions(args.screens))]
    if args.ingest_rate > 0:
        threads.append(threading.Thread(target=case_feed, args=(url, city, rec, stop, args.ingest_rate,
                                                                args.ingest_batch, feeds.cases)))
    if args.alarm_rate > 0 and city.cameras and city.alarm_types:
        threads.append(threading.Thread(target=alarm_feed, args=(url, city, rec, stop, args.alarm_rate,
                                                                 args.alarm_batch, feeds.alarms)))
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join()


def run_stages(server: Server, city: City, args, sampler: RssSampler) -> tuple[list[dict], Feeds, Recorder]:
    """Run the stages of increasing concurrency; stop after the first broken one."""
    crowd, rec, feeds = Crowd(server.url, city), Recorder(), Feeds()
    crowd.analyst_sessions(max(args.stages))     # everyone signs in before the stages: not what is measured
    crowd.screen_sessions(args.screens)
    callbacks = Callbacks(crowd.analyst_sessions(1)[0].get(f"{server.url}/_dash-dependencies").json())
    if args.warmup_seconds > 0:                 # first calls build the geometry and caches: not measured
        rec.stage = sampler.stage = "warm-up"
        print(f"warm-up: the leaders' {len(city.brief_links)} briefs opened once in "
              f"{open_briefs_once(server.url, city):.1f} s", file=sys.stderr, flush=True)
        run_mix(crowd, callbacks, rec, feeds, 1, args.warmup_seconds, args)
    stages = []
    counting = Path(args.profile).with_suffix(".counting") if args.profile else None
    if counting:                                # bench/load_sampler.py counts the stages' samples only
        counting.touch()
    try:
        for analysts in args.stages:
            stage = run_stage(server, crowd, callbacks, rec, feeds, sampler, analysts, args)
            stages.append(stage)
            print(json.dumps(stage, ensure_ascii=False), flush=True)
            if stage["broken"] and not args.keep_going:
                break
    finally:
        if counting:
            counting.unlink(missing_ok=True)
    return stages, feeds, rec


def run_stage(server: Server, crowd: Crowd, callbacks: Callbacks, rec: Recorder, feeds: Feeds,
              sampler: RssSampler, analysts: int, args) -> dict:
    """Run one stage of ``analysts``; return its report."""
    label = f"{analysts} analysts"
    rec.stage = sampler.stage = label
    started, log_from = time.monotonic(), server.log_size()
    posted_before, bench_cpu = (feeds.cases.posted, feeds.alarms.posted), time.process_time()
    run_mix(crowd, callbacks, rec, feeds, analysts, args.stage_seconds, args)
    elapsed = time.monotonic() - started
    report = stage_report(label, analysts, args, rec, sampler, elapsed,
                          stage_log_figures(server.log_between(log_from, server.log_size())))
    report["posted_per_s"] = {"cases": round((feeds.cases.posted - posted_before[0]) / elapsed, 2),
                              "alarms": round((feeds.alarms.posted - posted_before[1]) / elapsed, 2)}
    report["bench_cores_used"] = round((time.process_time() - bench_cpu) / elapsed, 2)   # the users share the cores
    return report


def stage_report(label: str, analysts: int, args, rec: Recorder, sampler: RssSampler, elapsed: float,
                 server_log: dict) -> dict:
    """Return one stage's figures."""
    stats = endpoint_stats([r for r in rec.rows if r[0] == label], elapsed)
    samples = [s for s in sampler.samples if s["stage"] == label]
    rss = [s["rss_mb"] for s in samples] or [float("nan")]
    loads = [s["load_1m"] for s in samples] or [float("nan")]
    return {"stage": label, "analysts": analysts, "leaders": leaders_for(analysts, args.leaders_per_analyst),
            "screens": args.screens, "cases_per_s": args.ingest_rate * args.ingest_batch,
            "alarms_per_s": args.alarm_rate * args.alarm_batch, "seconds": round(elapsed, 1),
            "endpoints": stats, "server_rss_mb": {"min": min(rss), "max": max(rss)},
            "load_1m": {"min": min(loads), "max": max(loads)}, "server": server_log,
            "broken": broken(stats, args.break_p95, args.break_tick_p95, args.break_errors, tuple(args.break_on))}


def server_args(args) -> list[str]:
    """Return the options passed on to app.py."""
    extra = ["--at", args.at] if args.at else []
    extra += ["--no-simulator"] if args.no_simulator else []
    extra += ["--workers", str(args.workers)] if args.workers is not None else []
    return extra + ["--refresh-seconds", str(args.refresh_seconds), "--backfill-hours", str(args.backfill_hours)]


def make_workdir(folder: str | None) -> Path:
    """Return a new temporary folder under ``folder`` (created when missing; the system's temp when None)."""
    if folder is not None:
        try:
            Path(folder).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SystemExit(f"error: --workdir {folder}: cannot create the folder ({exc.strerror or exc})") from None
    return Path(tempfile.mkdtemp(prefix="load-test-", dir=folder))


def load_test(args) -> dict:
    """Copy the city, start the server, run the stages; return the report."""
    workdir = make_workdir(args.workdir)
    try:
        copy = workdir / "city.duckdb"
        city = prepare_city(Path(args.db), copy, args.at)
        server = start_server(copy, server_args(args), {"CITY_LINK_SECRET": LINK_SECRET},
                              profile=Path(args.profile).resolve() if args.profile else None)
        sampler = RssSampler(server.proc.pid)
        sampler.start()
        try:
            first_refresh_wait_s = wait_for_first_refresh(server, args.first_refresh_timeout)
            stages, feeds, rec = run_stages(server, city, args, sampler)
        finally:
            sampler.stop()
            server.stop()
        stored = feeds_stored(copy)
        return {"machine": {**machine(), "load_average_end": [round(x, 2) for x in os.getloadavg()]},
                "db": str(args.db), "options": {k: v for k, v in vars(args).items() if k != "json"},
                "first_refresh_wait_s": round(first_refresh_wait_s, 1), "stages": stages,
                "breaks_at": next((s["stage"] for s in stages if s["broken"]), None),
                "server_rss_peak_mb": max((s["peak_mb"] for s in sampler.samples), default=None),
                "machine_available_min_mb": min((s["available_mb"] for s in sampler.samples), default=None),
                "feed": {"posted": feeds.cases.posted, "accepted": feeds.cases.accepted, "in_store": stored["cases"]},
                "alarms": {"posted": feeds.alarms.posted, "accepted": feeds.alarms.accepted,
                           "in_store": stored["alarms"]},
                "first_errors": rec.first_errors}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def print_table(report: dict) -> None:
    """Print the per-stage, per-endpoint table, then each stage's server figures."""
    print(f"\nmachine: {report['machine']}")
    print(f"{'stage':<13} {'endpoint':<15} {'req':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'err':>4}")
    for stage in report["stages"]:
        for endpoint, s in stage["endpoints"].items():
            print(f"{stage['stage']:<13} {endpoint:<15} {s['requests']:>6} {s['req_per_s']:>7} {s['p50_ms']:>8} "
                  f"{s['p95_ms']:>8} {s['p99_ms']:>8} {s['errors']:>4}")
    for stage in report["stages"]:
        server, cpu = stage["server"], stage["server"]["cpu"] or {}
        print(f"{stage['stage']} ({stage['seconds']} s): RSS {stage['server_rss_mb']['max']} MB, "
              f"load {stage['load_1m']}, bench cores {stage['bench_cores_used']}, posted/s {stage['posted_per_s']}, "
              f"refreshes {server['refresh_s']} s, ticks skipped {server['ticks_skipped']}, "
              f"cores used {cpu.get('cores_used')} by {cpu.get('processes')} processes, background share {cpu.get('background_share')}, "
              f"threads {cpu.get('thread_share')}, sections {cpu.get('section_share')}; broken: {stage['broken']}")
    print(f"latency breaks at: {report['breaks_at'] or 'no stage broke'}; server RSS peak "
          f"{report['server_rss_peak_mb']} MB; cases {report['feed']}; alarms {report['alarms']}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the load test's options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="the city to copy and serve")
    parser.add_argument("--stages", type=lambda s: [int(x) for x in s.split(",")], default=[2, 4, 8, 16, 32],
                        help="analysts per stage, comma-separated")
    parser.add_argument("--stage-seconds", type=float, default=30)
    parser.add_argument("--screens", type=int, default=4, help="wall screens in every stage")
    parser.add_argument("--screen-period", type=float, default=1, help="seconds between a wall's ticks")
    parser.add_argument("--leaders-per-analyst", type=float, default=1 / 3,
                        help="leaders reading briefs per analyst (rounded up, at least one)")
    parser.add_argument("--ingest-rate", type=float, default=2.0, help="case batches per second (0: no case feed)")
    parser.add_argument("--ingest-batch", type=int, default=5, help="cases per batch")
    parser.add_argument("--alarm-rate", type=float, default=1.0, help="alarm batches per second (0: no camera feed)")
    parser.add_argument("--alarm-batch", type=int, default=2, help="alarm reports per batch")
    parser.add_argument("--break-p95", type=float, default=1.0, help="seconds: an interactive p95 above breaks")
    parser.add_argument("--break-tick-p95", type=float, default=0.3, help="seconds: a wall tick p95 above breaks")
    parser.add_argument("--break-on", type=lambda s: s.split(","), default=[*INTERACTIVE, WALL_TICK],
                        help="endpoints whose p95 is watched, comma-separated (default: the interactive ones and "
                             "the wall tick)")
    parser.add_argument("--break-errors", type=float, default=0.01, help="share of failed requests that breaks")
    parser.add_argument("--at", default=None, help="freeze the server's clock at this instant (default: live)")
    parser.add_argument("--no-simulator", action="store_true", help="pass --no-simulator to the server")
    parser.add_argument("--workers", type=int, default=None,
                        help="the server's worker processes (default: app.py's own, $CITY_WORKERS or 2; 0: one process)")
    parser.add_argument("--refresh-seconds", type=float, default=60, help="the server's indicator cadence")
    parser.add_argument("--backfill-hours", type=int, default=0,
                        help="the server's hourly snapshots taken at start (0: straight to the live refresh)")
    parser.add_argument("--keep-going", action="store_true", help="run every stage, also after a broken one")
    parser.add_argument("--warmup-seconds", type=float, default=10, help="an unmeasured first round, one analyst")
    parser.add_argument("--first-refresh-timeout", type=float, default=900,
                        help="seconds to wait for the server's first indicator refresh before the stages")
    parser.add_argument("--workdir", default=None, help="folder for the copy, created when missing (default: the "
                                                        "system's temp)")
    parser.add_argument("--json", default=None, help="also write the report to this file")
    parser.add_argument("--profile", default=None, help="sample the server's stacks during the stages into this "
                                                        "JSON file (bench/load_sampler.py; --show prints it)")
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
