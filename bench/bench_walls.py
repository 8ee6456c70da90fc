"""Benchmark walls ticking together while a feed writes: the server's time and CPU for the walls.

    python bench/bench_walls.py --db PATH [--walls 4] [--seconds 20] [--feed-per-s 2] [--scenes 1]
    python bench/bench_walls.py --db PATH --computations 40

The database is copied to a temporary folder first. In this process, with the live clock (as a
server runs), ``--walls`` threads call the screen's refresh callback every second as the walls'
browsers do (each keeps what it was sent, the walls' phases spread over the second), ``--scenes``
distinct scenes among them, while a feed thread inserts one hotline case ``--feed-per-s`` times a
second and bumps the events' data version in the same transaction, as ingestion does. Printed as
JSON: the ticks' p50/p95/max in ms, the ticks per second answered, the process's CPU seconds per
second (the feed's inserts included: they are the same on every commit) and the screen cache's
values computed per second. Walls in one process measure what the walls cost the server without
the HTTP layer and without the other users; compare two commits with bench/compare_commits.py
(``--script-from new`` when the old commit lacks this script).

``--computations N`` measures the answer alone: a case is inserted, then the walls' shared answer
of the first scene is computed (what the wall whose tick comes first in a second pays), N times;
printed: its p50/p95/p99 in ms and the CPU ms per computation.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_map import percentiles  # noqa: E402


def feed(app_context, stop: threading.Event, per_s: float, counter: list) -> None:
    """Insert a hotline case (received a second ago) every 1/per_s seconds, bumping the events' version."""
    while not stop.wait(1.0 / per_s):
        _insert_case(app_context, f"bench-walls-{len(counter)}")
        counter.append(1)


def _insert_case(app_context, event_id: str) -> None:
    """Insert a hotline case received a second ago and bump the events' version, as ingestion does."""
    from data import versions
    from data.clock import utc
    from data.db import transaction

    received_s = int(time.time()) - 1
    with transaction(app_context.cursor()) as con:
        con.execute(
            "INSERT INTO events (source, event_id, category_code, grid_code, received_at, status, handling_level, "
            "updated_at) SELECT 'hotline_12345', ?, category_code, grid_code, ?, 'received', 1, ? FROM events "
            "WHERE source = 'hotline_12345' LIMIT 1", [event_id, utc(received_s), utc(received_s)])
        versions.bump(con, "events", earliest_s=received_s)


def wall(index: int, scenes: int, stop: threading.Event, period_s: float, timings: list) -> None:
    """Tick every ``period_s`` as a wall's browser does, keeping what the server sent."""
    from callbacks.screen import refresh_screen
    from layouts import screen as view

    config, size, sent, tick = view.screen_config(), {"w": 1100, "h": 880}, {}, 0
    stop.wait(period_s * index / max(1, scenes * 4))            # walls were not switched on in the same instant
    while not stop.is_set():
        started = time.perf_counter()
        *_, sent = refresh_screen(tick, {"index": index % scenes}, None, size, "zh", sent, config)
        timings.append(time.perf_counter() - started)
        tick += 1
        stop.wait(max(0.0, period_s - (time.perf_counter() - started)))


def run(app_context, args) -> dict:
    """Run the walls and the feed for ``args.seconds``; return the figures."""
    from callbacks.screen import screen_cache

    stop, timings, cases = threading.Event(), [], []
    for index in range(args.scenes):                             # the first answer of each scene (geometry) apart
        _first_tick(index)
    computed, cpu, started = screen_cache().computed, time.process_time(), time.perf_counter()
    threads = [threading.Thread(target=wall, args=(i, args.scenes, stop, 1.0, timings)) for i in range(args.walls)]
    threads.append(threading.Thread(target=feed, args=(app_context, stop, args.feed_per_s, cases)))
    for thread in threads:
        thread.start()
    time.sleep(args.seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"walls": args.walls, "scenes": args.scenes, "seconds": round(elapsed, 1), "cases": len(cases),
            "tick": percentiles(timings), "ticks_per_s": round(len(timings) / elapsed, 2),
            "cpu_s_per_s": round((time.process_time() - cpu) / elapsed, 3),
            "values_computed_per_s": round((screen_cache().computed - computed) / elapsed, 1)}


def computations(app_context, count: int) -> dict:
    """Return the time and CPU of the walls' shared answer computed after each of ``count`` feed writes:
    what the one wall whose tick comes first in a second pays (the others wait for its answer)."""
    from callbacks import screen
    from layouts import screen as view

    _first_tick(0)
    size, walls, cpus = {"w": 1100, "h": 880}, [], []
    for n in range(count):
        _insert_case(app_context, f"bench-walls-computed-{n}")
        con, now_s = app_context.cursor(), app_context.now_s()
        wall, cpu = time.perf_counter(), time.process_time()
        screen.render(con, screen.screen_cache().snapshot(con, now_s), now_s, app_context.tz, view.SCENES[0], False, "zh",
                      screen.layer_of(view.SCENES[0], None), size)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {"computed": percentiles(walls), "cpu_ms_per_computation": round(1000 * sum(cpus) / len(cpus), 1)}


def _first_tick(scene: int) -> None:
    from callbacks.screen import refresh_screen
    from layouts import screen as view

    refresh_screen(0, {"index": scene}, None, {"w": 1100, "h": 880}, "zh", {}, view.screen_config())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a city database; copied first")
    parser.add_argument("--walls", type=int, default=4)
    parser.add_argument("--scenes", type=int, default=1, help="distinct scenes among the walls")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--feed-per-s", type=float, default=2, help="cases inserted per second (0.1 at least)")
    parser.add_argument("--computations", type=int, default=0,
                        help="instead: compute the shared answer after each of N feed writes, one after the other")
    parser.add_argument("--tmp", default=None, help="folder for the copy (default: the system's)")
    args = parser.parse_args(argv)
    args.feed_per_s = max(0.1, args.feed_per_s)
    with installed_copy(args.db, args.tmp, "bench-walls-") as app_context:
        figures = (computations(app_context, args.computations) if args.computations else run(app_context, args))
        print(json.dumps(figures), flush=True)
    return 0


@contextmanager
def installed_copy(db_path: str, tmp: str | None, prefix: str):
    """Copy the city into a temporary folder, install a server's AppContext on the copy (the catalog of its
    store) and yield it; close and remove the copy at the end. The in-process benches share it."""
    from callbacks import context
    from data import db
    from indicators.city_catalog import catalog_for_store

    workdir = Path(tempfile.mkdtemp(prefix=prefix, dir=tmp))
    try:
        copy = workdir / Path(db_path).name
        shutil.copy(db_path, copy)
        con = db.open_store(copy)
        tz = db.get_setting(con, "city.tz", "Asia/Shanghai")
        context.install(context.AppContext(con=con, tz=tz, city_name_zh="", city_name_en="",
                                           catalog=catalog_for_store(con)))
        try:
            yield context.current()
        finally:
            con.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
