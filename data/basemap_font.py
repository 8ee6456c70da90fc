"""The maps' label font: the machine's CJK font cut down to the characters the city's names use.

MapLibre draws map text from glyphs; instead of a glyph server, every map style declares this font
under ``font-faces`` and MapLibre draws its glyphs in the browser. The file is a few tens of kB
(ASCII and the Han characters of the store's unit and feature names), served from the app's origin.
"""

from __future__ import annotations

import io
import shutil
import subprocess

import duckdb
from fontTools import subset, ttLib

FONT_FAMILY = "City Vitals Sans"          # the name every map style and text trace asks for
FONT_QUERY = "Noto Sans CJK SC"           # Debian's fonts-noto-cjk, as fc-match finds it
FALLBACK_FILE = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2)
# Beside ASCII, the signs names and legends use (full-width brackets, the middle dot, ², °, µ, ·, −, ≥, ≤, …).
EXTRA_CHARACTERS = "（）【】《》、，。：；·—–−°²³µ≥≤×÷…％‰№"


class FontMissing(RuntimeError):
    """No CJK font is installed to cut the label font from."""


def system_font() -> tuple[str, int]:
    """Return (file, face index) of the installed CJK font."""
    if shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{file}:%{index}", FONT_QUERY], capture_output=True, text=True,
                               timeout=10).stdout
        path, _, index = found.rpartition(":")
        if path.endswith((".ttc", ".otf", ".ttf")) and "CJK" in path:
            return path, int(index or 0)
    try:
        open(FALLBACK_FILE[0], "rb").close()
    except OSError:
        raise FontMissing(f"no CJK font found: install fonts-noto-cjk ({FONT_QUERY})") from None
    return FALLBACK_FILE


def store_characters(con: duckdb.DuckDBPyConnection) -> str:
    """Return every character of the store's unit, feature and city names, plus ASCII and signs."""
    names = con.execute("SELECT string_agg(name_zh || name_en, '') FROM (SELECT name_zh, name_en FROM admin_units "
                        "UNION ALL SELECT name_zh, name_en FROM map_features)").fetchone()[0] or ""
    ascii_printable = "".join(chr(c) for c in range(32, 127))
    return "".join(sorted(set(names + ascii_printable + EXTRA_CHARACTERS)))


def cut_font(characters: str) -> bytes:
    """Return an OpenType font holding only ``characters`` of the system CJK font."""
    path, index = system_font()
    font = ttLib.TTFont(path, fontNumber=index)
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def store_font(con: duckdb.DuckDBPyConnection) -> bytes:
    """Return the label font kept in the store, cutting and keeping it first when it is missing."""
    rows = con.execute("SELECT data FROM basemap_assets WHERE name = 'font'").fetchall()
    if rows:
        return bytes(rows[0][0])
    data = cut_font(store_characters(con))
    con.execute("INSERT OR REPLACE INTO basemap_assets VALUES ('font', ?)", [data])
    return data


def refresh_font(con: duckdb.DuckDBPyConnection) -> int:
    """Cut the label font again for the store's current names; return its size in bytes."""
    con.execute("DELETE FROM basemap_assets WHERE name = 'font'")
    return len(store_font(con))
