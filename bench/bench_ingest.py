"""Ingest throughput: N events from Parquet and from CSV, grid assignment included, into a copy of a
demo city, against a naive row-by-row polygon.contains(point) baseline measured on a sample.

    python bench/bench_ingest.py [--rows 10000000] [--scale tiny] [--sample 2000]

Prints the machine, then rows/s for: grid assignment alone (STRtree vs naive), validation with grid
assignment (everything before the store), and the whole ingest (read, validate, merge, commit).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data import db  # noqa: E402
from data.ingest import events, gridindex, pipeline, readers  # noqa: E402
from data.ingest.mapping import load_mapping  # noqa: E402


def machine() -> str:
    """Return a one-line description of this machine."""
    import duckdb

    return (f"{platform.platform()} | Python {platform.python_version()} | {os.cpu_count()} cores | "
            f"duckdb {duckdb.__version__} | shapely {shapely.__version__} | pandas {pd.__version__}")


def make_events(con, rows: int) -> pd.DataFrame:
    """Return ``rows`` new cases at random points within the city's extent, in the API's format."""
    minx, miny, maxx, maxy = con.execute("SELECT min(centroid_lon), min(centroid_lat), max(centroid_lon), "
                                         "max(centroid_lat) FROM admin_units WHERE level = 'grid'").fetchone()
    rng = np.random.default_rng(11)
    received = pd.Timestamp("2026-11-01T00:00:00Z") + pd.to_timedelta(rng.integers(0, 14 * 86400, rows), unit="s")
    return pd.DataFrame({"source": "grid_report", "event_id": pd.Series(np.arange(rows)).astype(str).radd("B-"),
                         "category": "hotline.noise", "received_at": received,
                         "lon": rng.uniform(minx, maxx, rows), "lat": rng.uniform(miny, maxy, rows)})


def timed(label: str, rows: int, func):
    """Run func, print its rows/s, return its result."""
    started = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - started
    print(f"{label:<58} {rows:>11,} rows {seconds:8.2f} s {rows / seconds:>13,.0f} rows/s", flush=True)
    return result


def bench_assignment(con, frame: pd.DataFrame, sample: int) -> None:
    """Compare the STRtree assignment with the naive loop (on a sample) and check they agree."""
    rows = con.execute("SELECT code, geometry FROM admin_units WHERE level = 'grid' ORDER BY code").fetchall()
    codes, polygons = [r[0] for r in rows], shapely.from_wkb([bytes(r[1]) for r in rows])
    index = gridindex.build_grid_index(codes, polygons)
    lon, lat = frame["lon"].to_numpy(), frame["lat"].to_numpy()
    fast = timed("grid assignment, STRtree (all rows)", len(frame), lambda: index.assign(lon, lat))
    slow = timed(f"grid assignment, naive polygon.contains (sample of {sample})", sample,
                 lambda: gridindex.naive_assign(codes, polygons, lon[:sample], lat[:sample]))
    agree = np.mean([a == b for a, b in zip(fast[:sample], slow)])
    print(f"{'STRtree and naive agree on the sample':<58} {agree:.4%}")


def bench_file(source: Path, kind: str, path: Path, frame_rows: int) -> None:
    """Ingest one file into a fresh copy of the city; print validation and end-to-end rates."""
    target = path.with_suffix(".duckdb")
    shutil.copy(source, target)
    con = db.open_store(target)
    mapping = load_mapping("api_events")
    data = path.read_bytes()
    now = pd.Timestamp.now(tz="UTC")

    def prepare():
        frame = pipeline.complete_columns(readers.read_records(data, readers.detect_format(path, mapping), mapping),
                                          mapping)
        return events.prepare_events(frame, mapping, gridindex.load_grid_index(con), events.load_catalog(con), now)

    timed(f"{kind}: read + validate + grid assignment", frame_rows, prepare)
    summary = timed(f"{kind}: whole ingest (read ... commit)", frame_rows,
                    lambda: pipeline.ingest_bytes(con, "events", data, readers.detect_format(path, mapping),
                                                  mapping, path.name, now=now))
    print(f"{'':<58} accepted {summary.accepted:,}, quarantined {summary.quarantined_total:,}")
    con.close()


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--scale", default="demo", help="demo city whose grids are used")
    parser.add_argument("--sample", type=int, default=2000, help="rows for the naive baseline")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        from data.demo import build

        city = tmp / "city.duckdb"
        build.build_demo(city, build.spec_from_options(args.scale, 7, "2026-11-20T15:30"), progress=False)
        con = db.open_store(city, read_only=True)
        grids = con.execute("SELECT count(*) FROM admin_units WHERE level = 'grid'").fetchone()[0]
        print(f"city: {args.scale} scale, {grids:,} grids")
        frame = make_events(con, args.rows)
        bench_assignment(con, frame, args.sample)
        con.close()
        frame.to_parquet(tmp / "events.parquet")
        frame.to_csv(tmp / "events.csv", index=False)
        del frame
        bench_file(city, "Parquet", tmp / "events.parquet", args.rows)
        bench_file(city, "CSV", tmp / "events.csv", args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
