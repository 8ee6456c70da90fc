"""Benchmark the load test's endpoints in process: the CPU each request costs the server, one at a time.

    python bench/bench_endpoints.py --db PATH [--rounds 20] [--seed 7] [--profile ENDPOINT [--top 30]]

The city is copied to a temporary folder and prepared as bench/load_test.py prepares it (its analyst,
tokens and brief links); the server's Dash app is built on the copy in this process and asked through
Flask's test client, with the load test's own users (bench/load_people.py): ``--rounds`` analyst rounds
(map figure and side panel, cases count and grid page, catalog search and detail, orders list and
detail), one leader's phone page of an ended period's brief per round and one wall tick per round.
No background job runs (no refresh loop, simulator or prebuild: the indicators are computed once at
the start and each brief opened once before measuring, as a running server keeps them), so the
process's CPU during a request (``time.process_time``: Python and DuckDB's threads) is that request's.
Printed as JSON per endpoint: requests, CPU ms per request (median and mean) and wall ms p50/p95.
``--profile ENDPOINT`` prints cProfile's ``--top`` largest cumulative entries of that endpoint's
requests instead. Compare two commits with bench/compare_commits.py (``--script-from new`` when the
old commit lacks this script).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_map import percentiles  # noqa: E402
from bench.load_city import LINK_SECRET, prepare_city  # noqa: E402

URL = "http://localhost"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile"     # the load test's leaders' browser


class TestClientSession:
    """The part of a requests.Session the load test's users call, answered by Flask's test client."""

    def __init__(self, client, **headers):
        self.client = client
        self.headers = {"Origin": URL, **headers}

    def post(self, url: str, json=None, timeout=None, **_):
        return self.client.post(url.removeprefix(URL), json=json, headers=self.headers)

    def get(self, url: str, timeout=None, **_):
        return self.client.get(url.removeprefix(URL), headers=self.headers)


class CpuRecorder:
    """Each request's CPU and wall seconds by endpoint; a profiler around one endpoint's requests."""

    def __init__(self, profiled: str | None):
        self.cpu, self.wall, self.errors = {}, {}, {}
        self.profiler = cProfile.Profile() if profiled else None
        self.profiled = profiled

    def timed(self, endpoint: str, send):
        profiling = self.profiler is not None and endpoint == self.profiled
        cpu, wall = time.process_time(), time.perf_counter()
        if profiling:
            self.profiler.enable()
        response = send()
        if profiling:
            self.profiler.disable()
        self.cpu.setdefault(endpoint, []).append(time.process_time() - cpu)
        self.wall.setdefault(endpoint, []).append(time.perf_counter() - wall)
        if response.status_code != 200:
            self.errors[endpoint] = self.errors.get(endpoint, 0) + 1
        return response

    def figures(self) -> dict:
        return {endpoint: {"requests": len(cpus), "cpu_ms_p50": round(1000 * statistics.median(cpus), 1),
                           "cpu_ms_mean": round(1000 * statistics.fmean(cpus), 1),
                           "wall_ms": percentiles(self.wall[endpoint]), "errors": self.errors.get(endpoint, 0)}
                for endpoint, cpus in sorted(self.cpu.items())}


def built_app(copy: Path):
    """Return the server's Dash app on ``copy`` and its context, the indicators computed once, as the
    server starts."""
    import app as server
    from data import db
    from indicators.refresh import refresh

    app_context = server.context_on(db.open_store(copy), None)
    dash_app = server.create_app(app_context)
    refresh(app_context.cursor(), app_context.engine, app_context.now_s(), kind="manual")
    return dash_app, app_context


def signed_in(client, city) -> tuple:
    """Return the analyst's and the wall's sessions and the callbacks' request builder."""
    from bench.load_users import ANALYST, Callbacks

    analyst = TestClientSession(client)
    answer = client.post("/login", data={"username": ANALYST[0], "password": ANALYST[1], "next": "/map"},
                         headers={"Origin": URL})
    if answer.status_code >= 400:
        raise SystemExit(f"the analyst's sign-in was refused: {answer.status_code}")
    callbacks = Callbacks(client.get("/_dash-dependencies", headers={"Origin": URL}).get_json())
    return analyst, callbacks


def run(dash_app, city, args) -> dict:
    """Run the rounds; return the figures per endpoint."""
    from bench import load_people

    rng, rec = random.Random(args.seed), CpuRecorder(args.profile)
    analyst_client, wall_client = dash_app.server.test_client(), dash_app.server.test_client()
    analyst, callbacks = signed_in(analyst_client, city)
    wall_client.get(city.kiosk_path)
    wall, sent = TestClientSession(wall_client), {}
    phone = TestClientSession(dash_app.server.test_client(), **{"User-Agent": PHONE})
    for path in city.brief_links:                       # a running server keeps these briefs ahead
        phone.get(path)
    for _ in range(args.rounds):
        for step in (load_people.drill_map, load_people.filter_cases, load_people.browse_catalog,
                     load_people.open_order):
            step(URL, analyst, callbacks, city, rec, rng)
        path = rng.choice(city.brief_links)
        rec.timed("brief.phone", lambda: phone.get(f"{URL}{path}"))
        sent = wall_tick(wall, callbacks, rec, sent)
    if args.profile:
        text = io.StringIO()
        pstats.Stats(rec.profiler, stream=text).sort_stats("cumulative").print_stats(args.top)
        print(text.getvalue())
    return rec.figures()


def wall_tick(wall, callbacks, rec, sent: dict) -> dict:
    """Tick the wall once as its browser does; return what the server says it sent."""
    from layouts import screen as screen_view

    values = {"screen-tick.n_intervals": 1, "screen-scene.data": {"index": 0}, "screen-layer.data": None,
              "screen-viewport.data": {"w": 1100, "h": 880}, "language.data": "zh", "screen-sent.data": sent,
              "screen-config.data": screen_view.screen_config()}
    body = callbacks.body("screen-map.figure", values, "screen-tick.n_intervals")
    response = rec.timed("screen.tick", lambda: wall.post(f"{URL}/_dash-update-component", json=body))
    return (response.get_json() or {}).get("response", {}).get("screen-sent", {}).get("data", sent)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a city database; copied first")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", default=None, help="an endpoint (e.g. map.panel): print its profile")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--tmp", default=None, help="folder for the copy (default: the system's)")
    args = parser.parse_args(argv)
    os.environ["CITY_LINK_SECRET"] = LINK_SECRET
    workdir = Path(tempfile.mkdtemp(prefix="bench-endpoints-", dir=args.tmp))
    try:
        copy = workdir / Path(args.db).name
        city = prepare_city(Path(args.db), copy)
        dash_app, app_context = built_app(copy)
        try:
            figures = run(dash_app, city, args)
        finally:
            app_context.con.close()
        print(json.dumps(figures), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
