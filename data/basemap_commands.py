"""``python cli.py basemap build|import FILE|show``: the city's offline basemap (docs/MAP.md).

- build: vector tiles from the store's units and map features (the demo city does this when built);
- import FILE: a city's own OpenMapTiles extract as MBTiles or PMTiles v3 (e.g. cut from OpenStreetMap for its area);
- show: where the maps' basemap comes from, its zooms, bounds and size.
The server owns the store while it runs: stop it first (these commands write the store).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from data import basemap, basemap_font, db


def cmd_basemap(args) -> int:
    """Build, import or show the basemap; print a JSON summary."""
    con = db.open_store(db.resolve_db_path(args.db), read_only=args.action == "show")
    try:
        if args.action == "show":
            summary = basemap.describe(con)
        elif args.action == "build":
            summary = basemap.build_basemap(con, progress=(lambda m: None) if args.quiet else _say)
            summary["font_bytes"] = basemap_font.refresh_font(con)
        else:
            if not args.file:
                print("error: basemap import needs the file: python cli.py basemap import FILE.pmtiles|FILE.mbtiles", file=sys.stderr)
                return 2
            summary = basemap.import_file(con, Path(args.file))
            summary["font_bytes"] = basemap_font.refresh_font(con)
    except (basemap.BasemapError, basemap_font.FontMissing) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        con.close()
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def register(subparsers) -> None:
    """Add the basemap subcommand."""
    parser = subparsers.add_parser("basemap", help="the offline basemap: build, import FILE.pmtiles|FILE.mbtiles, show")
    parser.add_argument("action", choices=("build", "import", "show"))
    parser.add_argument("file", nargs="?", default=None, help="import: a PMTiles v3 or MBTiles file of vector tiles (OpenMapTiles schema)")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument("--db", default=None, help="database file (default $CITY_DB or var/city.duckdb)")
    parser.set_defaults(func=cmd_basemap)
