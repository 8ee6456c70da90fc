"""Ingest throughput: N events from Parquet and from CSV, grid assignment included, into a copy of a
demo city, against a naive row-by-row polygon.contains(point) baseline measured on a sample.

    python bench/bench_ingest.py [--rows 10000000] [--scale tiny] [--sample 2000] [--csv-rows N] [--city PATH]

Prints the machine, then rows/s for: grid assignment alone (STRtree, raster shortcut, naive), a bare
INSERT of the rows (the store's floor), validation with grid assignment (everything before the
store), and the whole ingest (read, validate, merge, commit) with the time of each phase.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
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
from data.ingest import events, gridindex, pipeline, readers, stream  # noqa: E402
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


def cpu_seconds() -> float:
    """Return the CPU time this process (all its threads) has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(label: str, rows: int, func):
    """Run func, print its rows/s and the CPU seconds it took (other jobs share the cores), return its result."""
    started, cpu = time.perf_counter(), cpu_seconds()
    result = func()
    seconds = time.perf_counter() - started
    print(f"{label:<58} {rows:>11,} rows {seconds:8.2f} s {rows / seconds:>11,.0f} rows/s  cpu {cpu_seconds() - cpu:7.2f} s",
          flush=True)
    return result


def bench_assignment(con, frame: pd.DataFrame, sample: int) -> None:
    """Compare the STRtree assignment with the naive loop (on a sample) and check they agree."""
    rows = con.execute("SELECT code, geometry FROM admin_units WHERE level = 'grid' ORDER BY code").fetchall()
    codes, polygons = [r[0] for r in rows], shapely.from_wkb([bytes(r[1]) for r in rows])
    index = gridindex.build_grid_index(codes, polygons)
    lon, lat = frame["lon"].to_numpy(), frame["lat"].to_numpy()
    tree = timed("grid assignment, STRtree (all rows)", len(frame), lambda: index.assign(lon, lat, use_raster=False))
    fast = timed("grid assignment, raster + STRtree at edges (incl. build)", len(frame),
                 lambda: index.assign(lon, lat, use_raster=True))
    slow = timed(f"grid assignment, naive polygon.contains (sample of {sample})", sample,
                 lambda: gridindex.naive_assign(codes, polygons, lon[:sample], lat[:sample]))
    agree = np.mean([a == b for a, b in zip(fast[:sample], slow)])
    print(f"{'raster and naive agree on the sample':<58} {agree:.4%}")
    print(f"{'raster and STRtree agree on all rows':<58} {np.mean(fast == tree):.4%}")


class Phases:
    """Seconds spent in each phase of an ingest, by wrapping the pipeline's steps for one run."""

    STEPS = ((readers, "read_records", "read the file"), (stream, "_batch_frame", "read the file"),
             (events, "prepare_events", "validate + assign grids"), (pipeline, "_quarantine", "write quarantine"),
             (events, "store_events", "insert / merge events"))

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}        # CPU of the calling thread only (DuckDB's own threads are not in it)
        self._saved = []

    def __enter__(self):
        for module, name, label in self.STEPS:
            original = getattr(module, name)
            self._saved.append((module, name, original))
            setattr(module, name, self._timed(original, label))
        return self

    def __exit__(self, *exc) -> None:
        for module, name, original in self._saved:
            setattr(module, name, original)

    def _timed(self, func, label):
        def wrapper(*args, **kwargs):
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - started
                self.cpu[label] = self.cpu.get(label, 0.0) + time.thread_time() - cpu
        return wrapper

    def report(self, total: float) -> None:
        """Print each phase's time and share of the whole run.

        Reading and validating the next chunk runs in a second thread while the store takes the current
        one, so the phases overlap: their sum may exceed the whole, and what is left is not all COMMIT.
        """
        for label, seconds in self.seconds.items():
            print(f"{'  ' + label:<58} {seconds:8.2f} s  {seconds / total:6.1%}  "
                  f"cpu of its thread {self.cpu[label]:7.2f} s")
        rest = total - sum(self.seconds.values())
        print(f"{'  whole minus the phases (COMMIT, bookkeeping, overlap)':<58} {rest:8.2f} s  {rest / total:6.1%}")


