"""Time to build a brief (a day by default; any period) and to render its HTML and PDF.

    python bench/bench_report.py --db var/city.duckdb [--date YYYY-MM-DD | --period 2026-11]

Prints the seconds of each step and the machine it ran on (no assertions: figures for docs/).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data import db  # noqa: E402
from data.clock import DEFAULT_TZ  # noqa: E402
from reporting.archive import load_engine  # noqa: E402
from reporting.area import resolve_area  # noqa: E402
from reporting.document import build_document  # noqa: E402
from reporting.render import html_to_pdf, render_html  # noqa: E402
from reporting.span import brief_span, default_period, first_data_s, parse_period  # noqa: E402


def timed(step, *args):
    """Return (result, seconds) of one call."""
    started = time.perf_counter()
    result = step(*args)
    return result, round(time.perf_counter() - started, 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None)
    parser.add_argument("--date", default=None)
    parser.add_argument("--period", default=None, help="2026-11-19, 2026-W47, 2026-11 or 2026-Q4")
    args = parser.parse_args()
    con = db.open_store(args.db, read_only=True)
    tz = db.get_setting(con, "city.tz", DEFAULT_TZ)
    until = int(db.get_setting(con, "data.until_s") or time.time())
    key = args.period or args.date
    period = parse_period(key) if key else default_period("day", until, tz)
    span, area = brief_span(period, tz, until, first_data_s(con)), resolve_area(con, None)
    engine, load_s = timed(load_engine, con, tz)
    _, first_s = timed(build_document, con, span, area, engine)
    doc, build_s = timed(build_document, con, span, area, engine)
    html, html_s = timed(render_html, doc)
    pdf, pdf_s = timed(html_to_pdf, html)
    events = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
    print(json.dumps({"period": str(period), "events": events, "catalog_load_s": load_s,
                      "build_first_s": first_s, "build_s": build_s, "html_s": html_s, "pdf_s": pdf_s,
                      "html_bytes": len(html.encode()), "pdf_bytes": len(pdf),
                      "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                  "platform": platform.platform()}}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
