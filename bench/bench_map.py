"""Benchmark of the analysts' map (/map): drill-down server time, browser drawing time, loopback load.

    python bench/bench_map.py --db /tmp/map.duckdb [--at 2026-11-20T15:30:00] [--repeat 40]
                              [--users 20] [--seconds 120] [--skip-browser] [--skip-load]

The database should carry indicator values and some hourly history (``cli.py refresh --at T
--history-hours N``). It is copied first: the benchmark never changes it.

1. Server time of a drill-down: the callbacks a click on a unit runs (the state update, the map,
   the side panel, the breadcrumb), called in this process on the store, over districts, streets
   and communities; p50/p95 of each and of their sum. Where the view's answer carries the map and
   the breadcrumb, "state" is their time and "map" and "breadcrumb" are empty steps.
2. Browser time (Chromium), from the request to the map drawn and MapLibre idle (basemap tiles
   loaded): the first view of /map (the first one with the browser's cache empty, then the next
   ones); a drill step (a click on a district to its streets drawn, with the frames MapLibre drew
   for it: without a GPU each is drawn in software and read back); the level switch of one
   district to its grids.
3. The basemap: its build time when the store has none yet, and the time to serve a tile over
   loopback (every tile of the city, cold then again).
4. Load: N simulated analysts posting drill-downs to /_dash-update-component for S seconds;
   p50/p95/p99 of the answers.

To set the figures beside an earlier commit's in one run, measured with this script on both:
``python bench/compare_commits.py --old HEAD~1 --script-from new --rounds 2 -- bench/bench_map.py --db …``
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import threading
import time
from contextvars import copy_context
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_demo import machine  # noqa: E402
from data import db  # noqa: E402
from tests.browser import UNITS_GIVEN_JS  # noqa: E402

INDICATOR = "cases.backlog.open_count.now"
USER = ("mapbench", "Map-bench-pass-1", "analyst")


def percentiles(samples_s: list[float]) -> dict:
    """Return p50/p95/p99 and the count of a list of seconds, in milliseconds."""
    ms = np.array(samples_s) * 1000
    return {"n": len(ms), "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p95_ms": round(float(np.percentile(ms, 95)), 1), "p99_ms": round(float(np.percentile(ms, 99)), 1)}


def units(con, level: str, limit: int) -> list[str]:
    return [r[0] for r in con.execute("SELECT code FROM admin_units WHERE level = ? ORDER BY hash(code) LIMIT ?",
                                      [level, limit]).fetchall()]


# --- 1. server time -------------------------------------------------------------------------

def click(update_state, state: dict, code: str) -> dict:
    """Run the state update for a click on ``code`` as Dash would."""
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    def call():
        value = {"points": [{"location": code}]}
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": "map-graph.clickData", "value": value}],
                                        args_grouping={"click": {"id": "map-graph", "value": value}}))
        return update_state(url="", language="zh", stored=state)
    return copy_context().run(call)


def draw_map(cb, state: dict):
    """Call the map's drawing callback with this program's inputs (the colour choice and opacity came later)."""
    import inspect

    extra = (None, None) if len(inspect.signature(cb.draw_map).parameters) > 3 else ()
    return cb.draw_map(state, "zh", *extra, None)


def server_drill(path: Path, at: str, repeat: int) -> dict:
    """Time the callbacks of a drill-down in this process (geometry built once, before timing)."""
    from callbacks import context
    from callbacks import map_page as cb
    from data.clock import parse_instant
    from indicators.city_catalog import catalog_for_store
    from layouts.map_panel import grid_options

    con = db.open_store(path, read_only=True)
    tz = db.get_setting(con, "city.tz", "Asia/Shanghai")
    started = time.perf_counter()
    context.install(context.AppContext(con=con, tz=tz, city_name_zh="", city_name_en="",
                                       frozen_now_s=parse_instant(at, tz), catalog=catalog_for_store(con)))
    for level in ("district", "street", "community", "grid"):
        cb.level_geometry(level)
    warm_s = time.perf_counter() - started
    targets = [c for level in ("district", "street", "community") for c in units(con, level, repeat)]
    random.Random(7).shuffle(targets)
    timings = {"state": [], "map": [], "panel": [], "breadcrumb": [], "total": []}
    base = {"indicator": INDICATOR, "level": None, "unit": None, "select": None, "compare": None, "t": None,
            "playing": False}
    for code in targets[:repeat]:
        t0 = time.perf_counter()
        answer = click(cb.update_state, base, code)
        state, drawn_with_view = answer["state"], "figure" in answer     # a view answered with its map and heading
        t1 = time.perf_counter()
        if not drawn_with_view:
            draw_map(cb, state)
        t2 = time.perf_counter()
        cb.draw_panel(state, "zh", grid_options("zh"))
        t3 = time.perf_counter()
        if not drawn_with_view:
            cb.draw_breadcrumb(state, "zh")
        t4 = time.perf_counter()
        for key, seconds in zip(timings, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0)):
            timings[key].append(seconds)
    con.close()
    return {"catalog_and_geometry_once_s": round(warm_s, 2), **{k: percentiles(v) for k, v in timings.items()}}


# --- 2. browser time ------------------------------------------------------------------------

FIRST_VIEW_REPEAT = 4
PROJECT_JS = """([lon, lat]) => {
    const gd = document.querySelector('#map-graph .js-plotly-plot');
    const map = gd._fullLayout.map._subplot.map, box = map.getCanvas().getBoundingClientRect();
    const p = map.project([lon, lat]);
    return [box.left + p.x, box.top + p.y];
}"""


COUNT_FRAMES_JS = """() => {
    const map = document.querySelector('#map-graph .js-plotly-plot')._fullLayout.map._subplot.map;
    window.benchMapFrames = 0;
    map.on('render', () => { window.benchMapFrames += 1; });
}"""


def browser_first_view_and_drill(url: str, district: tuple[str, float, float], repeat: int = FIRST_VIEW_REPEAT) -> dict:
    """Time, in Chromium, the first view of /map (a full page load) and a drill step (a click on a
    district until its streets are drawn)."""
    from tests.browser import chromium_page, sign_in

    first, drill, frames = [], [], []
    with chromium_page() as (page, watch):
        sign_in(page, url, user=USER[:2], next_path="/")
        for _ in range(repeat):
            started = time.perf_counter()
            page.goto(f"{url}/map?indicator={INDICATOR}")
            wait_drawn(page, "district")
            first.append(time.perf_counter() - started)
            x, y = page.evaluate(PROJECT_JS, [district[1], district[2]])
            page.evaluate(COUNT_FRAMES_JS)
            started = time.perf_counter()
            page.mouse.click(x, y)
            wait_drawn(page, "street")
            drill.append(time.perf_counter() - started)
            frames.append(page.evaluate("window.benchMapFrames"))
            page.goto(f"{url}/")
        assert not watch.outside_requests, watch.outside_requests
    return {"first_view_cold_s": round(first[0], 2), "first_view_warm": percentiles(first[1:]),
            "drill_step": percentiles(drill), "first_view_samples_s": [round(s, 2) for s in first],
            "drill_samples_s": [round(s, 2) for s in drill], "drill_map_frames": frames}


def ensure_basemap(path: Path) -> dict:
    """Build the copy's basemap when its store has the table but no tiles (a store built before
    basemaps, migrated); return the build's figures (none for a program without basemaps)."""
    try:
        from data import basemap
    except ImportError:
        return {}
    con = db.open_store(path)
    try:
        if basemap.describe(con)["source"]:
            return {}
        built = basemap.build_basemap(con)
    finally:
        con.close()
    return {"basemap_build_s": built["seconds"], "basemap_tiles": built["tiles"], "basemap_bytes": built["bytes"]}


