"""Benchmark of the unit search (/map and the wall): the index build and one search per keystroke.

    python bench/bench_unit_search.py [--db STORE] [--grids 9000] [--repeat 5]

Without ``--db`` it measures a synthetic city the size of Xuzhou's (over 9,000 grids) with Chinese
names drawn from a fixed syllable list, so initials collide as they do in a real city. For each
query (a grid's code, a community's name, its pinyin initials, a substring) every prefix is searched
as the user types it. Prints one JSON object: the units indexed, the build time and the search
p50/p95/max in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import duckdb
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from queries.unit_search import build_index  # noqa: E402

SYLLABLES = "和平安宁新华东西南北长江山河湖海青石桥林园花城乡镇村庄港湾洲岭峰泉溪田坪塘堰"
SEED = 20


def synthetic_city(grids: int) -> duckdb.DuckDBPyConnection:
    """Return an in-memory admin_units of one city, 10 districts, 10 streets each, 10 communities
    per street and ``grids`` grids spread over the communities."""
    rng = random.Random(SEED)
    name = lambda suffix: "".join(rng.choice(SYLLABLES) for _ in range(2)) + suffix  # noqa: E731
    rows = [("990000", "city", 0, "测试市", "Test City", None)]
    for d in range(10):
        district = f"99{d + 1:02d}00"
        rows.append((district, "district", 1, name("区"), f"District {d + 1}", "990000"))
        for s in range(10):
            street = f"{district}{s + 1:03d}"
            rows.append((street, "street", 2, name("街道"), f"Street {s + 1}", district))
            for c in range(10):
                rows.append((f"{street}{c + 1:03d}", "community", 3, name("社区"), f"Community {c + 1}", street))
    communities = [r[0] for r in rows if r[1] == "community"]
    for g in range(grids):
        parent = communities[g % len(communities)]
        number = g // len(communities) + 1
        rows.append((f"{parent}{number:03d}", "grid", 4, f"第{number}网格", f"Grid {number}", parent))
    con = duckdb.connect()
    con.execute("CREATE TABLE admin_units (code VARCHAR, level VARCHAR, level_no INT, name_zh VARCHAR, name_en VARCHAR,"
                " parent_code VARCHAR)")
    con.executemany("INSERT INTO admin_units VALUES (?, ?, ?, ?, ?, ?)", rows)
    return con


def queries_of(index) -> list[str]:
    """Return what a user types: a grid's code, a community's name, its initials, a substring of a name."""
    grid = next(e for e in reversed(index.entries) if e.level == "grid")
    community = next(e for e in index.entries if e.level == "community")
    return [grid.code, community.name_zh, community.pinyin_keys[0] if community.pinyin_keys else community.name_en,
            community.name_zh[1:3], "网格"]


def measure(con, repeat: int) -> dict:
    """Return the index build time and the search times of every keystroke of every query."""
    builds = []
    for _ in range(repeat):
        started = time.perf_counter()
        index = build_index(con)
        builds.append(time.perf_counter() - started)
    times = []
    for text in queries_of(index):
        for end in range(1, len(text) + 1):
            for _ in range(repeat):
                started = time.perf_counter()
                index.search(text[:end])
                times.append((time.perf_counter() - started) * 1000)
    return {"units": len(index.entries), "build_s_p50": round(float(np.median(builds)), 3),
            "search_ms_p50": round(float(np.percentile(times, 50)), 2),
            "search_ms_p95": round(float(np.percentile(times, 95)), 2), "search_ms_max": round(max(times), 2),
            "keystrokes": len(times) // repeat}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a store to index (default: a synthetic city)")
    parser.add_argument("--grids", type=int, default=9000, help="grids of the synthetic city")
    parser.add_argument("--repeat", type=int, default=5, help="builds, and searches per keystroke")
    args = parser.parse_args(argv)
    con = duckdb.connect(args.db, read_only=True) if args.db else synthetic_city(args.grids)
    print(json.dumps({"unit_search": measure(con, args.repeat)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
