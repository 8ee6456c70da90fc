"""``python cli.py report``: render the daily brief of a date to a file or into the archive.

    python cli.py report --date 2026-11-19 --format pdf --out brief.pdf [--db PATH]
    python cli.py report --date 2026-11-19 --archive        (both formats into the archive folder)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from data import db, progress
from data.clock import DEFAULT_TZ
from reporting.archive import FORMATS, load_engine, render, reports_dir, write_brief
from reporting.document import DOCUMENT_STEPS, build_document
from reporting.days import parse_day, yesterday
from reporting.render import RenderError


def register(sub) -> None:
    """Add the ``report`` subcommand."""
    parser = sub.add_parser("report", help="the leaders' daily brief of a date, as PDF or HTML")
    parser.add_argument("--date", default=None, help="YYYY-MM-DD, city-local (default: yesterday)")
    parser.add_argument("--format", choices=FORMATS, default="pdf")
    parser.add_argument("--out", default=None, help="file to write (default: print the archive's path)")
    parser.add_argument("--archive", action="store_true", help="write both formats into the archive folder")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--db", default=None, help="database file (default $CITY_DB or var/city.duckdb)")
    parser.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    """Render the brief, a progress line per step on stderr; print a JSON line saying what was written."""
    con = db.open_store(args.db, read_only=True)
    tz = db.get_setting(con, "city.tz", DEFAULT_TZ)
    day = parse_day(args.date) if args.date else yesterday(int(time.time()), tz)
    archive = args.archive or not args.out
    renders = 2 if archive or args.format == "pdf" else 1          # HTML, then the PDF printed from it
    meter = progress.ConsoleProgress(f"brief of {day}", 1 + DOCUMENT_STEPS + renders, enabled=not args.quiet)
    try:
        engine = load_engine(con, tz)
        meter.step("indicator catalog")
        document = build_document(con, day, tz, engine, step_done=meter.step)
        if archive:
            paths = write_brief(con, day, tz, reports_dir(con), document=document, step_done=meter.step)
        else:
            Path(args.out).write_bytes(render(con, day, tz, args.format, document=document, step_done=meter.step))
            paths = [Path(args.out)]
    except RenderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"date": day.isoformat(), "written": [str(p) for p in paths]}, ensure_ascii=False))
    return 0
