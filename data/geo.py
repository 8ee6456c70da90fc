"""Unit geometry for maps: simplified per level, coordinates rounded, as GeoJSON."""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass

import duckdb
import numpy as np
import shapely

from data.levels import LEVELS

# Simplification tolerance per level, in degrees (~1e-5 deg = 1 m): coarser levels draw smaller.
TOLERANCE_DEG = {"city": 3e-4, "district": 2e-4, "street": 1e-4, "community": 5e-5, "grid": 2e-5}
DECIMALS = 5
GEOMETRY_PREFIX = "/geometry/"       # where browsers fetch a level's GeoJSON (api/geometry.py)
FINGERPRINT_CHARS = 16


@dataclass(frozen=True)
class LevelGeometry:
    """One level's units for the maps: the features by unit code (a figure's selected unit, the level
    above's outlines) and the GeoJSON file a browser fetches, gzipped, named by its content's fingerprint."""

    level: str
    features: dict
    fingerprint: str
    gzipped: bytes

    @property
    def path(self) -> str:
        """Return the address of the level's file on the app's origin (its content never changes)."""
        return f"{GEOMETRY_PREFIX}{self.level}/{self.fingerprint}.json"


def unit_geojson(con: duckdb.DuckDBPyConnection, level: str) -> dict:
    """Return a FeatureCollection of the units at ``level`` (feature id = unit code)."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    rows = con.execute("SELECT code, geometry FROM admin_units WHERE level = ? ORDER BY code", [level]).fetchall()
    shapes = shapely.from_wkb([r[1] for r in rows])
    shapes = shapely.set_precision(shapely.simplify(shapes, TOLERANCE_DEG[level]), 10**-DECIMALS)
    features = [{"type": "Feature", "id": code, "properties": {}, "geometry": shapely.geometry.mapping(shape)}
                for (code, _), shape in zip(rows, shapes)]
    return {"type": "FeatureCollection", "features": features}


def level_geometry(con: duckdb.DuckDBPyConnection, level: str) -> LevelGeometry:
    """Return the units of ``level`` as features by code and as a compact GeoJSON file (gzipped) with
    its fingerprint: the same units give the same bytes, so every server process names them alike."""
    collection = unit_geojson(con, level)
    text = json.dumps(collection, separators=(",", ":"), ensure_ascii=False).encode()
    return LevelGeometry(level, {f["id"]: f for f in collection["features"]},
                         hashlib.sha256(text).hexdigest()[:FINGERPRINT_CHARS], gzip.compress(text, 6, mtime=0))


def feature_geojson(con: duckdb.DuckDBPyConnection, kind: str) -> dict:
    """Return a FeatureCollection of the map features of one kind (the river, parks...)."""
    rows = con.execute("SELECT feature_id, geometry FROM map_features WHERE kind = ?", [kind]).fetchall()
    shapes = shapely.set_precision(shapely.from_wkb([r[1] for r in rows]), 10**-DECIMALS)
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "id": fid, "properties": {}, "geometry": shapely.geometry.mapping(s)}
                         for (fid, _), s in zip(rows, shapes)]}


def city_view(con: duckdb.DuckDBPyConnection, width_px: int = 640, height_px: int = 340, left_px: int = 0,
              right_px: int = 0, top_px: int = 0, bottom_px: int = 0) -> dict:
    """Return the map centre and the zoom that fit the city into a panel of the given size, clear of the
    px taken at its sides, top and bottom (legends and buttons drawn over the map)."""
    wkb = con.execute("SELECT geometry FROM admin_units WHERE level = 'city' LIMIT 1").fetchone()
    if wkb is None:
        return {"center": {"lon": 0.0, "lat": 0.0}, "zoom": 1}
    minx, miny, maxx, maxy = shapely.from_wkb(wkb[0]).bounds
    mid_lat = (miny + maxy) / 2
    free_width = max(width_px - left_px - right_px, 1)
    free_height = max(height_px - top_px - bottom_px, 1)
    # MapLibre: the world is 512 * 2**zoom px wide; Mercator stretches latitude by 1/cos(lat).
    stretch = 1 / np.cos(np.radians(mid_lat))
    px_per_degree = min(free_width / max(maxx - minx, 1e-6), free_height / max((maxy - miny) * stretch, 1e-6))
    zoom = round(float(np.clip(np.log2(px_per_degree * 360 / 512), 1, 16)), 2)
    # The city's middle sits in the middle of the free part: the map's centre moves by half the difference.
    degrees_per_px = 360 / (512 * 2**zoom)
    shift_lon = (left_px - right_px) / 2 * degrees_per_px
    shift_lat = (bottom_px - top_px) / 2 * degrees_per_px / stretch
    return {"center": {"lon": (minx + maxx) / 2 - shift_lon, "lat": mid_lat - shift_lat}, "zoom": zoom}
