"""GET /basemap/style.json, /basemap/tiles/{z}/{x}/{y}.pbf and /basemap/font.otf: the offline basemap.

Served to any signed-in session (a wall's kiosk token signs its display in), from the app's own
origin, so a map never leaves the server. Tiles and the font are kept by the browser (they change
only when the basemap is built or imported again: the ETag names that build); the style is not,
since it carries the origin and the language it was asked for.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from flask import Blueprint, Response, request

from data import basemap, basemap_font
from layouts.basemap_style import THEMES, store_style

MAX_ZOOM = 22
TILE_CACHE = 4096                       # tiles kept in memory (a built city has ~700 of ~200 B each)
CACHE_HEADER = "private, max-age=3600"


class TileCache:
    """The newest tiles read, per basemap build, so a wall's redraw does not read the store again."""

    def __init__(self, size: int = TILE_CACHE):
        self.size, self._items, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key: tuple, read) -> bytes | None:
        """Return the tile under ``key``, reading it with ``read()`` the first time."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = read()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def _build_tag(cursor) -> str:
    rows = cursor.execute("SELECT value FROM settings WHERE key = 'basemap.built_at'").fetchall()
    return rows[0][0] if rows else "none"


def style(app_context) -> Response:
    """Answer the style in the theme and language asked for (light and zh by default)."""
    theme = request.args.get("theme", "light")
    language = request.args.get("lang", "zh")
    if theme not in THEMES or language not in ("zh", "en"):
        return _json({"error": f"theme must be one of {', '.join(THEMES)} and lang zh or en"}, 400)
    found = store_style(app_context.cursor(), theme, language, request.host_url.rstrip("/"))
    if isinstance(found, str):                       # the city's intranet style
        return Response(status=302, headers={"Location": found})
    return _json(found)


def tile(app_context, cache: TileCache, z: int, x: int, y: int) -> Response:
    """Answer one gzipped vector tile; 204 (an empty tile to MapLibre) where the basemap has none."""
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2 ** z and 0 <= y < 2 ** z):
        return _json({"error": "z/x/y out of range"}, 400)
    cursor = app_context.cursor()
    tag = _build_tag(cursor)
    data = cache.get((tag, z, x, y), lambda: basemap.read_tile(cursor, z, x, y))
    headers = {"Cache-Control": CACHE_HEADER, "ETag": f'"{tag}-{z}-{x}-{y}"'}
    if request.headers.get("If-None-Match") == headers["ETag"]:
        return Response(status=304, headers=headers)
    if data is None:
        return Response(status=204, headers=headers)
    headers["Content-Encoding"] = "gzip"
    return Response(data, mimetype="application/x-protobuf", headers=headers)


def font(app_context) -> Response:
    """Answer the label font (cut from the local CJK font the first time it is asked for)."""
    try:
        data = basemap_font.store_font(app_context.cursor())
    except basemap_font.FontMissing as exc:
        return _json({"error": str(exc)}, 404)
    return Response(data, mimetype="font/otf", headers={"Cache-Control": CACHE_HEADER})


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def register(server, app_context) -> None:
    """Mount the basemap routes on the Flask server."""
    bp, cache = Blueprint("basemap", __name__), TileCache()
    bp.add_url_rule("/basemap/style.json", "style", lambda: style(app_context))
    bp.add_url_rule("/basemap/tiles/<int:z>/<int:x>/<int:y>.pbf", "tile",
                    lambda z, x, y: tile(app_context, cache, z, x, y))
    bp.add_url_rule("/basemap/font.otf", "font", lambda: font(app_context))
    server.register_blueprint(bp)
