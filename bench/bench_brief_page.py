"""The leaders' phone page of a kept brief (``GET /brief/<signed link>``) in process, through the Flask
test client of the real app: the first reader's request, then the next readers' requests of the same
page, per period and language.

    python bench/bench_brief_page.py --db var/city.duckdb --at 2026-11-20T15:30:00 \\
        --periods 2026-11-19 2026-11-17 2026-W46 --languages zh en --readers 20

Each brief is built and kept first (as the prebuild job does), so the figures are the page alone.
Prints one JSON object of milliseconds (no assertions: figures for docs/PERFORMANCE.md); to compare
two commits, run it through bench/compare_commits.py with ``--script-from new``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import app as app_module  # noqa: E402
from reporting.archive import brief_document, reports_dir  # noqa: E402
from reporting.links import BriefLink, link_secret, sign  # noqa: E402
from reporting.span import parse_period  # noqa: E402

LINK_LIFE_S = 3600


def _ms(step) -> float:
    started = time.perf_counter()
    step()
    return (time.perf_counter() - started) * 1000


def _read(client, path: str) -> None:
    answer = client.get(path)
    if answer.status_code != 200:
        raise SystemExit(f"{path}: {answer.status_code} {answer.text[:200]}")


def page_figures(client, path: str, readers: int) -> dict:
    """Return the first reader's ms and the median and slowest of the next ``readers``."""
    first = _ms(lambda: _read(client, path))
    again = sorted(_ms(lambda: _read(client, path)) for _ in range(readers))
    return {"first_ms": round(first, 1), "again_median_ms": round(statistics.median(again), 1),
            "again_max_ms": round(again[-1], 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a store (compare_commits.py hands each run a fresh copy)")
    parser.add_argument("--at", required=True, help="the instant the server is frozen at (city-local)")
    parser.add_argument("--periods", nargs="+", required=True, help="ended periods: 2026-11-19, 2026-W46 …")
    parser.add_argument("--languages", nargs="+", default=["zh", "en"], choices=["zh", "en"])
    parser.add_argument("--readers", type=int, default=20, help="readers after the first, per page")
    args = parser.parse_args()
    context = app_module.open_context(Path(args.db), args.at)
    client = app_module.create_app(context).server.test_client()
    secret = link_secret(reports_dir(context.cursor()))
    figures = {}
    for period in args.periods:
        brief_document(context, parse_period(period))           # built and kept ahead, as the prebuild job does
        for language in args.languages:
            token = sign(BriefLink(period, "", language, context.now_s() + LINK_LIFE_S), secret)
            figures[f"{period}.{language}"] = page_figures(client, f"/brief/{token}", args.readers)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
