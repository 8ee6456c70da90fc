"""CLI commands for a city's profile and what the catalog computes for it.

    python cli.py city init PROFILE [--db PATH]          # names, zone, channels, taxonomy, statuses, units
    python cli.py city show [--db PATH]                  # what the store knows of its city
    python cli.py city load FOLDER --db PATH [--force]   # profile, then every feed it lists, then units
    python cli.py indicators coverage [--db PATH] [--at TIME] [--format json|text]

They live beside the catalog because a profile's channel roles are the catalog's (indicators/catalog/
_lists.yaml ``channel_roles``), and coverage reads the catalog expanded over the store's taxonomy.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from data import db, profile
from data.clock import DEFAULT_TZ, parse_instant
from data.ingest import pipeline
from data.ingest.mapping import load_mapping
from indicators.city_catalog import catalog_for_store, channel_roles, unusable_categories
from indicators.coverage import coverage, store_holdings
from indicators.engine import Engine
from indicators.thresholds import use_thresholds


def _print(value) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def cmd_city_init(args: argparse.Namespace) -> int:
    """Put a profile in the store; the units file only when the store already holds the units."""
    city = profile.load_profile(args.profile, channel_roles())
    con = db.open_store(args.db)
    has_units = con.execute("SELECT count(*) > 0 FROM admin_units").fetchone()[0]
    written = profile.write_profile(con, city, units=has_units)
    if city.units and not has_units:
        written["units_note"] = "the units file applies once the grids are loaded (python cli.py city load)"
    written.update(_keep_thresholds(con, city))
    _print({"db": str(db.resolve_db_path(args.db)), "city": city.name_en, "timezone": city.timezone, **written})
    return 0


def cmd_city_show(args: argparse.Namespace) -> int:
    """Print what the store knows of its city."""
    con = db.open_store(args.db, read_only=True)
    _print({**profile.describe_store(con), "categories_not_usable_in_filters": unusable_categories(con)})
    return 0


def cmd_city_load(args: argparse.Namespace) -> int:
    """Make a store from a city folder: the profile, each feed in order (grids first), then units."""
    city = profile.load_profile(args.folder, channel_roles())
    path = db.resolve_db_path(args.db)
    if path.exists() and not args.force:
        raise ValueError(f"{path} exists: give --force to replace it, or another --db")
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    con = db.open_store(path)
    written = profile.write_profile(con, city, units=False)
    feeds = []
    for number, feed in enumerate(city.feeds, start=1):
        mapping = load_mapping(str(feed.mapping))
        print(f"[{number}/{len(city.feeds)}] {mapping.kind}: {feed.file.name} ({feed.mapping.name})",
              file=sys.stderr, flush=True)
        summary = pipeline.ingest_path(con, mapping.kind, feed.file, mapping, progress=not args.quiet)
        feeds.append(summary.as_dict())
    if city.units:
        written["units_updated"] = profile.write_units(con, city.units)
    written.update(_keep_thresholds(con, city))
    _print({"db": str(path), "city": city.name_en, "timezone": city.timezone, **written, "feeds": feeds})
    return 0


def _keep_thresholds(con, city: profile.CityProfile) -> dict:
    """Check the profile's thresholds file against the store's catalog and keep it (docs/THRESHOLDS.md);
    return what was kept. Its categories and channels must be in the store first."""
    if city.thresholds is None:
        return {}
    kept = use_thresholds(con, city.thresholds.read_text(encoding="utf-8"), str(city.thresholds), catalog_for_store)
    return {"thresholds": len(kept.entries)}


def cmd_coverage(args: argparse.Namespace) -> int:
    """Print which indicators the city computes, which lack an input (and which), and how many have
    a city value at --at (default: the newest instant of the store's data)."""
    con = db.open_store(args.db, read_only=True)
    report = coverage_report(con, args.at)
    if args.format == "json":
        _print(report)
        return 0
    print(f"{report['computable']} of {report['indicators']} indicators compute for this city; "
          f"{report['with_values']} have a city value at {report['at']}.")
    for item in report["missing"]:
        print(f"  {item['id']}: lacks {'; '.join(item['lacks'])}")
    return 0


def coverage_report(con, at: str | None) -> dict:
    """Return the coverage of the store's catalog and the city values at ``at`` (see cmd_coverage)."""
    tz = db.get_setting(con, "city.tz", DEFAULT_TZ)
    catalog = catalog_for_store(con)
    lacking = coverage(catalog, store_holdings(con))
    at_s = parse_instant(at, tz) if at else newest_data_s(con)
    values = Engine(catalog, tz).evaluate(con, at_s)
    valued = set(values.loc[(values["level"] == "city") & values["value"].notna(), "indicator_id"])
    computing = [i for i, lacks in lacking.items() if not lacks]
    return {"at": datetime.fromtimestamp(at_s, ZoneInfo(tz)).isoformat(), "indicators": len(catalog),
            "computable": len(computing), "with_values": len(valued & set(computing)),
            "computing_without_value": sorted(set(computing) - valued),
            "missing": [{"id": i, "lacks": [lack.text() for lack in lacks]} for i, lacks in lacking.items() if lacks]}


def newest_data_s(con) -> int:
    """Return the newest instant of the store's cases and readings (its 'now' for a past city)."""
    newest = con.execute("SELECT epoch(greatest(coalesce((SELECT max(received_at) FROM events), TIMESTAMPTZ 'epoch'), "
                         "coalesce((SELECT max(ts) FROM readings_all), TIMESTAMPTZ 'epoch')))").fetchone()[0]
    if not newest:
        raise ValueError("the store holds no cases and no readings: nothing to cover (load the city's feeds first)")
    return int(newest)


def register(sub) -> None:
    """Add the ``city`` command."""
    city = sub.add_parser("city", help="the city's profile: init, show, load")
    actions = city.add_subparsers(dest="action", required=True)
    init = actions.add_parser("init", help="put a city profile (city.yaml) in the store")
    init.add_argument("profile", help="a city.yaml, or the folder holding one")
    init.set_defaults(func=cmd_city_init)
    show = actions.add_parser("show", help="what the store knows of its city")
    show.set_defaults(func=cmd_city_show)
    load = actions.add_parser("load", help="make a store from a city folder: profile, feeds, units")
    load.add_argument("folder", help="the folder with city.yaml (e.g. examples/sanfrancisco)")
    load.add_argument("--force", action="store_true", help="replace an existing database")
    load.add_argument("--quiet", action="store_true", help="no progress bars")
    load.set_defaults(func=cmd_city_load)
    for parser in (init, show, load):
        parser.add_argument("--db", default=None, help="database file (default $CITY_DB or var/city.duckdb)")


def add_coverage_parser(actions) -> None:
    """Add ``coverage`` to the ``indicators`` group's actions."""
    cover = actions.add_parser("coverage", help="which indicators compute for this city, and what the others lack")
    cover.add_argument("--db", default=None)
    cover.add_argument("--at", default=None, help="instant for with_values (city-local ISO); default: newest data")
    cover.add_argument("--format", choices=("json", "text"), default="text")
    cover.set_defaults(func=cmd_coverage)