def bench_file(source: Path, kind: str, path: Path, frame_rows: int) -> None:
    """Ingest one file into a fresh copy of the city; print validation and end-to-end rates and phases."""
    target = path.with_suffix(".duckdb")
    shutil.copy(source, target)
    con = db.open_store(target)
    mapping = load_mapping("api_events")
    data = path.read_bytes() if path.suffix != ".parquet" else b""
    now = pd.Timestamp.now(tz="UTC")

    def prepare():
        chunks = stream.parquet_chunks(path) if path.suffix == ".parquet" else \
            stream.frame_chunks(readers.read_records(data, readers.detect_format(path, mapping), mapping))
        mapped = pipeline.without_absent_fields(pd.DataFrame(columns=list(chunks.columns)), mapping)
        grids, catalog = gridindex.load_grid_index(con), events.read_categories(con)
        grids.expect(chunks.total)
        for chunk in chunks.iterate():
            events.prepare_events(pipeline.complete_columns(chunk, mapped), mapped, grids, catalog, now)

    timed(f"{kind}: read + validate + grid assignment", frame_rows, prepare)
    with Phases() as phases:
        started = time.perf_counter()
        summary = timed(f"{kind}: whole ingest (read ... commit)", frame_rows,
                        lambda: pipeline.ingest_path(con, "events", path, mapping, now=now))
        total = time.perf_counter() - started
    print(f"{'':<58} accepted {summary.accepted:,}, quarantined {summary.quarantined_total:,}")
    phases.report(total)
    con.close()
    target.unlink()


def bench_store_floor(source: Path, path: Path, rows: int) -> None:
    """Time a bare INSERT of the Parquet rows into events plus COMMIT: the store's floor.

    A new case is written once, to ``events`` (its current version; ``event_versions`` holds only later ones).
    """
    target = path.with_name("floor.duckdb")
    shutil.copy(source, target)
    con = db.open_store(target)

    def insert():
        con.execute("BEGIN TRANSACTION")
        con.execute("INSERT INTO events (source, event_id, category_code, received_at, status, updated_at) "
                    "SELECT source, event_id, category, received_at, 'received', received_at FROM read_parquet(?)",
                    [str(path)])
        con.execute("COMMIT")

    timed("store floor: bare INSERT of every row + COMMIT (no checks)", rows, insert)
    con.close()
    target.unlink()


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--scale", default="demo", help="demo city whose grids are used")
    parser.add_argument("--sample", type=int, default=2000, help="rows for the naive baseline")
    parser.add_argument("--csv-rows", type=int, default=10_000_000, help="rows of the CSV run (0: skip it)")
    parser.add_argument("--city", help="a demo city already built (copied, not changed) instead of building one")
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        from data.demo import build

        city = tmp / "city.duckdb"
        if args.city:
            shutil.copy(args.city, city)
        else:
            build.build_demo(city, build.spec_from_options(args.scale, 7, "2026-11-20T15:30"), progress=False)
        db.open_store(city).close()   # brings a kept city's schema up to date
        con = db.open_store(city, read_only=True)
        grids = con.execute("SELECT count(*) FROM admin_units WHERE level = 'grid'").fetchone()[0]
        print(f"city: {args.scale} scale, {grids:,} grids")
        frame = make_events(con, args.rows)
        bench_assignment(con, frame, args.sample)
        con.close()
        frame.to_parquet(tmp / "events.parquet")
        del frame
        bench_store_floor(city, tmp / "events.parquet", args.rows)
        bench_file(city, "Parquet", tmp / "events.parquet", args.rows)
        if args.csv_rows:
            csv_rows = min(args.csv_rows, args.rows)
            pd.read_parquet(tmp / "events.parquet").head(csv_rows).to_csv(tmp / "events.csv", index=False)
            bench_file(city, "CSV", tmp / "events.csv", csv_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
