"""GET /basemap/sprite.json and .png (and @2x): the place icons as a MapLibre sprite, from the app's origin.

The icons are the PNGs under assets/place_icons/ (48 px, drawn by scripts/make_place_icons.py); the
sprite packs them in one row, at 48 px for screens of pixel ratio 2 and reduced to 24 px for the
others. The vendored style names this sprite (layouts/basemap_style.py), so the places layer on
/map and the wall draws its icons without a sprite server. Served, like the tiles, to any
signed-in session or wall.
"""

from __future__ import annotations

import io
import json
from functools import lru_cache

from flask import Blueprint, Response
from PIL import Image

from data.places import ICON_DIR, shipped_icons
from layouts.place_layers import ICON_PREFIX

ICON_PX = 24                            # an icon's size in CSS pixels
CACHE_HEADER = "private, max-age=3600"


@lru_cache(maxsize=2)
def sprite(ratio: int) -> tuple[bytes, bytes]:
    """Return (index JSON, PNG) of the sprite at pixel ratio 1 or 2."""
    size = ICON_PX * ratio
    names = shipped_icons()
    sheet = Image.new("RGBA", (size * max(len(names), 1), size), (0, 0, 0, 0))
    index = {}
    for position, name in enumerate(names):
        with Image.open(ICON_DIR / f"{name}.png") as icon:
            sheet.paste(icon.convert("RGBA").resize((size, size), Image.LANCZOS), (position * size, 0))
        index[ICON_PREFIX + name] = {"x": position * size, "y": 0, "width": size, "height": size, "pixelRatio": ratio}
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG", optimize=True)
    return json.dumps(index).encode("utf-8"), buffer.getvalue()


def _answer(ratio: int, part: int, mimetype: str) -> Response:
    return Response(sprite(ratio)[part], mimetype=mimetype, headers={"Cache-Control": CACHE_HEADER})


def register(server, _app_context=None) -> None:
    """Mount the sprite routes on the Flask server."""
    bp = Blueprint("place_icons", __name__)
    bp.add_url_rule("/basemap/sprite.json", "index", lambda: _answer(1, 0, "application/json"))
    bp.add_url_rule("/basemap/sprite.png", "image", lambda: _answer(1, 1, "image/png"))
    bp.add_url_rule("/basemap/sprite@2x.json", "index2", lambda: _answer(2, 0, "application/json"))
    bp.add_url_rule("/basemap/sprite@2x.png", "image2", lambda: _answer(2, 1, "image/png"))
    server.register_blueprint(bp)