def tile_latency(url: str, path_tiles: list[tuple[int, int, int]]) -> dict:
    """Time serving every tile of the city over loopback, the first time and again (kept in memory)."""
    s = session(url)
    if s.get(f"{url}/basemap/style.json").headers.get("Content-Type", "").startswith("text/html"):
        return {}                                        # a program without a basemap route
    timings = {"tile_first": [], "tile_again": []}
    for key in timings:
        for z, x, y in path_tiles:
            started = time.perf_counter()
            answer = s.get(f"{url}/basemap/tiles/{z}/{x}/{y}.pbf")
            timings[key].append(time.perf_counter() - started)
            assert answer.status_code in (200, 204), answer.status_code
    return {key: percentiles(values) for key, values in timings.items()}


def store_tiles(path: Path) -> list[tuple[int, int, int]]:
    """Return the z/x/y of every tile the copy's basemap holds (none without one)."""
    con = db.open_store(path, read_only=True)
    try:
        return [tuple(r) for r in con.execute("SELECT z, x, y FROM basemap_tiles ORDER BY z, x, y").fetchall()]
    except Exception:                                    # noqa: BLE001 — a store from before basemaps
        return []
    finally:
        con.close()


def browser_grid_level(url: str, district: str, repeat: int = 3) -> dict:
    """Time, in Chromium, from choosing the grid level to the district's grids drawn."""
    from tests.browser import chromium_page, sign_in

    samples = []
    with chromium_page() as (page, watch):
        sign_in(page, url, user=USER[:2], next_path="/map")
        for _ in range(repeat):
            page.goto(f"{url}/map?indicator={INDICATOR}&unit={district}")
            wait_drawn(page, "street")
            page.click("#map-level")
            option = page.get_by_role("option", name="网格")
            option.wait_for()
            started = time.perf_counter()
            option.click()
            wait_drawn(page, "grid")
            samples.append(time.perf_counter() - started)
        assert not watch.outside_requests, watch.outside_requests
    return {"click_to_grid_map_drawn": percentiles(samples), "samples_s": [round(s, 2) for s in samples]}


