"""Benchmark one page of the /orders list (queries/orders.py:list_orders), as the page asks for it.

    python bench/bench_orders_list.py --db PATH [--repeat 20]

The store is opened read-only. Timed, per filter: the first page of 50 under no filter (the centre's
view), the closed orders, one department's own orders, and a page deep in the list; printed as JSON,
the p50 and p95 milliseconds of ``--repeat`` runs each. Beside an earlier commit in one run:
``python bench/compare_commits.py --old HEAD~1 --script-from new --rounds 3 -- bench/bench_orders_list.py --db …``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_demo import machine  # noqa: E402
from queries import orders  # noqa: E402

PAGE = 50


def cases(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    """Return the timed lists by name: (the department scope, the filters, the offset)."""
    department = con.execute("SELECT department FROM work_order_departments GROUP BY department "
                             "ORDER BY count(*) DESC LIMIT 1").fetchone()
    return {"first_page": (None, orders.OrderFilters(), 0),
            "closed": (None, orders.OrderFilters(state="closed"), 0),
            "one_department": (department[0] if department else None, orders.OrderFilters(), 0),
            "deep_page": (None, orders.OrderFilters(), 100 * PAGE)}


def timed_ms(run, repeat: int) -> dict:
    """Return the p50 and p95 milliseconds of ``repeat`` calls of ``run`` (after one untimed call)."""
    run()
    spans = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        spans.append((time.perf_counter() - started) * 1000)
    spans.sort()
    return {"p50_ms": round(statistics.median(spans), 2), "p95_ms": round(spans[int(0.95 * (len(spans) - 1))], 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="the store (opened read-only)")
    parser.add_argument("--repeat", type=int, default=20, help="timed calls per list")
    args = parser.parse_args(argv)
    con = duckdb.connect(args.db, read_only=True)
    now_s = con.execute("SELECT coalesce(epoch(max(created_at))::BIGINT, 0) FROM work_orders").fetchone()[0]
    figures = {"orders": con.execute("SELECT count(*) FROM work_orders").fetchone()[0]}
    for name, (scope, filters, offset) in cases(con).items():
        figures[name] = timed_ms(lambda: orders.list_orders(con, now_s, scope, filters, PAGE, offset), args.repeat)
    print(json.dumps({"machine": machine(), "db": args.db, **figures}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
