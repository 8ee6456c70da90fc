"""Time to build the daily brief and to render its HTML and PDF, to open the figures of an
ended day, week and month (every indicator with period views at city, district and street, with
环比 and 同比) from the stored daily partials, beside the same figures rescanned from the cases, and
to open the brief of an ended day, week and month as a reader does (its page's document and its
Chinese PDF, in a server whose memory holds nothing yet): built on that request (no kept brief),
and kept ahead by the prebuild job (reporting/prebuild.py).

    python bench/bench_report.py --db var/city.duckdb [--date YYYY-MM-DD] [--skip-periods]

Prints the seconds of each step and the machine it ran on (no assertions: figures for docs/). The
store is opened for writing: the daily partials it lacks are stored first, as the server does.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data import db  # noqa: E402
from data.clock import DEFAULT_TZ  # noqa: E402
from indicators.day_partials import DayPartials  # noqa: E402
from indicators.period_values import PeriodValues  # noqa: E402
from indicators.periods import Period  # noqa: E402
from reporting.archive import load_engine  # noqa: E402
from reporting.area import resolve_area  # noqa: E402
from reporting.days import parse_day, yesterday  # noqa: E402
from reporting.document import build_document  # noqa: E402
from reporting.render import html_to_pdf, render_html  # noqa: E402
from reporting.span import ended_span  # noqa: E402


def timed(step, *args):
    """Return (result, seconds) of one call."""
    started = time.perf_counter()
    result = step(*args)
    return result, round(time.perf_counter() - started, 2)


def open_period(values: PeriodValues, con, period: Period, now_s: int) -> int:
    """Return the rows of a period's figures with its 环比 and 同比, as a brief of it reads them."""
    return sum(len(values.compare(con, period, comparison, now_s)) for comparison in ("previous", "same_last_year"))


def rescan_period(partials: DayPartials, con, period: Period) -> int:
    """Return the rows of the same period's parts computed from the cases (no stored partials)."""
    days = list(period.days())
    for other in (period.previous(), period.same_last_year()):
        days += list(other.days())
    return len(partials.compute(con, days))


def period_figures(con, engine, until_s: int, day) -> dict:
    """Return the seconds to store the daily partials the store lacks (what the server does as each
    day ends, and the demo build once), then to open the ended day ``day``, the last ended week and
    month (twice: the second open is what a reader gets), and to rescan them from the cases."""
    values = PeriodValues(DayPartials(engine.catalog, engine.tz))
    stored, store_s = timed(values.partials.bring_up_to_date, con, day)
    figures = {"partial_days_stored": stored, "partials_store_s": store_s}
    for kind in ("day", "week", "month"):
        period = Period.containing(kind, day) if kind == "day" else Period.last_ended(kind, day + timedelta(days=1))
        _, first_s = timed(open_period, values, con, period, until_s)
        _, again_s = timed(open_period, values, con, period, until_s)
        _, rescan_s = timed(rescan_period, values.partials, con, period)
        figures[kind] = {"period": str(period), "open_first_s": first_s, "open_s": again_s, "rescan_s": rescan_s}
    return figures


def fresh_server(con, engine, tz: str, now_s: int):
    """Return an AppContext as a server just started holds it (no brief in memory), frozen at ``now_s``."""
    from callbacks.context import AppContext

    return AppContext(con=con, tz=tz, city_name_zh="", city_name_en="", frozen_now_s=now_s,
                      catalog=engine.catalog, engine=engine)


def open_brief(app_context, period: Period) -> int:
    """Open a brief as a reader does: the page's document, then its Chinese PDF; return the PDF's bytes."""
    from api.reports import brief_bytes
    from reporting.archive import brief_document

    from layouts.summary import brief_body

    brief_body(brief_document(app_context, period), "zh")
    return len(brief_bytes(app_context, period, "pdf"))


def brief_figures(con, engine, tz: str, until_s: int, day) -> dict:
    """Return, per ended period, the seconds a reader waits for its brief when none is kept (what
    every first open in a server's life cost before briefs were kept), the seconds the prebuild job
    takes to keep it, and a reader's wait after that in a freshly started server."""
    from reporting import prebuild

    figures = {}
    for kind in ("day", "week", "month"):
        period = Period.containing(kind, day) if kind == "day" else Period.last_ended(kind, day + timedelta(days=1))
        con.execute("DELETE FROM brief_builds WHERE period = ?", [str(period)])
        _, unkept_s = timed(open_brief, fresh_server(con, engine, tz, until_s), period)
        con.execute("DELETE FROM brief_builds WHERE period = ?", [str(period)])
        job = prebuild.Job(period, None, ended_span(period, tz).end_s, pdf=True)
        _, ahead_s = timed(prebuild._build, fresh_server(con, engine, tz, until_s), job)
        _, kept_s = timed(open_brief, fresh_server(con, engine, tz, until_s), period)
        figures[kind] = {"period": str(period), "open_unkept_s": unkept_s, "prebuild_s": ahead_s,
                         "open_kept_s": kept_s}
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None)
    parser.add_argument("--date", default=None)
    parser.add_argument("--skip-periods", action="store_true", help="only the daily brief and the briefs' opening")
    args = parser.parse_args()
    con = db.open_store(args.db)                 # writable: the daily partials it lacks are stored first
    tz = db.get_setting(con, "city.tz", DEFAULT_TZ)
    until = int(db.get_setting(con, "data.until_s") or time.time())
    day = parse_day(args.date) if args.date else yesterday(until, tz)
    engine, load_s = timed(load_engine, con, tz)
    span, city = ended_span(Period.containing("day", day), tz), resolve_area(con, None)
    _, first_s = timed(build_document, con, span, city, engine)
    doc, build_s = timed(build_document, con, span, city, engine)
    html, html_s = timed(render_html, doc)
    pdf, pdf_s = timed(html_to_pdf, html)
    periods = {} if args.skip_periods else period_figures(con, engine, until, day)
    briefs = brief_figures(con, engine, tz, until, day)
    events = con.execute("SELECT count(*) FROM events").fetchall()[0][0]
    print(json.dumps({"date": day.isoformat(), "events": events, "catalog_load_s": load_s,
                      "build_first_s": first_s, "build_s": build_s, "html_s": html_s, "pdf_s": pdf_s,
                      "html_bytes": len(html.encode()), "pdf_bytes": len(pdf), "periods": periods, "briefs": briefs,
                      "load_average": os.getloadavg(),
                      "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                  "platform": platform.platform()}}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
