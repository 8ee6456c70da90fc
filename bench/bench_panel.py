"""Benchmark the analysts' map side panel in process: its time and CPU per panel, and where it goes.

    python bench/bench_panel.py --db PATH [--panels 60] [--seed 7] [--profile 25]

The database is copied to a temporary folder first. In this process, with the live clock, the
panel of ``--panels`` random (unit, indicator) views is computed one after the other: units drawn
from every level (grids, communities, streets, districts and the city), indicators from the
catalog's indicators that hold values. The panel is the computation behind the shared answer
(callbacks/map_page.panel), not the sharing: every view is computed, once when opened (``panel``)
and once more (``panel_again``: the panel of the latest values is computed again in every second
someone asks for it). Printed as JSON: p50/p95/p99 per panel (ms), CPU ms per panel (the process's
CPU: Python and DuckDB's threads), and the same for its two largest parts on views already opened
(the cases and sensors, the series figure). ``--profile N`` prints
cProfile's N largest cumulative entries of one more pass instead. Compare two commits with
bench/compare_commits.py (``--script-from new`` when the old commit lacks this script).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_map import percentiles  # noqa: E402
from bench.bench_walls import installed_copy  # noqa: E402

LEVEL_SHARE = (("grid", 24), ("community", 16), ("street", 12), ("district", 6), ("city", 2))


def views(con, catalog, count: int, seed: int) -> list:
    """Return ``count`` random map views: a unit of a random level selected, a random indicator
    with stored values (of the catalog's first ones when the store holds none)."""
    from layouts.map_state import MapView

    rng = random.Random(seed)
    held = [r[0] for r in con.execute("SELECT DISTINCT indicator_id FROM indicator_latest ORDER BY 1").fetchall()]
    indicators = [i for i in held if i in catalog] or [i.id for i in catalog.indicators[:20]]   # a store never refreshed
    units = {level: [r[0] for r in con.execute("SELECT code FROM admin_units WHERE level = ? ORDER BY code",
                                                [level]).fetchall()] for level, _ in LEVEL_SHARE}
    weights = [w if units[level] else 0 for level, w in LEVEL_SHARE]
    shown = []
    for _ in range(count):
        level = rng.choices([lv for lv, _ in LEVEL_SHARE], weights)[0]
        code = rng.choice(units[level])
        shown.append(MapView(indicator=rng.choice(indicators), level=level, select=code))
    return shown


def timed(function, *args) -> tuple[float, float]:
    """Return (wall seconds, process CPU seconds) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    function(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def run(shown: list) -> dict:
    """Compute every view's panel twice (opened, then again as the next second's panel of the latest
    values is) and its two largest parts; return the figures."""
    from callbacks import context, map_page
    from layouts import map_state
    from queries import map_page as uq

    app = context.current()
    figures = {}
    parts = {"panel": lambda v: map_page.panel(v, "zh", None),
             "panel_again": lambda v: map_page.panel(v, "zh", None),
             "cases_and_sensors": lambda v: _cases(map_page, uq, app, v),
             "series": lambda v: _series(map_page, uq, map_state, app, v)}
    for name, part in parts.items():
        walls, cpus = zip(*(timed(part, v) for v in shown))
        figures[name] = {**percentiles(list(walls)), "cpu_ms_per_panel": round(1000 * sum(cpus) / len(cpus), 1)}
    return figures


def _cases(map_page, uq, app, view) -> None:
    unit = uq.unit_row(app.cursor(), view.select)
    map_page.cases_and_sensors(unit, app.now_s(), "zh", None)


def _series(map_page, uq, map_state, app, view) -> None:
    unit = uq.unit_row(app.cursor(), view.select)
    map_page.series(map_page.catalog()[view.indicator], unit, None, None, "zh")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a city database; copied first")
    parser.add_argument("--panels", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's N largest entries instead")
    parser.add_argument("--tmp", default=None, help="folder for the copy (default: the system's)")
    args = parser.parse_args(argv)
    with installed_copy(args.db, args.tmp, "bench-panel-") as app_context:
        shown = views(app_context.cursor(), app_context.catalog, args.panels, args.seed)
        run(shown[:3])                                   # the caches every server has warm (values, hours, levels)
        if args.profile:
            profile(shown, args.profile)
        else:
            print(json.dumps({"panels": len(shown), **run(shown)}), flush=True)
    return 0


def profile(shown: list, entries: int) -> None:
    """Print cProfile's largest cumulative entries over the panels of ``shown``."""
    from callbacks import map_page

    profiler = cProfile.Profile()
    profiler.enable()
    for view in shown:
        map_page.panel(view, "zh", None)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(entries)


if __name__ == "__main__":
    sys.exit(main())
