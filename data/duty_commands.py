"""CLI: the duty roster, the camera registry, alarm types and the notification outbox.

    python cli.py roster load ROSTER.yaml          # replace the shifts the file covers
    python cli.py roster show [--days 2]
    python cli.py cameras load CAMERAS.csv         # camera_id,name,place,lon,lat[,grid_code,online]
    python cli.py cameras list
    python cli.py alarms types load TYPES.yaml     # default: the shipped data/alarm_types.yaml
    python cli.py alarms list [--status pending]
    python cli.py outbox list [--status failed]

Writes need the store to themselves: while the server holds it, stop it or use the /duty page.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from data import alarm_types, cameras, db, roster
from data.clock import DEFAULT_TZ, utc
from data.outbox import STATUSES

ACTOR = "cli"


def _print(value) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _text(path: str, limit: int = 5_000_000) -> str:
    file = Path(path)
    if file.stat().st_size > limit:
        raise ValueError(f"{path} is larger than {limit} bytes")
    return file.read_text(encoding="utf-8")


def cmd_roster(args: argparse.Namespace) -> int:
    """Load a roster file or show the shifts around now."""
    con = db.open_store(args.db, read_only=args.action == "show")
    try:
        tz = db.get_setting(con, "city.tz", DEFAULT_TZ)
        if args.action == "load":
            _print({"shifts_written": roster.load_roster(con, _text(args.file), tz, ACTOR)})
        else:
            now = int(time.time())
            rows = con.execute("SELECT s.shift_id, s.starts_at, s.ends_at, s.label, list(p.name || ' ' || p.duty_role "
                               "|| ' ' || p.mobile) FROM duty_shifts s LEFT JOIN duty_people p USING (shift_id) "
                               "WHERE s.ends_at > ? AND s.starts_at < ? GROUP BY ALL ORDER BY s.starts_at",
                               [utc(now), utc(now + args.days * 86_400)]).fetchall()
            _print([{"shift_id": r[0], "starts_at": r[1], "ends_at": r[2], "label": r[3], "people": r[4]}
                    for r in rows])
    finally:
        con.close()
    return 0


def cmd_cameras(args: argparse.Namespace) -> int:
    """Load a camera registry CSV or list the cameras."""
    con = db.open_store(args.db, read_only=args.action == "list")
    try:
        if args.action == "load":
            _print({"cameras_written": cameras.load_registry(con, _text(args.file))})
        else:
            _print([dict(zip(("camera_id", "name", "place", "grid_code", "online"), r)) for r in con.execute(
                "SELECT camera_id, name, place, grid_code, online FROM cameras ORDER BY camera_id").fetchall()])
    finally:
        con.close()
    return 0


def cmd_alarms(args: argparse.Namespace) -> int:
    """Load alarm types, or list alarms."""
    con = db.open_store(args.db, read_only=args.action == "list")
    try:
        if args.action == "types":
            types = (alarm_types.parse_types(_text(args.file)) if args.file else alarm_types.shipped_types())
            resolved = alarm_types.load_types(con, types)
            _print({"types": resolved, "without_category": sorted(c for c, v in resolved.items() if v is None)})
        else:
            rows = con.execute("SELECT alarm_id, camera_id, type_code, status, first_at, last_at, reports, case_id "
                               "FROM alarms WHERE ? IS NULL OR status = ? ORDER BY alarm_id DESC LIMIT ?",
                               [args.status, args.status, args.limit]).fetchall()
            _print([dict(zip(("alarm_id", "camera_id", "type", "status", "first_at", "last_at", "reports", "case_id"),
                             r)) for r in rows])
    finally:
        con.close()
    return 0


def cmd_outbox(args: argparse.Namespace) -> int:
    """List the outbox's messages, newest first."""
    con = db.open_store(args.db, read_only=True)
    try:
        rows = con.execute("SELECT message_id, created_at, topic, receiver, status, attempts, next_attempt_at, "
                           "last_error FROM outbox WHERE ? IS NULL OR status = ? ORDER BY message_id DESC LIMIT ?",
                           [args.status, args.status, args.limit]).fetchall()
        _print([dict(zip(("message_id", "created_at", "topic", "receiver", "status", "attempts", "next_attempt_at",
                          "last_error"), r)) for r in rows])
    finally:
        con.close()
    return 0


def register(subparsers) -> None:
    """Add the roster, cameras, alarms and outbox subcommands."""
    ros = subparsers.add_parser("roster", help="duty roster: load FILE.yaml, show")
    ros.add_argument("action", choices=("load", "show"))
    ros.add_argument("file", nargs="?", default=None, help="load: the roster YAML (shifts: start, end, label, people)")
    ros.add_argument("--days", type=int, default=2, help="show: this many days from now")
    ros.set_defaults(func=_needs_file(cmd_roster, "load"))
    cam = subparsers.add_parser("cameras", help="camera registry: load FILE.csv, list")
    cam.add_argument("action", choices=("load", "list"))
    cam.add_argument("file", nargs="?", default=None, help="load: camera_id,name,place,lon,lat[,grid_code,online]")
    cam.set_defaults(func=_needs_file(cmd_cameras, "load"))
    ala = subparsers.add_parser("alarms", help="camera alarms: types [FILE.yaml] (load alarm types), list")
    ala.add_argument("action", choices=("types", "list"))
    ala.add_argument("file", nargs="?", default=None, help="types: the alarm types YAML (default: the shipped ones)")
    ala.add_argument("--status", default=None, choices=("pending", "confirmed", "dismissed", "quiet"))
    ala.add_argument("--limit", type=int, default=50)
    ala.set_defaults(func=cmd_alarms)
    out = subparsers.add_parser("outbox", help="notification outbox: list")
    out.add_argument("action", choices=("list",))
    out.add_argument("--status", default=None, choices=STATUSES)
    out.add_argument("--limit", type=int, default=50)
    out.set_defaults(func=cmd_outbox)
    for parser in (ros, cam, ala, out):
        parser.add_argument("--db", default=None, help="database file (default $CITY_DB or var/city.duckdb)")


def _needs_file(command, action: str):
    def run(args: argparse.Namespace) -> int:
        if args.action == action and not args.file:
            raise ValueError(f"{action} needs a FILE")
        return command(args)
    return run
