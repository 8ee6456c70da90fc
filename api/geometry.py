"""GET /geometry/<level>/<fingerprint>.json: one level's units as GeoJSON, for the maps' choropleths.

A map's figure names its units' geometry by this address instead of carrying it (a city of 8,930
grids would otherwise send about 2 MB of coordinates in every answer that draws them, each parsed by
Dash's renderer and copied by plotly.js). plotly.js fetches it once per page and the browser keeps it:
the address names its content (the fingerprint of the bytes, data/geo.LevelGeometry), so what it
answers never changes, and new grids get a new address.

Served to the sessions whose role may open a page that draws units from it (/map). An unknown level,
or a fingerprint that is not the current one (the units changed since the figure was drawn), is
404. Nothing in the address names a file: the level is looked up among the known levels and the
fingerprint is only compared with the one computed from the store.
"""

from __future__ import annotations

import gzip
import json
import re

from flask import Blueprint, Response, g, request

from access.roles import may_open
from data.geo import FINGERPRINT_CHARS, GEOMETRY_PREFIX
from data.levels import LEVELS
from layouts.pages import page_named

CACHE_HEADER = "private, max-age=31536000, immutable"      # the address changes with the content
PAGES_DRAWING_UNITS = ("map_page",)                          # the pages whose figures name these files
FINGERPRINT = re.compile(f"[0-9a-f]{{{FINGERPRINT_CHARS}}}")


def geometry(app_context, level: str, fingerprint: str) -> Response:
    """Answer the level's GeoJSON when ``fingerprint`` is its current one (gzipped to browsers that take it)."""
    principal = g.get("principal")
    if not any(may_open(principal, page_named(name)) for name in PAGES_DRAWING_UNITS):
        return _json({"error": "your role may not open the map"}, 403)
    if level not in LEVELS:
        return _json({"error": f"level must be one of {', '.join(LEVELS)}"}, 404)
    served = app_context.unit_geometry(level) if FINGERPRINT.fullmatch(fingerprint) else None
    if served is None or served.fingerprint != fingerprint:
        return _json({"error": "no such version of this level's geometry: draw the map again"}, 404)
    headers = {"Cache-Control": CACHE_HEADER, "ETag": f'"{fingerprint}"', "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        return Response(served.gzipped, mimetype="application/json", headers={**headers, "Content-Encoding": "gzip"})
    return Response(gzip.decompress(served.gzipped), mimetype="application/json", headers=headers)


def _json(body: dict, status: int) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def register(server, app_context) -> None:
    """Mount the geometry route on the Flask server."""
    bp = Blueprint("geometry", __name__)
    bp.add_url_rule(f"{GEOMETRY_PREFIX}<level>/<fingerprint>.json", "level",
                    lambda level, fingerprint: geometry(app_context, level, fingerprint))
    server.register_blueprint(bp)
