"""``python cli.py settings``: show every setting's value and where it came from; store a setting.

    python cli.py settings list [--db PATH]
    python cli.py settings set NAME VALUE [--db PATH]      (only settings with a stored key)
    python cli.py settings unset NAME [--db PATH]

Precedence (data/settings.py): command line > environment > stored setting > default. A stored value
is read by the server at the next use (the brief's time and folder each morning), or at its next start.
"""

from __future__ import annotations

import argparse
import json

from data import db, settings


def register(sub) -> None:
    """Add the ``settings`` subcommand."""
    parser = sub.add_parser("settings", help="show the settings and where each comes from; store one")
    actions = parser.add_subparsers(dest="settings_action", required=True)
    actions.add_parser("list", help="every setting, its value and its origin")
    put = actions.add_parser("set", help="store a setting in the store (environment and flags still win)")
    put.add_argument("name")
    put.add_argument("value")
    actions.add_parser("unset", help="remove a stored setting").add_argument("name")
    for action in actions.choices.values():
        action.add_argument("--db", default=None, help="database file (default $CITY_DB or var/city.duckdb)")
        action.set_defaults(func=cmd_settings)


def cmd_settings(args: argparse.Namespace) -> int:
    """Run ``settings list|set|unset``; print JSON."""
    if args.settings_action == "list":
        con = db.open_store(args.db, read_only=True)
        print(json.dumps(listing(con), ensure_ascii=False, indent=1))
        return 0
    storing = args.settings_action == "set"
    key = settings.check_stored(args.name, args.value) if storing else _key(args.name)
    con = db.open_store(args.db)
    if storing:
        db.put_settings(con, {key: args.value})
    else:
        con.execute("DELETE FROM settings WHERE key = ?", [key])
    print(json.dumps({"setting": args.name, "stored_key": key, "stored": args.value if storing else None}, ensure_ascii=False))
    return 0


def _key(name: str) -> str:
    item = settings.BY_NAME.get(name)
    if item is None or not item.stored:
        raise settings.SettingError(f"{name!r} has no stored value")
    return item.stored


def listing(con) -> list[dict]:
    """Return every setting with its value and origin (secrets shown as set or not)."""
    rows = []
    for item in settings.SETTINGS:
        value, origin = settings.resolve_with_origin(item.name, con=con)
        shown = ("(set)" if value else "(not set)") if item.secret else value
        rows.append({"setting": item.name, "value": shown, "from": origin, "environment": item.env,
                     "stored_key": item.stored})
    return rows
