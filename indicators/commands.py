"""CLI commands of the indicator library: check, list, refresh.

    python cli.py indicators check [--db PATH]
    python cli.py indicators list [--format csv|json|md] [--out FILE]
    python cli.py indicators coverage [--db PATH] [--at TIME] [--format json|text]   (indicators.city_commands)
    python cli.py indicators partials | period ...   (indicators.period_commands)
    python cli.py refresh [--at TIME] [--history-hours N] [--db PATH]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from tqdm import tqdm

from data import db
from data.clock import DEFAULT_TZ, HOUR_S, parse_instant
from indicators.catalog import Catalog, CatalogError, load_catalog
from indicators.city_catalog import catalog_for_store
from indicators.city_commands import add_coverage_parser
from indicators.compiler import compile_catalog
from indicators.docs import catalog_markdown, catalog_rows
from indicators.engine import Engine
from indicators.period_commands import add_period_parsers
from indicators.refresh import refresh, snapshot_hours
from indicators.sql_check import check_sql


def register(sub) -> None:
    """Add the ``indicators`` and ``refresh`` subcommands."""
    group = sub.add_parser("indicators", help="the indicator catalog: check or list it")
    actions = group.add_subparsers(dest="action", required=True)
    check = actions.add_parser("check", help="validate the catalog and compile every indicator against the schema")
    check.add_argument("--db", default=None, help="also run every scan on this database (read-only)")
    check.set_defaults(func=cmd_check)
    listing = actions.add_parser("list", help="list the expanded catalog")
    listing.add_argument("--format", choices=("csv", "json", "md"), default="csv")
    listing.add_argument("--out", default=None, help="write to this file instead of standard output")
    listing.set_defaults(func=cmd_list)
    add_coverage_parser(actions)
    add_period_parsers(actions)
    again = sub.add_parser("refresh", help="compute every indicator at an instant and store the values")
    again.add_argument("--db", default=None)
    again.add_argument("--at", default=None, help="instant to compute (ISO time, city-local without offset); default now")
    again.add_argument("--history-hours", type=int, default=0,
                       help="also compute the hourly snapshots of the N hours before --at")
    again.set_defaults(func=cmd_refresh)


def cmd_check(args: argparse.Namespace) -> int:
    """Validate the catalog; print every problem, or a summary when sound."""
    con = db.open_store(args.db, read_only=True) if args.db else None
    try:
        catalog = catalog_for_store(con) if con is not None else load_catalog()
    except CatalogError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        print(f"{len(exc.problems)} problem(s)", file=sys.stderr)
        return 1
    problems = check_sql(catalog, con)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    compiled = compile_catalog(catalog)
    print(json.dumps({"indicators": len(catalog), "domains": len(catalog.domains),
                      "subjects": sum(len(d.subjects) for d in catalog.domains),
                      "scans": len(compiled.scans), "problems": 0}, ensure_ascii=False))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """Print the expanded catalog as CSV, JSON or Markdown."""
    catalog = load_catalog()
    text = render(catalog, args.format)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    return 0


def render(catalog: Catalog, fmt: str) -> str:
    """Return the catalog rendered as csv, json or md."""
    rows = catalog_rows(catalog)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    if fmt == "md":
        return catalog_markdown(catalog)
    buffer = io.StringIO()
    out = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    out.writeheader()
    out.writerows(rows)
    return buffer.getvalue()


def cmd_refresh(args: argparse.Namespace) -> int:
    """Compute and store every indicator at --at (and the hourly snapshots before it)."""
    con = db.open_store(args.db)
    tz = db.get_setting(con, "city.tz", DEFAULT_TZ)
    at_s = parse_instant(args.at, tz)
    engine = Engine(catalog_for_store(con), tz)
    hours = snapshot_hours(at_s - args.history_hours * HOUR_S - 1, at_s - 1) if args.history_hours else []
    for hour in tqdm(hours, desc="snapshots", unit="h", disable=not hours, file=sys.stderr):
        refresh(con, engine, hour, kind="snapshot", snapshot=True)
    summary = refresh(con, engine, at_s, kind="manual")
    print(json.dumps({"at": datetime.fromtimestamp(at_s, ZoneInfo(tz)).isoformat(), "indicators": summary.indicators,
                      "values": summary.values, "seconds": round(summary.seconds, 2),
                      "snapshot": summary.snapshot, "history_snapshots": len(hours)}, ensure_ascii=False))
    return 0
