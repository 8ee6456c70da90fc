"""The basemap built from the tiny city's geometry, imported from an MBTiles file, and its label font."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import shapely

from data import basemap, basemap_font, db, mvt
from layouts.basemap_style import first_label_layer, style_json
from tests.data.mvt_reader import read_tile

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(tmp_path_factory, tiny_db_path):
    """Return (connection, build summary) of a copy of the tiny city with its basemap built again."""
    path = tmp_path_factory.mktemp("basemap") / "city.duckdb"
    path.write_bytes(tiny_db_path.read_bytes())
    con = db.open_store(path)
    summary = basemap.build_basemap(con)
    yield con, summary, path
    con.close()


def _tile_at(con, lon: float, lat: float, z: int) -> dict:
    x, y = mvt.tiles_covering((lon, lat, lon, lat), z)[0]
    return read_tile(basemap.read_tile(con, z, x, y))


def test_the_demo_city_builds_its_basemap(tiny_db_path):
    con = db.open_store(tiny_db_path, read_only=True)
    try:
        found = basemap.describe(con)
    finally:
        con.close()
    assert found["source"] == "built" and found["tiles"] > 0


def test_districts_are_outlined_and_named_at_the_zoom_that_shows_the_city(built):
    con, summary, _path = built
    bounds = basemap.city_bounds(con)
    base = basemap.whole_city_zoom(bounds)
    assert summary["minzoom"] <= base <= summary["maxzoom"]
    districts = con.execute("SELECT name_zh, name_en, geometry FROM admin_units WHERE level = 'district'").fetchall()
    names_drawn = set()
    for zh, _en, wkb in districts:
        label = shapely.point_on_surface(shapely.from_wkb(wkb))
        tile = _tile_at(con, label.x, label.y, base)
        assert any(f["properties"].get("admin_level") == 6 for f in tile["boundary"]["features"])
        names_drawn |= {(f["properties"]["name"], f["properties"]["name_en"]) for f in tile["place"]["features"]}
    assert {(zh, en) for zh, en, _ in districts} <= names_drawn
    streets = {r[0] for r in con.execute("SELECT name_zh FROM admin_units WHERE level = 'street'").fetchall()}
    shown_at_base = {f["properties"]["name"] for x, y in mvt.tiles_covering(bounds, base)
                     for f in read_tile(basemap.read_tile(con, base, x, y)).get("place", {"features": []})["features"]}
    assert not streets & shown_at_base                    # streets wait for the zooms where they fit


def test_the_river_is_water(built):
    con, summary, _path = built
    lon, lat = shapely.point_on_surface(shapely.from_wkb(
        con.execute("SELECT geometry FROM map_features WHERE kind = 'river'").fetchone()[0])).coords[0]
    tile = _tile_at(con, lon, lat, summary["maxzoom"])
    assert [f["properties"]["class"] for f in tile["water"]["features"]] == ["river"]


def test_an_mbtiles_extract_imports_with_its_rows_turned_to_xyz(built, tmp_path):
    con, summary, _path = built
    z, x, y, data = con.execute("SELECT z, x, y, tile FROM basemap_tiles ORDER BY z DESC, x, y LIMIT 1").fetchone()
    extract = tmp_path / "city.mbtiles"
    with sqlite3.connect(extract) as lite:
        lite.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        lite.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        lite.executemany("INSERT INTO metadata VALUES (?, ?)", [("format", "pbf"), ("bounds", "119.3,32.1,119.6,32.3")])
        lite.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", [z, x, (1 << z) - 1 - y, bytes(data)])
    try:
        assert basemap.import_mbtiles(con, extract) == {"tiles": 1, "minzoom": z, "maxzoom": z}
        assert basemap.read_tile(con, z, x, y) == bytes(data)
        assert basemap.describe(con)["source"] == "imported:city.mbtiles"
    finally:
        basemap.build_basemap(con)


def test_a_file_that_is_not_mbtiles_is_refused(built, tmp_path):
    con, *_ = built
    bogus = tmp_path / "notes.mbtiles"
    bogus.write_text("not a database")
    with pytest.raises(basemap.BasemapError, match="not an MBTiles file"):
        basemap.import_mbtiles(con, bogus)
    with pytest.raises(basemap.BasemapError, match="no such file"):
        basemap.import_mbtiles(con, tmp_path / "missing.mbtiles")
    assert basemap.describe(con)["source"] == "built"                    # nothing was lost


def test_the_label_font_holds_the_names(built):
    from fontTools import ttLib
    import io

    con, *_ = built
    font = ttLib.TTFont(io.BytesIO(basemap_font.store_font(con)))
    cmap = font.getBestCmap()
    names = "".join(r[0] + r[1] for r in con.execute("SELECT name_zh, name_en FROM admin_units").fetchall())
    assert all(ord(c) in cmap for c in set(names))


def test_the_style_asks_only_its_own_origin():
    style = style_json("dark", "en", "http://wall.local:8050", {"minzoom": 8, "maxzoom": 14, "bounds": [1, 2, 3, 4]})
    urls = [v for v in json.dumps(style).split('"') if "://" in v]
    assert urls and all(u.startswith("http://wall.local:8050/basemap/") for u in urls)
    assert "glyphs" not in style                                      # labels use the served font: no glyph server
    assert style["sprite"] == "http://wall.local:8050/basemap/sprite"   # the place icons, from the same origin
    assert first_label_layer(style) == "cv-water-label"
    bare = style_json("light", "zh", "http://x", None)
    assert [layer["id"] for layer in bare["layers"]] == ["cv-background"] and first_label_layer(bare) is None


def test_the_style_draws_changes_without_animated_frames():
    # Without a GPU every frame is drawn in software and read back: a fade would cost several frames.
    for tiles in (None, {"minzoom": 8, "maxzoom": 14, "bounds": [1, 2, 3, 4]}):
        assert style_json("light", "zh", "http://x", tiles)["transition"] == {"duration": 0, "delay": 0}


def test_cli_shows_and_refuses_plainly(tiny_db_copy):
    def cli(*args):
        return subprocess.run([sys.executable, "cli.py", "basemap", *args, "--db", str(tiny_db_copy)], cwd=ROOT,
                              capture_output=True, text=True)
    refused, shown = cli("import", "/no/such.mbtiles"), cli("show")
    assert refused.returncode == 2 and "no such file" in refused.stderr
    assert shown.returncode == 0 and json.loads(shown.stdout)["source"] == "built"