DRAWN_JS = f"""len => {{
    const gd = document.querySelector('#map-graph .js-plotly-plot');
    const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    return Boolean(sub && sub.map && gd.data[0].locations.length > 0 && gd.data[0].locations.every(c => c.length === len)
        && ({UNITS_GIVEN_JS})(gd, sub) && sub.map.loaded() && !sub.map.isMoving());
}}"""


def wait_drawn(page, level: str, timeout_s: float = 120, interval_s: float = 0.05) -> None:
    """Wait until MapLibre is idle with the map showing units of ``level`` (by their code length),
    polling the page from Python every ``interval_s``."""
    length = {"district": 6, "street": 9, "community": 12, "grid": 15}[level]
    deadline = time.perf_counter() + timeout_s
    while not page.evaluate(DRAWN_JS, length):
        if time.perf_counter() > deadline:
            raise TimeoutError(f"the {level} map was not drawn within {timeout_s} s")
        time.sleep(interval_s)


# --- 3. load --------------------------------------------------------------------------------

def session(url: str):
    """Return a requests session signed in as the bench analyst."""
    import requests

    s = requests.Session()
    s.post(f"{url}/login", data={"username": USER[0], "password": USER[1], "next": "/map"},
           headers={"Origin": url}, allow_redirects=False).raise_for_status()
    s.headers.update({"Origin": url, "Content-Type": "application/json"})
    return s


VIEW_OUTPUT, PANEL_OUTPUT = "map-state.data", "map-sensors.children"     # how the two callbacks are found


def callback_body(dependency: dict, values: dict, changed: str) -> dict:
    """Return the body of a /_dash-update-component request for one of the server's callbacks (an
    entry of /_dash-dependencies): each input and state set from ``values`` ({"id.property": value},
    None when absent; a pattern of buttons none), ``changed`` the input that fired."""
    def entry(spec):
        if spec["id"].startswith("{"):
            return []
        return {**spec, "value": values.get(f"{spec['id']}.{spec['property']}")}
    outputs = [dict(zip(("id", "property"), out.rsplit(".", 1))) for out in dependency["output"].strip(".").split("...")]
    return {"output": dependency["output"], "outputs": outputs, "inputs": [entry(i) for i in dependency["inputs"]],
            "state": [entry(i) for i in dependency["state"]], "changedPropIds": [changed]}


