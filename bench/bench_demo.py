"""Benchmark: building the demo city (wall time, rows/s, peak memory) per scale.

    python bench/bench_demo.py --scales demo city
    python bench/bench_demo.py --writer-only

Each scale is built by ``cli.py demo`` in a fresh child process, so its peak RSS is its own.
The same run also compares the store writer (Arrow, one INSERT per chunk) with the naive
approach (one parameterised INSERT per row, ``executemany``), which is what a straightforward
generator would do.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data import db, writer  # noqa: E402

FIXED_NOW = "2026-11-20T15:30:00"


def machine() -> dict:
    """Return a description of this machine and the library versions."""
    import duckdb

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kb / 2**20, 1),
            "python": platform.python_version(), "duckdb": duckdb.__version__, "pandas": pd.__version__,
            "numpy": np.__version__}


def build_in_child(scale: str, folder: Path, first_start: bool = False) -> dict:
    """Build one scale with cli.py in a child process (``first_start``: as the server's first start
    builds, the lighter history left to the server); return its summary with peak RSS."""
    path = folder / f"{scale}.duckdb"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    later = ["--history", "later"] if first_start else []
    out = subprocess.run([sys.executable, "cli.py", "demo", "--scale", scale, "--now", FIXED_NOW,
                          "--db", str(path), "--force", "--quiet", *later],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    summary = json.loads(out.stdout)
    return {"scale": scale, "seconds": round(seconds, 1), "rows": summary["total_rows"],
            "rows_per_s": round(summary["total_rows"] / seconds),
            "peak_rss_mib": round(peak_kb / 1024) if peak_kb > before else "≤ previous child",
            "file_mib": round(path.stat().st_size / 2**20), "by_table": summary["rows"]}


def sample_readings(n: int) -> pd.DataFrame:
    """Return n synthetic readings shaped like the generator's output."""
    rng = np.random.default_rng(1)
    return pd.DataFrame({
        "sensor_id": pd.Categorical(rng.choice([f"AQ-M-{i:03d}" for i in range(100)], n)),
        "ts": 1_790_000_000 + 3600 * (np.arange(n) // 100),
        "metric": pd.Categorical(rng.choice(["pm25", "pm10", "no2"], n)),
        "value": rng.gamma(2, 20, n),
        "quality": pd.Categorical(["ok"] * n),
    })


def compare_writers(folder: Path, n_bulk: int = 1_000_000, n_naive: int = 20_000) -> dict:
    """Return rows/s of the Arrow writer against row-by-row executemany."""
    con = db.open_store(folder / "writer.duckdb")
    bulk = sample_readings(n_bulk)
    started = time.perf_counter()
    writer.append_frame(con, "readings", bulk)
    bulk_s = time.perf_counter() - started
    naive = sample_readings(n_naive)
    params = [(r.sensor_id, pd.Timestamp(r.ts, unit="s", tz="UTC").to_pydatetime(), r.metric, r.value, r.quality)
              for r in naive.itertuples()]
    started = time.perf_counter()
    con.executemany("INSERT INTO readings VALUES (?, ?, ?, ?, ?)", params)
    naive_s = time.perf_counter() - started
    con.close()
    return {"arrow_rows_per_s": round(n_bulk / bulk_s), "executemany_rows_per_s": round(n_naive / naive_s),
            "speedup": round((n_bulk / bulk_s) / (n_naive / naive_s), 1),
            "arrow_rows": n_bulk, "executemany_rows": n_naive}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", default=["demo", "city"])
    parser.add_argument("--writer-only", action="store_true")
    parser.add_argument("--first-start", action="store_true", help="also build each scale as the server's first "
                        "start does (the lighter history left to the server)")
    args = parser.parse_args()
    print(json.dumps({"machine": machine()}, ensure_ascii=False))
    with tempfile.TemporaryDirectory(prefix="bench-demo-", dir=ROOT / "var" if (ROOT / "var").exists() else None) as tmp:
        print(json.dumps({"writer": compare_writers(Path(tmp))}), flush=True)
        if not args.writer_only:
            for scale in args.scales:
                print(json.dumps({"build": build_in_child(scale, Path(tmp))}, ensure_ascii=False), flush=True)
                if args.first_start:
                    print(json.dumps({"first_start": build_in_child(scale, Path(tmp), first_start=True)},
                                     ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
