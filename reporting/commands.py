"""``python cli.py report``: render a brief (day, week, month or quarter; the city or one area) to
a file or into the archive, or print a signed phone link to it.

    python cli.py report --period 2026-11 --format pdf --out brief.pdf [--area CODE] [--lang en] [--db PATH]
    python cli.py report --date 2026-11-19 --archive        (both formats into the archive folder)
    python cli.py report --period 2026-W47 --link --base-url http://10.0.0.5:8050 [--days 7]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from data import db, progress
from data.clock import DEFAULT_TZ
from indicators.periods import PeriodError
from reporting.archive import FORMATS, LANGUAGES, fresh_document, render, reports_dir, write_brief
from reporting.delivery import link_url
from reporting.render import RenderError
from reporting.span import BriefRefused, default_period, parse_period


def register(sub) -> None:
    """Add the ``report`` subcommand."""
    parser = sub.add_parser("report", help="a brief of a day, week, month or quarter, as PDF or HTML")
    parser.add_argument("--period", default=None, help="2026-11-19, 2026-W47, 2026-11, 2026-Q4 or 2026 (default: yesterday)")
    parser.add_argument("--date", default=None, help="a day, YYYY-MM-DD (the same as --period of a day)")
    parser.add_argument("--area", default=None, help="a district, street or community code (default: the city)")
    parser.add_argument("--lang", choices=LANGUAGES, default="zh")
    parser.add_argument("--format", choices=FORMATS, default="pdf")
    parser.add_argument("--out", default=None, help="file to write (default: print the archive's path)")
    parser.add_argument("--archive", action="store_true", help="write both formats into the archive folder")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--link", action="store_true", help="print a signed phone link to the brief instead")
    parser.add_argument("--base-url", default=None, help="the server's address as leaders reach it (with --link)")
    parser.add_argument("--days", type=int, default=None, help="how long the link opens (default 7 days)")
    parser.add_argument("--db", default=None, help="database file (default $CITY_DB or var/city.duckdb)")
    parser.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    """Render the brief, a progress line per step on stderr; print a JSON line saying what was written
    (exit 2 for a refused period)."""
    con = db.open_store(args.db, read_only=True)
    tz = db.get_setting(con, "city.tz", DEFAULT_TZ)
    now_s = time.time()
    try:
        period = parse_period(args.period or args.date) if (args.period or args.date) else default_period("day", now_s, tz)
        if args.link:
            return _print_link(con, args, period, now_s)
        meter = progress.ConsoleProgress(f"brief of {period}", 2, enabled=not args.quiet)
        document = fresh_document(con, period, tz, now_s, args.area)
        meter.step("figures, rankings and charts")
        if args.archive or not args.out:
            paths = write_brief(document, reports_dir(con), (args.lang,))
        else:
            Path(args.out).write_bytes(render(document, args.format, args.lang))
            paths = [Path(args.out)]
        meter.step("written")
    except BriefRefused as exc:
        print(f"error: {exc.message(args.lang)}", file=sys.stderr)
        return 2
    except (PeriodError, ValueError, RenderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2 if not isinstance(exc, RenderError) else 1
    print(json.dumps({"period": str(period), "area": args.area, "lang": args.lang, "provisional": document.brief.span.provisional,
                      "written": [str(p) for p in paths]}, ensure_ascii=False))
    return 0


def _print_link(con, args, period, now_s: float) -> int:
    url = link_url(con, str(period), args.area or "", args.lang, now_s, args.base_url, args.days)
    print(json.dumps({"period": str(period), "link": url}, ensure_ascii=False))
    return 0
