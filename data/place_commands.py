"""``python cli.py places kinds [FILE]|list``: the city's place kinds and places (docs/PLACES.md).

- kinds FILE: store a city's own place kinds (a YAML ``kinds`` list like data/place_kinds.yaml:
  code, name_zh, name_en, icon, near_m), replacing those of the same code; without FILE, the
  shipped kinds;
- list: the kinds the store uses and how many places each has.
Places themselves come in through ``python cli.py ingest places FILE --mapping M`` (or POST
/api/v1/places). The server owns the store while it runs: stop it before ``kinds``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from data import db, places
from data.text import TextError


def cmd_places(args) -> int:
    """Load place kinds or list them with their places; print JSON."""
    con = db.open_store(db.resolve_db_path(args.db), read_only=args.action == "list")
    try:
        if args.action == "kinds":
            kinds = places.parse_kinds(Path(args.file).read_text(encoding="utf-8")) if args.file \
                else places.shipped_kinds()
            summary = {"kinds_stored": places.load_kinds(con, kinds)}
        else:
            counts = dict(con.execute("SELECT kind, count(*) FROM places GROUP BY kind").fetchall())
            summary = {"kinds": [{**k.__dict__, "places": int(counts.get(k.code, 0))}
                                 for k in places.stored_kinds(con)]}
    except (TextError, OSError, UnicodeDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        con.close()
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


def register(subparsers) -> None:
    """Add the places subcommand."""
    parser = subparsers.add_parser("places", help="place kinds: load a city's own (kinds FILE) or list them")
    parser.add_argument("action", choices=("kinds", "list"))
    parser.add_argument("file", nargs="?", default=None, help="kinds: a YAML file of place kinds (default: the shipped)")
    parser.add_argument("--db", default=None, help="database file (default $CITY_DB or var/city.duckdb)")
    parser.set_defaults(func=cmd_places)
