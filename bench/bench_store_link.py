"""Benchmark what the store link costs a worker process: the same statements on a cursor in the owner's
process and on a worker's cursor through the link (data/store_service.py, data/remote_store.py).

    python bench/bench_store_link.py --db PATH [--repeat 200]

The database is copied to a temporary folder and served by a StoreService in this process; the
worker's cursor connects to it over its Unix socket, as a worker process does (the socket, the pickles
and the owner's thread are the same; only the two interpreters are one here, so the figures are the
link's cost, not the second core's gain: bench/load_test.py --workers measures that). Printed as
JSON, per statement: the median milliseconds local and remote, and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_demo import machine  # noqa: E402

# what the pages ask most: a one-row version probe, a small page of cases, a day's frame of cases
STATEMENTS = {
    "one row (a version probe)": ("SELECT count(*) FROM data_changes", [], "fetchall"),
    "200 cases as rows (a side panel)": (
        "SELECT source, event_id, category_code, grid_code, received_at, status FROM events "
        "ORDER BY received_at DESC LIMIT 200", [], "fetchall"),
    "20,000 cases as a frame (a day's grid counts)": (
        "SELECT grid_code, category_code, received_at, status FROM events ORDER BY received_at DESC LIMIT 20000",
        [], "df"),
}


def timed_pair(local, remote, sql: str, params: list, fetch: str, rounds: int) -> tuple[float, float]:
    """Return the median milliseconds of ``sql`` fetched with ``fetch`` on each cursor, the two taking
    turns statement by statement so the machine's load falls on both alike."""
    seconds: dict[str, list[float]] = {"local": [], "remote": []}
    for _ in range(rounds):
        for name, cursor in (("local", local), ("remote", remote)):
            started = time.perf_counter()
            getattr(cursor.execute(sql, params), fetch)()
            seconds[name].append(time.perf_counter() - started)
    return statistics.median(seconds["local"]) * 1000, statistics.median(seconds["remote"]) * 1000


def run(db_path: Path, repeat: int) -> dict:
    from data import db
    from data.remote_store import RemoteCursor
    from data.store_service import StoreService

    con = db.open_store(db_path)
    service = StoreService(con).start()
    try:
        local, remote = con.cursor(), RemoteCursor(service.path)
        figures = {}
        for name, (sql, params, fetch) in STATEMENTS.items():
            rounds = repeat if fetch == "fetchall" else max(5, repeat // 20)
            timed_pair(local, remote, sql, params, fetch, 2)                      # warm both
            local_ms, remote_ms = timed_pair(local, remote, sql, params, fetch, rounds)
            figures[name] = {"local_ms": round(local_ms, 3), "remote_ms": round(remote_ms, 3),
                             "remote_over_local": round(remote_ms / local_ms, 2), "rounds": rounds}
        return figures
    finally:
        service.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="the city to copy")
    parser.add_argument("--repeat", type=int, default=200, help="executions of each small statement")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-link-") as folder:
        copy = Path(folder) / "city.duckdb"
        shutil.copy(args.db, copy)
        figures = run(copy, args.repeat)
    print(json.dumps({"machine": machine(), "load_average": [round(x, 2) for x in os.getloadavg()],
                      "statements": figures}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
