"""The offline basemap: vector tiles built from the store's own geometry, or a city's imported extract.

Tiles are kept in the store (``basemap_tiles``, gzipped MVT, XYZ rows) and served by the app from its
own origin, so a map never asks the internet for anything. The layers follow the OpenMapTiles schema
(``water``, ``waterway``, ``park``, ``landuse``, ``transportation``, ``boundary``, ``place``), so one
style draws both the built basemap and a city's OpenMapTiles extract imported with
``python cli.py basemap import FILE`` (MBTiles, or PMTiles: data/basemap_pmtiles.py). A city that has a tile server on its intranet names
its style in the profile (``basemap:``, docs/CITY.md) and needs no tiles here.
"""

from __future__ import annotations

import gzip
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import shapely

from data import db, mvt
from data.basemap_pmtiles import MAGIC as PMTILES_MAGIC
from data.basemap_pmtiles import PMTilesError, read_pmtiles

# The zoom at which a level's boundaries and names start to be drawn, relative to the zoom that
# shows the whole city (a district fits at once; a community needs ~4 zooms more).
LEVEL_ZOOM_OFFSET = {"city": 0, "district": 0, "street": 2, "community": 3, "grid": 5}
ADMIN_LEVEL = {"city": 4, "district": 6, "street": 8, "community": 10, "grid": 11}       # OSM admin_level
PLACE_CLASS = {"city": "city", "district": "suburb", "street": "quarter", "community": "neighbourhood",
               "grid": "isolated_dwelling"}
# map_features kinds → (OpenMapTiles layer, class)
FEATURE_LAYER = {"river": ("water", "river"), "lake": ("water", "lake"), "water": ("water", "lake"),
                 "park": ("park", "park"), "green": ("park", "park"), "forest": ("park", "forest"),
                 "industrial_park": ("landuse", "industrial"), "venue": ("landuse", "stadium"),
                 "road": ("transportation", "primary"), "railway": ("transportation", "rail")}
ZOOM_SPAN = 5                     # zooms built above the one that shows the whole city (MapLibre overzooms the last)
MAX_ZOOM = 15
SETTINGS = ("basemap.source", "basemap.minzoom", "basemap.maxzoom", "basemap.bounds", "basemap.built_at")


class BasemapError(ValueError):
    """A basemap file cannot be imported; the message says why."""


def city_bounds(con: duckdb.DuckDBPyConnection) -> tuple[float, float, float, float] | None:
    """Return the lon/lat bounds of all units (None for a store without units)."""
    row = con.execute("SELECT min(centroid_lon) IS NULL FROM admin_units").fetchone()
    if row is None or row[0]:
        return None
    shapes = shapely.from_wkb([r[0] for r in con.execute("SELECT geometry FROM admin_units WHERE level = "
                                                           "(SELECT min_by(level, level_no) FROM admin_units)").fetchall()])
    return tuple(float(v) for v in shapely.total_bounds(shapes))


def whole_city_zoom(bounds: tuple[float, float, float, float], px: int = 512) -> int:
    """Return the zoom at which the city fits a square of ``px`` pixels (MapLibre: 512 px tiles)."""
    west, south, east, north = bounds
    span = max(east - west, (north - south) / np.cos(np.radians((north + south) / 2)), 1e-6)
    return int(np.clip(np.floor(np.log2(px / 512 * 360 / span)), 0, MAX_ZOOM - 1))


