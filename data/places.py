"""Places (地/物) and their kinds: schools, hospitals, stations, venues, mines, chemical plants,
construction sites, key buildings, or any kind a city declares.

The kinds are data: the shipped list is data/place_kinds.yaml; a city stores its own with
``python cli.py places kinds FILE`` (the store's list, once it has one, replaces the shipped one).
Each kind names the icon it is drawn with (a PNG under assets/place_icons/, served from the app's
own origin) and ``near_m``, the distance within which a case or a sensor counts as near a place of
the kind; the catalog's place templates expand over the kinds (indicators/catalog/places.yaml).

A place's geometry is a point or a polygon in WGS84 degrees, given as WKT or GeoJSON text and
checked here (:func:`parse_geometry`); its grid is the one its representative point lies in (the
point itself, or a point shapely guarantees inside the polygon). Rows come in through the ingest
pipeline (data/ingest/places.py), bad ones to quarantine with a reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import shapely
from shapely import wkt
from shapely.geometry import shape

from data import yamlfile
from data.db import transaction
from data.text import TextError, check_text, inert

KINDS_FILE = Path(__file__).resolve().parent / "place_kinds.yaml"
ICON_DIR = Path(__file__).resolve().parent.parent / "assets" / "place_icons"
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
KIND_KEYS = ("code", "name_zh", "name_en", "icon", "near_m")
MAX_KINDS = 60
NEAR_LIMITS = (10, 5000)                 # metres: the migration's CHECK on place_kinds.near_m
GEOMETRY_TYPES = ("Point", "Polygon", "MultiPolygon")
MAX_VERTICES = 5000                      # a school's outline, not a province's
MAX_GEOMETRY_CHARS = 200_000
EARTH_RADIUS_M = 6371008.8               # the mean radius of the WGS84 ellipsoid (IUGG): every distance in metres


@dataclass(frozen=True)
class PlaceKind:
    """One kind of place: its code, names, icon and the distance that counts as near."""

    code: str
    name_zh: str
    name_en: str
    icon: str
    near_m: int


class GeometryError(ValueError):
    """A place's geometry is unreadable, of the wrong type, invalid or not in degrees."""


def shipped_icons() -> tuple[str, ...]:
    """Return the names of the icons shipped under assets/place_icons/ (without .png)."""
    return tuple(sorted(p.stem for p in ICON_DIR.glob("*.png")))


def parse_kind(raw: dict, where: str, icons: tuple[str, ...]) -> PlaceKind:
    """Return one checked kind from a kinds-file entry."""
    if not isinstance(raw, dict):
        raise TextError(f"{where}: a kind is a mapping of {', '.join(KIND_KEYS)}")
    unknown = yamlfile.unknown_keys(raw, KIND_KEYS, "place kinds", f"{where}.")
    if unknown:
        raise TextError("; ".join(unknown))
    code = str(raw.get("code", ""))
    if not _CODE.match(code):
        raise TextError(f"{where}.code must be lower-case letters, digits and _ (at most 32)")
    icon = str(raw.get("icon", "pin"))
    if icon not in icons:
        raise TextError(f"{where}.icon must be one of the shipped icons: {', '.join(icons)}")
    near = raw.get("near_m", 200)
    if not isinstance(near, int) or isinstance(near, bool) or not NEAR_LIMITS[0] <= near <= NEAR_LIMITS[1]:
        raise TextError(f"{where}.near_m must be a whole number of metres, {NEAR_LIMITS[0]} to {NEAR_LIMITS[1]}")
    return PlaceKind(code, check_text(raw.get("name_zh"), f"{where}.name_zh", 40),
                     check_text(raw.get("name_en"), f"{where}.name_en", 60), icon, near)


def parse_kinds(text: str) -> list[PlaceKind]:
    """Return the checked kinds of a kinds YAML file (a ``kinds`` list; each code once)."""
    try:
        raw = yamlfile.load(text, "place kinds") or {}
    except yamlfile.YamlError as exc:
        raise TextError(str(exc)) from None
    entries = raw.get("kinds") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_KINDS:
        raise TextError(f"a place kinds file needs a 'kinds' list of 1 to {MAX_KINDS} kinds")
    icons = shipped_icons()
    kinds = [parse_kind(entry, f"kinds[{i}]", icons) for i, entry in enumerate(entries)]
    codes = [k.code for k in kinds]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise TextError(f"place kind(s) listed twice: {repeated}")
    return kinds


