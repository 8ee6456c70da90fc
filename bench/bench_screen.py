"""Benchmark the wall screen: server time of its refresh callback and the page's compressed payload.

    python bench/bench_screen.py --db PATH [--db PATH ...] [--at TIME] [--runs 40] [--refresh]

Each database is copied to a temporary folder first (the original is never opened for writing).
With --refresh the copy gets its indicators computed at the instant first (cli.py refresh), as the
server does at start; alerts are then evaluated on them.

Refresh time: ``refresh_screen`` called in-process, as the server calls it, for a steady tick (nothing
changed: the data version probe finds the snapshot in memory, every panel and map part is skipped),
for a scene change (a map Patch and the changed panels; after the first round, from memory) and
for a tick after new data (one hotline case inserted into the copy before each timed tick, so the
store is read again), p50 and p95 over the runs; for the tick after new data the process's CPU time
too (the DuckDB threads' included), which says what the tick costs when the machine is shared.
Payload: what a browser downloads for /screen, gzip-compressed as the server sends it: the page,
Dash's layout and dependency answers and the first refresh answer (which carries the grid
geometry); Dash's and plotly's scripts are reported apart (they are the same for every page and
cached).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0..100) of the values, by nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


def compute_indicators(con, tz: str, at_s: int) -> None:
    """Compute every indicator at the instant, then evaluate the alerts on them (as the server does at start)."""
    from indicators.alerting import listener
    from indicators.city_catalog import catalog_for_store
    from indicators.engine import Engine
    from indicators.refresh import refresh

    started = time.perf_counter()
    summary = refresh(con.cursor(), Engine(catalog_for_store(con), tz), at_s, kind="manual")
    listener.on_refresh(con.cursor(), summary)
    print(f"  indicators and alerts computed in {time.perf_counter() - started:.1f} s", flush=True)


def time_refresh(app_context, runs: int) -> dict:
    """Return p50/p95 of the refresh callback: first call, steady ticks and scene changes."""
    from callbacks.screen import refresh_screen
    from layouts import screen as view

    config, size = view.screen_config(), {"w": 1100, "h": 880}
    started = time.perf_counter()
    *_, sent = refresh_screen(0, {"index": 0}, None, size, "zh", {}, config)
    first = time.perf_counter() - started
    steady, scene = [], []
    for i in range(runs):
        started = time.perf_counter()
        refresh_screen(i, {"index": 0}, None, size, "zh", sent, config)
        steady.append(time.perf_counter() - started)
        started = time.perf_counter()
        refresh_screen(i, {"index": 1 + i % (len(view.SCENES) - 1)}, None, size, "zh", sent, config)
        scene.append(time.perf_counter() - started)
    fresh, fresh_cpu = [], []
    for i in range(runs):
        insert_case(app_context, f"bench-screen-{i}")
        started, cpu = time.perf_counter(), time.process_time()
        refresh_screen(i, {"index": 0}, None, size, "zh", sent, config)
        fresh.append(time.perf_counter() - started)
        fresh_cpu.append(time.process_time() - cpu)
    ms = lambda xs, q: round(percentile(xs, q) * 1000, 1)     # noqa: E731
    return {"first_ms": round(first * 1000, 1), "steady_p50_ms": ms(steady, 50), "steady_p95_ms": ms(steady, 95),
            "scene_p50_ms": ms(scene, 50), "scene_p95_ms": ms(scene, 95),
            "new_data_p50_ms": ms(fresh, 50), "new_data_p95_ms": ms(fresh, 95),
            "new_data_cpu_p50_ms": ms(fresh_cpu, 50), "new_data_cpu_p95_ms": ms(fresh_cpu, 95)}


def insert_case(app_context, event_id: str) -> None:
    """Insert one hotline case received a minute before the instant (into the copy) and bump the
    events' data version in the same transaction, as ingestion does."""
    from data import versions
    from data.clock import utc
    from data.db import transaction

    received = utc(app_context.now_s() - 60)
    with transaction(app_context.cursor()) as con:
        con.execute(
            "INSERT INTO events (source, event_id, category_code, grid_code, received_at, status, handling_level, "
            "updated_at) SELECT 'hotline_12345', ?, category_code, grid_code, ?, 'received', 1, ? FROM events "
            "WHERE source = 'hotline_12345' LIMIT 1", [event_id, received, received])
        versions.bump(con, "events", earliest_s=app_context.now_s() - 60)


