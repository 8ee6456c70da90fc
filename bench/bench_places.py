"""Benchmark places: what the place indicators add to an evaluation, and what the demo's places cost.

    python bench/bench_places.py --db PATH [--at TIME] [--repeat 3] [--scale demo]

Evaluation: the engine over the store's catalog at the instant with and without the place and camera
indicators (catalog/places.yaml, the cameras source), and over those alone, the best of --repeat
runs each after a warm-up (min: the machine is shared, the least disturbed run is the figure), in
wall time and in the process's CPU time.
Demo: the time to make the places of a demo city of --scale from its geography. Prints one JSON
object of figures (bench/compare_commits.py reads it).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def best_of(run, repeat: int) -> tuple[float, float]:
    """Return the shortest wall and CPU times (the process's, DuckDB's threads included: what the work
    costs when the machine is shared) of ``repeat`` timed calls of ``run``, after one untimed call."""
    run()
    wall, cpu = [], []
    for _ in range(repeat):
        started, used = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return round(min(wall), 3), round(min(cpu), 3)


def evaluation_figures(db_path: str, at: str | None, repeat: int) -> dict:
    """Return the evaluation times with, without and of the place indicators alone."""
    from data import db
    from data.clock import DEFAULT_TZ, parse_instant
    from indicators.city_catalog import catalog_for_store
    from indicators.engine import Engine

    con = db.open_store(db_path, read_only=True)
    tz = db.get_setting(con, "city.tz", DEFAULT_TZ)
    at_s = parse_instant(at, tz) if at else int(db.get_setting(con, "data.until_s") or time.time())
    catalog = catalog_for_store(con)
    placed = lambda i: i.domain == "places" or i.source == "cameras"       # noqa: E731
    parts = {"with_places": catalog,
             "without_places": replace(catalog, indicators=tuple(i for i in catalog.indicators if not placed(i))),
             "places_only": replace(catalog, indicators=tuple(i for i in catalog.indicators if placed(i)))}
    figures = {}
    for name, part in parts.items():
        engine = Engine(part, tz)
        figures[f"evaluate_{name}_s"], figures[f"evaluate_{name}_cpu_s"] = best_of(
            lambda: engine.evaluate(con, at_s), repeat)
        figures[f"indicators_{name}"] = len(part.indicators)
    figures["places"] = con.execute("SELECT count(*) FROM places").fetchall()[0][0]
    con.close()
    return figures


def demo_figures(scale: str, repeat: int) -> dict:
    """Return how long the demo city of ``scale`` takes to make its places, and how many."""
    from data.demo import demo_places
    from data.demo.geography import build_geography
    from data.demo.scales import get_scale

    geo = build_geography(get_scale(scale), 7)
    count = len(demo_places.build_places(7, geo))
    return {f"demo_{scale}_places": count,
            f"demo_{scale}_build_places_s": best_of(lambda: demo_places.build_places(7, geo), repeat)[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a store with places (a demo city has them)")
    parser.add_argument("--at", default=None, help="city-local instant (default: the store's data.until_s)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scale", default="tiny", help="demo scale whose places to time (tiny, demo, city …)")
    args = parser.parse_args()
    figures = {**evaluation_figures(args.db, args.at, args.repeat), **demo_figures(args.scale, args.repeat)}
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