def shipped_kinds() -> list[PlaceKind]:
    """Return the shipped place kinds (data/place_kinds.yaml)."""
    return parse_kinds(KINDS_FILE.read_text(encoding="utf-8"))


def load_kinds(con: duckdb.DuckDBPyConnection, kinds: list[PlaceKind]) -> int:
    """Store the kinds (replacing those of the same code) in one transaction; return how many."""
    with transaction(con):
        return write_kinds(con, kinds)


def write_kinds(con: duckdb.DuckDBPyConnection, kinds: list[PlaceKind]) -> int:
    """Store the kinds in the caller's transaction; return how many."""
    for k in kinds:
        con.execute("INSERT OR REPLACE INTO place_kinds VALUES (?, ?, ?, ?, ?)",
                    [k.code, k.name_zh, k.name_en, k.icon, k.near_m])
    return len(kinds)


def ensure_kinds(con: duckdb.DuckDBPyConnection) -> None:
    """Store the shipped kinds while the store has none (in the caller's transaction): the distances
    the indicators read are then in the store beside the places that need them."""
    if not con.execute("SELECT count(*) FROM place_kinds").fetchall()[0][0]:
        write_kinds(con, shipped_kinds())


def stored_kinds(con: duckdb.DuckDBPyConnection | None = None) -> list[PlaceKind]:
    """Return the store's kinds, or the shipped ones while the store has none (or without a store)."""
    if con is not None:
        rows = con.execute("SELECT code, name_zh, name_en, icon, near_m FROM place_kinds ORDER BY code").fetchall()
        if rows:
            return [PlaceKind(*row) for row in rows]
    return shipped_kinds()


def list_items(con: duckdb.DuckDBPyConnection | None = None) -> list[dict]:
    """Return the kinds as the catalog's template list (code, names, near_m): the store's, else the shipped."""
    return [{"code": k.code, "name_zh": k.name_zh, "name_en": k.name_en, "near_m": k.near_m}
            for k in stored_kinds(con)]


def parse_geometry(text: str) -> shapely.Geometry:
    """Return the WGS84 point or polygon of a WKT or GeoJSON text, or raise GeometryError saying why."""
    text = (text or "").strip()
    if not text:
        raise GeometryError("no geometry")
    if len(text) > MAX_GEOMETRY_CHARS:
        raise GeometryError(f"longer than {MAX_GEOMETRY_CHARS} characters")
    try:
        geometry = shape(json.loads(text)) if text.startswith("{") else wkt.loads(text)
    except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.ShapelyError) as exc:
        raise GeometryError(f"neither WKT nor GeoJSON: {inert(str(exc), 80)}") from None
    return check_geometry(geometry)


def check_geometry(geometry: shapely.Geometry) -> shapely.Geometry:
    """Return the geometry when it is a non-empty, valid point or polygon in degrees; else raise GeometryError."""
    if geometry.geom_type not in GEOMETRY_TYPES:
        raise GeometryError(f"a {geometry.geom_type}: a place is a Point, Polygon or MultiPolygon")
    if geometry.is_empty:
        raise GeometryError("empty")
    if shapely.get_num_coordinates(geometry) > MAX_VERTICES:
        raise GeometryError(f"more than {MAX_VERTICES} vertices")
    west, south, east, north = geometry.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise GeometryError("coordinates outside -180..180 / -90..90 (WGS84 degrees)")
    if not geometry.is_valid:
        raise GeometryError(f"invalid: {shapely.is_valid_reason(geometry)[:80]}")
    return geometry


def representative_point(geometry: shapely.Geometry) -> tuple[float, float]:
    """Return (lon, lat) of the point that places the geometry in a grid: the point itself, or one
    inside the polygon (a centroid can fall outside an L-shaped site)."""
    point = geometry if geometry.geom_type == "Point" else geometry.representative_point()
    return float(point.x), float(point.y)


def haversine_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Return the great-circle distances in metres between points given in degrees (arrays or numbers)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype="float64")) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def reach_m(geometry: shapely.Geometry, lon: float, lat: float) -> float:
    """Return how far (metres) the geometry reaches from its representative point (lon, lat): 0 for a
    point, the farthest vertex for a polygon. A place is near what lies within its kind's near_m of
    the circle of that radius (indicators/place_sources.py)."""
    if geometry.geom_type == "Point":
        return 0.0
    vertices = shapely.get_coordinates(geometry)
    return float(haversine_m(lon, lat, vertices[:, 0], vertices[:, 1]).max())