def payload(app_context) -> dict:
    """Return the gzip sizes of the page's documents, the first refresh answer and the scripts."""
    import app as server
    from access import accounts

    dash_app = server.create_app(app_context)
    client = dash_app.server.test_client()
    secret = accounts.start_session(app_context.cursor(), "screen", token_id="bench")
    client.set_cookie("cv_session", secret)
    sizes, scripts = {}, 0
    page = client.get("/screen")
    sizes["page"] = len(gzip.compress(page.data))
    for path in ("/_dash-layout", "/_dash-dependencies"):
        sizes[path] = len(gzip.compress(client.get(path).data))
    for src in _script_sources(page.data.decode()):
        scripts += len(gzip.compress(client.get(src).data))
    plotly_js = client.get("/_dash-component-suites/plotly/package_data/plotly.min.js")
    plotly_kb = round(len(gzip.compress(plotly_js.data)) / 1024, 1) if plotly_js.status_code == 200 else None
    body = _first_refresh_body()
    answer = client.post("/_dash-update-component", json=body, headers={"Origin": "http://localhost"})
    sizes["first_refresh"] = len(gzip.compress(answer.data))
    return {"data_gzip_kb": round(sum(sizes.values()) / 1024, 1), "parts_kb": {k: round(v / 1024, 1) for k, v in sizes.items()},
            "scripts_gzip_kb": round(scripts / 1024, 1), "plotly_js_gzip_kb": plotly_kb,
            "first_refresh_status": answer.status_code}


def _script_sources(html: str) -> list[str]:
    import re

    return [s for s in re.findall(r'<script src="([^"]+)"', html) if s.startswith("/")]


def _first_refresh_body() -> dict:
    """Return the request Dash's renderer sends for the screen's first refresh."""
    from callbacks.screen import PANELS
    from layouts import ids, screen as view

    outputs = [{"id": "screen-map", "property": "figure"}] + [{"id": p, "property": "children"} for p in PANELS]
    outputs.append({"id": "screen-sent", "property": "data"})
    output = "...".join(f"{o['id']}.{o['property']}" for o in outputs)
    return {"output": f"..{output}..", "outputs": outputs, "changedPropIds": ["screen-viewport.data"],
            "inputs": [{"id": "screen-tick", "property": "n_intervals", "value": None},
                       {"id": "screen-scene", "property": "data", "value": {"index": 0}},
                       {"id": "screen-layer", "property": "data", "value": None},
                       {"id": "screen-viewport", "property": "data", "value": {"w": 1100, "h": 880}},
                       {"id": ids.LANGUAGE, "property": "data", "value": "zh"}],
            "state": [{"id": "screen-sent", "property": "data", "value": {}},
                      {"id": "screen-config", "property": "data", "value": view.screen_config()}]}


def bench_one(path: Path, args) -> dict:
    """Return the figures for one city."""
    from callbacks import context
    from data import db
    from data.clock import parse_instant
    from indicators.city_catalog import catalog_for_store

    workdir = Path(tempfile.mkdtemp(prefix="bench-screen-", dir=args.tmp))
    try:
        copy = workdir / path.name
        shutil.copy(path, copy)
        con = db.open_store(copy)                      # upgrades the copy's schema if it is older
        tz = db.get_setting(con, "city.tz", "Asia/Shanghai")
        grids = con.execute("SELECT count(*) FROM admin_units WHERE level = 'grid'").fetchall()[0][0]
        newest = con.execute("SELECT epoch(max(received_at))::BIGINT FROM events").fetchall()[0][0]
        at_s = parse_instant(args.at, tz) if args.at else int(newest)
        print(f"{path.name}: {grids:,} grids, at {at_s}", flush=True)
        if args.refresh:
            compute_indicators(con, tz, at_s)
        app_context = context.AppContext(con=con, tz=tz, city_name_zh="", city_name_en="", frozen_now_s=at_s,
                                         catalog=catalog_for_store(con))
        context.install(app_context)
        result = {"db": str(path), "grids": grids, **time_refresh(app_context, args.runs), **payload(app_context)}
        con.close()
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append", required=True, help="a city database (repeatable); copied first")
    parser.add_argument("--at", default=None, help="the instant (default: the newest event)")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--refresh", action="store_true", help="compute indicators and alerts on the copy first")
    parser.add_argument("--tmp", default=None, help="folder for the copies (default: the system's)")
    args = parser.parse_args(argv)
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    if len(args.db) > 1:            # one process per city: Dash registers its callbacks once per process
        rest = [a for a in (argv if argv is not None else sys.argv[1:])]
        for path in args.db:
            own = _without_dbs(rest) + ["--db", path]
            subprocess.run([sys.executable, __file__, *own], check=True)
        return 0
    print(json.dumps(bench_one(Path(args.db[0]), args), ensure_ascii=False), flush=True)
    return 0


def _without_dbs(argv: list[str]) -> list[str]:
    """Return the arguments without their --db options."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--db":
            skip = True
        elif not arg.startswith("--db="):
            out.append(arg)
    return out


if __name__ == "__main__":
    sys.exit(main())
