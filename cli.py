"""City Vitals command line.

    python cli.py demo --scale demo [--seed 7] [--now 2026-11-22T09:00] [--tz ZONE] [--db PATH] [--force]
    python cli.py info [--db PATH]
    python cli.py checksum [--db PATH]
    python cli.py migrate [--db PATH]
    python cli.py check [--db PATH]
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from datetime import timedelta

import duckdb

from data import db, integrity, writer
from data.clock import DEFAULT_TZ, local_datetime
from data.demo.scales import SCALES

# Modules that add their own subcommands: each has register(subparsers) adding parsers whose
# defaults set func(args) -> exit status, and --db where they use the store.
COMMAND_MODULES: tuple[str, ...] = ("indicators.commands", "indicators.city_commands", "indicators.threshold_commands",
                                    "data.ingest.commands", "data.basemap_commands", "access.commands",
                                    "indicators.alerting.commands", "reporting.commands", "data.settings_commands",
                                    "data.backup_commands", "data.duty_commands", "data.place_commands")

DATA_TABLES = writer.DATA_TABLES


def cmd_demo(args: argparse.Namespace) -> int:
    """Build a demo city and print a JSON summary of what was written."""
    from data.demo import build  # heavy (geopandas); only this command needs it
    from indicators.period_commands import store_partials

    path = db.resolve_db_path(args.db)
    spec = build.spec_from_options(args.scale, args.seed, args.now, args.tz)
    started = time.perf_counter()
    later = args.history == "later"
    counts = build.build_demo(path, spec, progress=not args.quiet, force=args.force, history=not later)
    partial_days = 0
    if not later:                # else as the server's first start: its refresh stores them, after the history
        con = db.open_store(path)
        partial_days = store_partials(con, spec.tz, local_datetime(spec.anchor_s, spec.tz).date() - timedelta(days=1),
                                      progress=not args.quiet)
        con.close()
    summary = {"db": str(path), "scale": spec.scale.name, "seed": spec.seed, "now": args.now or "current time",
               "anchor_epoch_s": spec.anchor_s, "rows": counts.by_table, "total_rows": counts.total,
               "partial_days": partial_days,
               "seconds": round(time.perf_counter() - started, 1)}
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    """Print the store's schema version, settings and row counts as JSON."""
    con = db.open_store(args.db, read_only=True)
    settings = dict(con.execute("SELECT key, value FROM settings ORDER BY key").fetchall())
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in DATA_TABLES}
    print(json.dumps({"schema_version": db.schema_version(con), "settings": settings, "rows": counts},
                     ensure_ascii=False, indent=2))
    return 0


def cmd_checksum(args: argparse.Namespace) -> int:
    """Print (rows, content hash) of every data table: equal builds give equal lines."""
    con = db.open_store(args.db, read_only=True)
    for table, (rows, digest) in writer.store_checksum(con).items():
        print(f"{table}\t{rows}\t{digest}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Check the store's invariants (after a crash, say); exit 1 when any is broken."""
    con = db.open_store(args.db, read_only=True)
    found = integrity.problems(con)
    print(json.dumps({"consistent": not found, "checks": len(integrity.CHECKS), "problems": found},
                     ensure_ascii=False, indent=2))
    return 1 if found else 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Upgrade the store's schema to this program's version."""
    con = db.connect(db.resolve_db_path(args.db))
    applied = db.migrate(con)
    print(json.dumps({"applied": applied, "schema_version": db.schema_version(con)}))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="cli.py", description="City Vitals command line")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="build the synthetic demo city")
    demo.add_argument("--scale", default="demo", choices=list(SCALES))
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--now", default=None, help="the data's 'now' (ISO time, city-local if no offset)")
    demo.add_argument("--tz", default=DEFAULT_TZ, help="the city's time zone")
    demo.add_argument("--force", action="store_true", help="replace an existing database")
    demo.add_argument("--quiet", action="store_true", help="no progress output")
    demo.add_argument("--history", choices=("now", "later"), default="now",
                      help="the lighter history days: written now, or later by the server in the background "
                           "(as its first start builds; no daily partials either)")
    demo.set_defaults(func=cmd_demo)
    for name, func, text in (("info", cmd_info, "schema version, settings and row counts"),
                             ("checksum", cmd_checksum, "content checksum of every data table"),
                             ("check", cmd_check, "check the store's consistency (after a crash)"),
                             ("migrate", cmd_migrate, "upgrade the schema")):
        sub.add_parser(name, help=text).set_defaults(func=func)
    for subparser in sub.choices.values():
        subparser.add_argument("--db", default=None, help="database file (default $CITY_DB or var/city.duckdb)")
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit status (2 with a plain message on store errors)."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (db.StoreLockedError, db.StoreError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except duckdb.IOException as exc:
        print(f"error: the store could not be written ({exc}). The unfinished work was rolled back; "
              "free disk space and run the command again.", file=sys.stderr)
        return 3
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("interrupted: nothing was written to the target database", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