class _Sources:
    """The store's geometry prepared for tiling: units per level and map features, with an index."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        units = con.execute("SELECT level, name_zh, name_en, geometry FROM admin_units "
                            "WHERE level <> 'grid' ORDER BY level_no, code").fetchall()
        features = con.execute("SELECT kind, name_zh, name_en, geometry FROM map_features ORDER BY feature_id").fetchall()
        self.units = [(lv, zh, en, shapely.from_wkb(g)) for lv, zh, en, g in units]
        self.features = [(k, zh, en, shapely.from_wkb(g)) for k, zh, en, g in features if k in FEATURE_LAYER]
        self.levels = list(dict.fromkeys(lv for lv, *_ in self.units))
        shapes = [s for *_, s in self.units] + [s for *_, s in self.features]
        self.tree = shapely.STRtree(shapes)
        self.labels = [shapely.point_on_surface(s) for *_, s in self.units]
        self._simplified: dict[tuple[int, int], object] = {}    # (shape index, zoom) → simplified once per zoom

    def tile(self, z: int, x: int, y: int, base_zoom: int) -> bytes:
        """Return the gzipped MVT of tile z/x/y."""
        west, south, east, north = mvt.tile_bounds(z, x, y)
        pad = (east - west) * mvt.BUFFER / mvt.EXTENT
        hits = self.tree.query(shapely.box(west - pad, south - pad, east + pad, north + pad))
        tolerance = (east - west) / mvt.EXTENT
        layers = {name: mvt.Layer(name) for name in ("water", "park", "landuse", "transportation", "boundary", "place")}
        for index in sorted(int(i) for i in hits):
            self._add(index, z, x, y, base_zoom, tolerance, layers)
        return gzip.compress(mvt.encode_tile(list(layers.values())), 6)

    def _add(self, index: int, z: int, x: int, y: int, base_zoom: int, tolerance: float, layers: dict) -> None:
        if index >= len(self.units):
            kind, zh, en, shape = self.features[index - len(self.units)]
            layer, cls = FEATURE_LAYER[kind]
            self._put(layers[layer], self._simple(index, shape, z, tolerance), z, x, y,
                      {"class": cls, "name": zh, "name_en": en})
            return
        level, zh, en, shape = self.units[index]
        if z < base_zoom + LEVEL_ZOOM_OFFSET[level]:
            return
        self._put(layers["boundary"], self._simple(index, shape.boundary, z, tolerance), z, x, y,
                  {"admin_level": ADMIN_LEVEL[level]})
        label = self.labels[index]
        west, south, east, north = mvt.tile_bounds(z, x, y)
        if west <= label.x < east and south <= label.y < north:
            self._put(layers["place"], label, z, x, y, {"class": PLACE_CLASS[level], "name": zh, "name_en": en,
                                                        "rank": ADMIN_LEVEL[level]})

    def _simple(self, index: int, shape, z: int, tolerance: float):
        """Return the shape simplified for zoom ``z`` (about a tile unit), once for all its tiles."""
        key = (index, z)
        if key not in self._simplified:
            self._simplified[key] = shapely.simplify(shape, tolerance)
        return self._simplified[key]

    @staticmethod
    def _put(layer: mvt.Layer, shape, z: int, x: int, y: int, properties: dict) -> None:
        west, south, east, north = mvt.tile_bounds(z, x, y)
        pad = 2 * (east - west) * mvt.BUFFER / mvt.EXTENT      # cut in degrees first: only the tile's part is projected
        near = shapely.clip_by_rect(shape, west - pad, south - pad, east + pad, north + pad)
        if near.is_empty:
            return
        clipped = mvt.clip_to_tile(mvt.to_tile_pixels(near, z, x, y))
        if clipped is not None:
            layer.add(clipped, properties)


def build_basemap(con: duckdb.DuckDBPyConnection, progress: Callable[[str], None] = lambda _m: None) -> dict:
    """Build the basemap's tiles from the store's units and map features; return a summary."""
    bounds = city_bounds(con)
    if bounds is None:
        raise BasemapError("the store has no units: load the city's units before building its basemap")
    started = time.perf_counter()
    sources = _Sources(con)
    base = whole_city_zoom(bounds)
    minzoom, maxzoom = max(base - 2, 0), min(base + ZOOM_SPAN, MAX_ZOOM)
    rows = []
    for z in range(minzoom, maxzoom + 1):
        covering = mvt.tiles_covering(bounds, z)
        rows += [(z, x, y, sources.tile(z, x, y, base)) for x, y in covering]
        progress(f"zoom {z}: {len(covering)} tiles")
    _replace_tiles(con, rows, source="built", minzoom=minzoom, maxzoom=maxzoom, bounds=bounds)
    return {"tiles": len(rows), "minzoom": minzoom, "maxzoom": maxzoom, "seconds": round(time.perf_counter() - started, 1),
            "bytes": sum(len(r[3]) for r in rows)}


def import_file(con: duckdb.DuckDBPyConnection, path: Path) -> dict:
    """Copy the vector tiles of a PMTiles or MBTiles file (told apart by their first bytes or the name's
    ``.pmtiles``) into the store."""
    if not path.is_file():
        raise BasemapError(f"{path}: no such file")
    with path.open("rb") as opened:
        start = opened.read(len(PMTILES_MAGIC))
    pmtiles = start == PMTILES_MAGIC or path.suffix.lower() == ".pmtiles"
    return import_pmtiles(con, path) if pmtiles else import_mbtiles(con, path)


def import_pmtiles(con: duckdb.DuckDBPyConnection, path: Path) -> dict:
    """Copy the vector tiles of a PMTiles v3 file into the store (all read and checked before any is written)."""
    if not path.is_file():
        raise BasemapError(f"{path}: no such file")
    try:
        header, tiles = read_pmtiles(path)
    except PMTilesError as exc:
        raise BasemapError(f"{path}: {exc}") from None
    if not tiles:
        raise BasemapError(f"{path}: holds no tiles")
    rows = [(z, x, y, _gzipped(data)) for z, x, y, data in tiles]
    zooms = [r[0] for r in rows]
    _replace_tiles(con, rows, source=f"imported:{path.name}", minzoom=min(zooms), maxzoom=max(zooms),
                   bounds=header["bounds"])
    return {"tiles": len(rows), "minzoom": min(zooms), "maxzoom": max(zooms)}


def import_mbtiles(con: duckdb.DuckDBPyConnection, path: Path) -> dict:
    """Copy the vector tiles of an MBTiles file into the store (its TMS rows turned to XYZ)."""
    if not path.is_file():
        raise BasemapError(f"{path}: no such file")
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        meta = dict(source.execute("SELECT name, value FROM metadata").fetchall())
        rows = [(z, x, (1 << z) - 1 - row, _gzipped(data))
                for z, x, row, data in source.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles")]
    except sqlite3.DatabaseError as exc:
        raise BasemapError(f"{path}: not an MBTiles file ({exc})") from None
    if meta.get("format", "pbf") != "pbf" or not rows:
        raise BasemapError(f"{path}: holds no vector tiles (format {meta.get('format')!r}, {len(rows)} tiles)")
    zooms = [r[0] for r in rows]
    bounds = tuple(float(v) for v in meta.get("bounds", "-180,-85,180,85").split(","))
    _replace_tiles(con, rows, source=f"imported:{path.name}", minzoom=min(zooms), maxzoom=max(zooms), bounds=bounds)
    return {"tiles": len(rows), "minzoom": min(zooms), "maxzoom": max(zooms)}


def _gzipped(data: bytes) -> bytes:
    return data if data[:2] == b"\x1f\x8b" else gzip.compress(data, 6)


def _replace_tiles(con, rows: list, source: str, minzoom: int, maxzoom: int, bounds) -> None:
    with db.transaction(con):
        con.execute("DELETE FROM basemap_tiles")
        con.executemany("INSERT INTO basemap_tiles VALUES (?, ?, ?, ?)", rows)
        db.put_settings(con, {"basemap.source": source, "basemap.minzoom": minzoom, "basemap.maxzoom": maxzoom,
                              "basemap.bounds": ",".join(f"{v:.6f}" for v in bounds),
                              "basemap.built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})


def read_tile(con: duckdb.DuckDBPyConnection, z: int, x: int, y: int) -> bytes | None:
    """Return the gzipped tile z/x/y, or None where the basemap has none."""
    rows = con.execute("SELECT tile FROM basemap_tiles WHERE z = ? AND x = ? AND y = ?", [z, x, y]).fetchall()
    return bytes(rows[0][0]) if rows else None


def tile_metadata(con: duckdb.DuckDBPyConnection) -> dict:
    """Return {"tiles": {minzoom, maxzoom, bounds} or None, "style_url": the profile's intranet style or None}."""
    found = dict(con.execute("SELECT key, value FROM settings WHERE key LIKE 'basemap.%'").fetchall())
    tiles = None
    if found.get("basemap.source"):
        tiles = {"minzoom": int(found["basemap.minzoom"]), "maxzoom": int(found["basemap.maxzoom"]),
                 "bounds": [float(v) for v in found["basemap.bounds"].split(",")]}
    return {"tiles": tiles, "style_url": found.get("basemap.style_url") or None}


def describe(con: duckdb.DuckDBPyConnection) -> dict:
    """Return what the store's basemap is: its source, zooms, bounds and size (source None: no basemap)."""
    found = {key.split(".", 1)[1]: db.get_setting(con, key) for key in SETTINGS}
    count, size = con.execute("SELECT count(*), coalesce(sum(octet_length(tile)), 0) FROM basemap_tiles").fetchone()
    found.update(tiles=int(count), bytes=int(size), style_url=db.get_setting(con, "basemap.style_url"))
    if not count:
        found["source"] = None
    return found