def drill_bodies(dependencies: list[dict], unit: str, state: dict) -> list[dict]:
    """Return the Dash requests a click on ``unit`` makes, as the server declares its callbacks: the
    view's (with the map when the view's answer draws it; else the map's own) and the side panel's
    for the view ``state`` it leads to."""
    from layouts.map_panel import grid_options

    city = {**state, "level": None, "unit": None, "select": None}
    values = {"language.data": "zh", "map-url.search": "", "map-graph.clickData": {"points": [{"location": unit}]},
              "map-indicator.value": INDICATOR, "map-state.data": city, "map-colour-by.value": "auto",
              "map-opacity.value": 0.8, "map-place-layers.value": []}
    bodies = [callback_body(next(d for d in dependencies if d["output"].startswith(f"..{VIEW_OUTPUT}")), values,
                            "map-graph.clickData")]
    drawn = {**values, "map-state.data": state, "map-events.dashGridOptions": grid_options("zh")}
    old_map = [d for d in dependencies if d["output"].startswith("..map-graph.figure.")
               and any(i["id"] == "map-state" for i in d["inputs"])]
    bodies += [callback_body(d, drawn, "map-state.data") for d in old_map]
    bodies.append(callback_body(next(d for d in dependencies if PANEL_OUTPUT in d["output"]), drawn, "map-state.data"))
    return bodies


def load_test(url: str, codes: list[tuple[str, str]], users: int, seconds: float) -> dict:
    """Run ``users`` threads posting drill-downs for ``seconds``; return latency percentiles."""
    samples, errors, lock = [], [], threading.Lock()
    sessions = [session(url) for _ in range(users)]       # one after another: concurrent sign-ins are not measured
    deadline = time.monotonic() + seconds

    dependencies = sessions[0].get(f"{url}/_dash-dependencies").json()

    def analyst(seed: int) -> None:
        s, rng = sessions[seed], random.Random(seed)
        while time.monotonic() < deadline:
            unit, level = rng.choice(codes)
            state = {"indicator": INDICATOR, "level": level, "unit": unit, "select": unit, "compare": None, "t": None}
            for body in drill_bodies(dependencies, unit, state):
                started = time.perf_counter()
                response = s.post(f"{url}/_dash-update-component", data=json.dumps(body))
                with lock:
                    (samples if response.status_code == 200 else errors).append(time.perf_counter() - started)
            time.sleep(rng.uniform(0.5, 2.0))         # an analyst reads before the next click
    threads = [threading.Thread(target=analyst, args=(i,)) for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"users": users, "seconds": seconds, "requests_ok": len(samples), "errors": len(errors),
            "requests_per_s": round(len(samples) / seconds, 1), **percentiles(samples)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--at", default="2026-11-20T15:30:00")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args(argv)
    from tests.browser import running_server

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "map.duckdb"
        shutil.copy(args.db, path)
        report = {"machine": machine()}
        con = db.open_store(path)              # the copy: upgraded to this program's schema if older
        report["units"] = dict(con.execute("SELECT level, count(*) FROM admin_units GROUP BY 1").fetchall())
        district = units(con, "district", 1)[0]
        inside = con.execute("SELECT code, centroid_lon, centroid_lat FROM admin_units WHERE level = 'district' "
                             "ORDER BY area_km2 DESC LIMIT 1").fetchone()
        codes = [(c, "community") for c in units(con, "street", 200)] + [(c, "grid") for c in units(con, "community", 400)]
        con.close()
        report["basemap"] = ensure_basemap(path)
        tiles = store_tiles(path)
        report["server_drill"] = server_drill(path, args.at, args.repeat)
        print(json.dumps(report, ensure_ascii=False, indent=1), flush=True)
        if args.skip_browser and args.skip_load:
            return 0
        with running_server(path, "--at", args.at, timeout_s=600, users=(USER,)) as url:
            report["tiles"] = tile_latency(url, tiles) if tiles else {}
            print(json.dumps(report["tiles"], indent=1), flush=True)
            if not args.skip_browser:
                report["browser_views"] = browser_first_view_and_drill(url, inside)
                print(json.dumps(report["browser_views"], indent=1), flush=True)
                report["browser"] = browser_grid_level(url, district)
                print(json.dumps(report["browser"], indent=1), flush=True)
            if not args.skip_load:
                report["load"] = load_test(url, codes, args.users, args.seconds)
                print(json.dumps(report["load"], indent=1), flush=True)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
