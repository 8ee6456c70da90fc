"""CLI commands of the city's thresholds: propose them from its history, store the reviewed file, show it.

    python cli.py thresholds calibrate --weeks N [--write FILE] [--db PATH] [--at TIME] [--recompute]
                                       [--min-hours H] [--comment TEXT ...]
    python cli.py thresholds use FILE [--db PATH]
    python cli.py thresholds show [--db PATH]

The file format and the method: docs/THRESHOLDS.md.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
from tqdm import tqdm

from data import db
from data.city_thresholds import THRESHOLDS_KEY, thresholds_text
from data.clock import DEFAULT_TZ, HOUR_S, parse_instant, utc
from indicators import calibration
from indicators.city_catalog import catalog_for_store
from indicators.thresholds import ThresholdsError, load_thresholds, use_thresholds
from indicators.thresholds_file import SOURCES, Provenance, render_thresholds


def register(sub) -> None:
    """Add the ``thresholds`` subcommand and its actions."""
    group = sub.add_parser("thresholds", help="the city's thresholds: calibrate from its history, use a file, show")
    actions = group.add_subparsers(dest="action", required=True)
    calibrate = actions.add_parser("calibrate", help="propose per-level thresholds from the city's hourly history")
    calibrate.add_argument("--weeks", type=float, required=True, help="weeks of history to read, ending at --at")
    calibrate.add_argument("--at", default=None, help="end of the history (ISO time, city-local without offset); "
                           "default the newest stored snapshot")
    calibrate.add_argument("--write", default=None, help="write the proposal to this file (default standard output)")
    calibrate.add_argument("--recompute", action="store_true", help="evaluate the indicators at every hour "
                           "instead of reading the stored snapshots (a store the server has not run on)")
    calibrate.add_argument("--min-hours", type=int, default=calibration.DEFAULT_MIN_HOURS,
                           help="hourly snapshots a level needs to be calibrated (default a week)")
    calibrate.add_argument("--comment", action="append", default=[], help="a line for the file's header (repeatable)")
    calibrate.set_defaults(func=cmd_calibrate)
    use = actions.add_parser("use", help="validate a reviewed thresholds file and keep it in the store")
    use.add_argument("file")
    use.set_defaults(func=cmd_use)
    actions.add_parser("show", help="print the thresholds file the store keeps").set_defaults(func=cmd_show)
    for parser in actions.choices.values():
        parser.add_argument("--db", default=None, help="database file (default $CITY_DB or var/city.duckdb)")


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Write (or print) the thresholds proposed from --weeks of history; say how many pairs were skipped."""
    con = db.open_store(args.db, read_only=True)
    tz = db.get_setting(con, "city.tz", DEFAULT_TZ)
    catalog = catalog_for_store(con)
    end_s = parse_instant(args.at, tz) if args.at else newest_snapshot(con)
    start_s = end_s - int(args.weeks * 7 * 24 * HOUR_S)
    targets = calibration.calibration_targets(catalog)
    counts = _counts(con, catalog, targets, tz, start_s, end_s, args.recompute)
    proposals = calibration.propose(targets, counts, args.min_hours)
    text = render_thresholds(proposals, _provenance(con, args, tz, start_s, end_s))
    load_thresholds(text, catalog, args.write or "the proposal")           # what it writes, it can read back
    _emit(text, args.write)
    made = sum(p.bounds is not None for p in proposals)
    print(json.dumps({"calibrated": made, "skipped": len(proposals) - made, "written": args.write,
                      "from": _local(start_s, tz), "until": _local(end_s, tz)}, ensure_ascii=False), file=sys.stderr)
    return 0


def newest_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    """Return the instant of the newest stored hourly snapshot, or refuse when there is none."""
    newest = con.execute("SELECT epoch(max(as_of))::BIGINT FROM indicator_history_all").fetchall()[0][0]
    if newest is None:
        raise ValueError("the store keeps no hourly snapshots yet: run the server for a while, or "
                         "`python cli.py refresh --at TIME --history-hours N`, or calibrate with --recompute")
    return int(newest)


def _counts(con, catalog, targets, tz: str, start_s: int, end_s: int, recompute: bool) -> calibration.ValueCounts:
    if not recompute:
        return calibration.stored_counts(con, targets, start_s, end_s)
    bar = tqdm(total=len(calibration.hourly_instants(start_s, end_s)), unit="h", desc="hours", file=sys.stderr)
    counts = calibration.recomputed_counts(con, catalog, targets, tz, start_s, end_s, progress=lambda _: bar.update())
    bar.close()
    return counts


def _provenance(con, args: argparse.Namespace, tz: str, start_s: int, end_s: int) -> Provenance:
    command = ["python", "cli.py", "thresholds", "calibrate", "--weeks", f"{args.weeks:g}",
               "--at", utc(end_s).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M")]
    command += (["--recompute"] if args.recompute else []) + (["--min-hours", str(args.min_hours)]
                                                              if args.min_hours != calibration.DEFAULT_MIN_HOURS else [])
    command += ["--db", args.db] if args.db else []
    command += ["--write", args.write] if args.write else []
    return Provenance(db.get_setting(con, "city.name_zh", ""), db.get_setting(con, "city.name_en", ""), args.weeks,
                      _local(start_s, tz), _local(end_s, tz),
                      SOURCES[bool(args.recompute)], args.min_hours,
                      shlex.join(command), tuple(args.comment))


def _local(epoch_s: int, tz: str) -> str:
    return datetime.fromtimestamp(epoch_s, ZoneInfo(tz)).isoformat()


def _emit(text: str, path: str | None) -> None:
    if path:
        Path(path).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def cmd_use(args: argparse.Namespace) -> int:
    """Validate FILE against the store's catalog and keep it; list every problem (and keep the old one) if not."""
    text = Path(args.file).read_text(encoding="utf-8")
    con = db.open_store(args.db)
    try:
        parsed = use_thresholds(con, text, args.file, catalog_for_store)
    except ThresholdsError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        print(f"{len(exc.problems)} problem(s); nothing was stored", file=sys.stderr)
        return 1
    print(json.dumps({"stored": args.file, "setting": THRESHOLDS_KEY, "indicators": len(parsed.entries),
                      "levels": parsed.levels, "city": parsed.city, "calibrated": parsed.calibrated,
                      "note": "restart the server to apply them"}, ensure_ascii=False, indent=2, default=str))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print the stored thresholds file as it was stored (exit 1 when the store keeps none)."""
    con = db.open_store(args.db, read_only=True)
    text = thresholds_text(con)
    if text is None:
        print(f"the store keeps no thresholds file (setting {THRESHOLDS_KEY}): the catalog's bounds apply, and "
              "levels marked calibrate have none", file=sys.stderr)
        return 1
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
