"""Benchmark of the analysts' map (/map) showing a whole city by grid: a city of thousands of grids.

    python bench/bench_map_city.py --db /tmp/big.duckdb [--at 2026-11-20T15:30:00]
                                   [--indicator ID] [--repeat 5] [--skip-browser]

The database is copied first (the benchmark never changes it) and upgraded to this program's
schema. Reported:

1. Server: the map callback drawing every grid of the city, called in this process (the first
   call builds the grids' geometry; p50/p95 of the next ``--repeat``), and the figure's JSON and
   gzipped size.
2. Browser (Chromium): the first view of ``/map?indicator=ID&level=grid``, from the request until
   every grid is on the map and MapLibre is idle (basemap tiles loaded): the first with the
   browser's cache empty, then the next ones.

Beside an earlier commit in one run:
``python bench/compare_commits.py --old HEAD~1 --script-from new --rounds 2 -- bench/bench_map_city.py --db …``
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_demo import machine  # noqa: E402
from bench.bench_map import FIRST_VIEW_REPEAT, INDICATOR, USER, draw_map, percentiles  # noqa: E402
from data import db  # noqa: E402
from tests.browser import UNITS_GIVEN_JS  # noqa: E402

DRAWN_JS = f"""n => {{
    const gd = document.querySelector('#map-graph .js-plotly-plot');
    const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    return Boolean(sub && sub.map && gd.data[0].locations.length === n && ({UNITS_GIVEN_JS})(gd, sub)
        && sub.map.loaded() && !sub.map.isMoving());
}}"""


def server_figure(path: Path, at: str, indicator: str, repeat: int) -> dict:
    """Time the map callback drawing the whole city by grid in this process; return the figure's size."""
    import plotly.io
    from callbacks import context
    from callbacks import map_page as cb
    from data.clock import parse_instant
    from indicators.city_catalog import catalog_for_store

    con = db.open_store(path, read_only=True)
    tz = db.get_setting(con, "city.tz", "Asia/Shanghai")
    context.install(context.AppContext(con=con, tz=tz, city_name_zh="", city_name_en="",
                                       frozen_now_s=parse_instant(at, tz), catalog=catalog_for_store(con)))
    state = {"indicator": indicator, "level": "grid", "unit": None, "select": None, "compare": None, "t": None,
             "playing": False}
    samples = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        figure = draw_map(cb, state)[0]
        samples.append(time.perf_counter() - started)
    text = plotly.io.to_json(figure)
    con.close()
    return {"first_call_s": round(samples[0], 2), "figure": percentiles(samples[1:]),
            "figure_json_bytes": len(text), "figure_gzip_bytes": len(gzip.compress(text.encode()))}


def browser_first_view(url: str, indicator: str, grids: int, repeat: int = FIRST_VIEW_REPEAT) -> dict:
    """Time, in Chromium, the first view of the whole city by grid until all ``grids`` are drawn."""
    from tests.browser import chromium_page, sign_in

    samples = []
    with chromium_page() as (page, watch):
        sign_in(page, url, user=USER[:2], next_path="/")
        for _ in range(repeat):
            started = time.perf_counter()
            page.goto(f"{url}/map?indicator={indicator}&level=grid")
            page.wait_for_function(DRAWN_JS, arg=grids, timeout=180_000, polling=50)
            samples.append(time.perf_counter() - started)
            page.goto(f"{url}/")
        assert not watch.outside_requests, watch.outside_requests
    return {"grids": grids, "first_view_cold_s": round(samples[0], 2), "first_view_warm": percentiles(samples[1:]),
            "samples_s": [round(s, 2) for s in samples]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--at", default="2026-11-20T15:30:00")
    parser.add_argument("--indicator", default=INDICATOR)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args(argv)
    from tests.browser import running_server

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "city.duckdb"
        shutil.copy(args.db, path)
        con = db.open_store(path)              # the copy: upgraded to this program's schema if older
        grids = con.execute("SELECT count(*) FROM admin_units WHERE level = 'grid'").fetchall()[0][0]
        con.close()
        report = {"machine": machine(), "grids": grids, "server": server_figure(path, args.at, args.indicator, args.repeat)}
        print(json.dumps(report, ensure_ascii=False, indent=1), flush=True)
        if not args.skip_browser:
            with running_server(path, "--at", args.at, timeout_s=600, users=(USER,)) as url:
                report["browser"] = browser_first_view(url, args.indicator, grids)
            print(json.dumps(report["browser"], indent=1), flush=True)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
