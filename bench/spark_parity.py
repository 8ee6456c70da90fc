"""Benchmark and parity check: the whole catalog on DuckDB and on Spark (local mode) over a Parquet export.

    python bench/spark_parity.py --scale tiny                  # builds the tiny city in a temp folder
    python bench/spark_parity.py --db /tmp/demo.duckdb --at 2026-11-20T15:30 [--repeat 2]

Exports the store's indicator inputs to Parquet (``scaleout.export``), evaluates every indicator
at every level at the instant with the DuckDB engine on the store, with DuckDB over the Parquet
files, and with the scans on Spark over the same files (``scaleout.spark_engine``), then compares
every (indicator, unit) value, numerator, denominator, baseline, data age and status. Prints the
counts compared/equal/different, the differences (if any), the timings, the export's size, the
machine and the load average, as JSON. Opens the store read-only: copy a store a server holds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_demo import machine  # noqa: E402
from data import db  # noqa: E402
from data.clock import parse_instant  # noqa: E402
from indicators.catalog import load_catalog  # noqa: E402
from indicators.engine import Engine  # noqa: E402
from scaleout import export, parity, spark_engine  # noqa: E402

DEMO_NOW = "2026-11-20T15:30:00"


def build_city(scale: str, folder: Path, at: str) -> Path:
    """Build a demo city of ``scale`` at ``at`` (seed 7) in ``folder``; return its path."""
    from data.demo import build

    path = folder / f"{scale}.duckdb"
    build.build_demo(path, build.spec_from_options(scale, 7, at), progress=False)
    return path


def timed(function, *args, **kwargs):
    """Return (result, seconds) of one call."""
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def best_of(repeat: int, function, *args) -> tuple[object, list[float]]:
    """Return the last result and the seconds of each of ``repeat`` calls."""
    seconds = []
    for _ in range(repeat):
        result, elapsed = timed(function, *args)
        seconds.append(round(elapsed, 2))
    return result, seconds


def run(store: Path, out: Path, at: str | None, args) -> dict:
    """Export, evaluate three ways, compare; return the figures."""
    catalog = load_catalog()
    con = db.open_store(store, read_only=True)
    tz = db.get_setting(con, "city.tz", "Asia/Shanghai")
    at_s = parse_instant(at, tz) if at else parse_instant(DEMO_NOW, tz)
    summary, export_s = timed(export.export_store, con, out, tz, show_progress=True)
    engine = Engine(catalog, tz)
    duckdb_values, duckdb_s = best_of(args.repeat, engine.evaluate, con, at_s)
    con.close()
    parquet_con = export.open_export(out)
    _, duckdb_parquet_s = best_of(args.repeat, engine.evaluate, parquet_con, at_s)
    spark, start_s = timed(spark_engine.start_spark, args.master, args.shuffle_partitions, args.driver_memory)
    on_spark = spark_engine.spark_engine(spark, catalog, tz)
    spark_values, spark_s = best_of(args.repeat, spark_engine.evaluate_export, spark, out, catalog, at_s, tz, on_spark)
    spark_version = spark.version
    spark.stop()
    result = parity.compare_values(duckdb_values, spark_values, catalog)
    return {
        "store": str(store), "at": at or DEMO_NOW, "indicators": len(catalog), "scans": len(engine.compiled.scans),
        "parity": result.summary(), "rows": result.rows, "compared": result.compared, "equal": result.equal,
        "different": len(result.differences),
        "differences": result.differences.head(40).astype(str).to_dict("records"),
        "export": {"seconds": round(export_s, 2), "rows": summary.rows, "bytes": summary.bytes,
                   "total_mb": round(sum(summary.bytes.values()) / 2**20, 1)},
        "seconds": {"duckdb_store": duckdb_s, "duckdb_parquet": duckdb_parquet_s, "spark_start": round(start_s, 2),
                    "spark": spark_s},
        "spark": {"master": args.master, "shuffle_partitions": args.shuffle_partitions,
                  "driver_memory": args.driver_memory, "version": spark_version},
        "machine": machine(), "load_average": os.getloadavg(),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="an existing store (opened read-only)")
    parser.add_argument("--scale", default="tiny", help="build this demo scale when --db is not given")
    parser.add_argument("--at", help=f"the instant, city-local ISO time (default {DEMO_NOW})")
    parser.add_argument("--out", help="the export folder (default: a temp folder, deleted)")
    parser.add_argument("--repeat", type=int, default=1, help="evaluations per engine (the first is cold)")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--shuffle-partitions", type=int, default=4)
    parser.add_argument("--driver-memory", default="2g")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="spark-parity-") as folder:
        store = Path(args.db) if args.db else build_city(args.scale, Path(folder), args.at or DEMO_NOW)
        out = Path(args.out) if args.out else Path(folder) / "export"
        figures = run(store, out, args.at, args)
    print(json.dumps(figures, indent=1, ensure_ascii=False))
    return 0 if figures["different"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
