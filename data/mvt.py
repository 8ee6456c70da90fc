"""Mapbox Vector Tile (MVT 2.1) encoding of shapely geometries, and the Web-Mercator tile grid.

The protobuf wire format is written by hand (a tile is three nested messages of varints, packed
integers and strings), so the basemap needs no protobuf compiler or extra package. The layout
follows vector_tile.proto: Tile.layers = 3; Layer.version = 15, name = 1, features = 2,
keys = 3, values = 4, extent = 5; Feature.id = 1, tags = 2, type = 3, geometry = 4;
Value.string_value = 1, double_value = 3, sint_value = 6.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely

EXTENT = 4096
BUFFER = 64                     # tile units drawn beyond the edge, so lines and fills join seamlessly
_POINT, _LINE, _POLYGON = 1, 2, 3
_MOVE_TO, _LINE_TO, _CLOSE = 1, 2, 7


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """Return (west, south, east, north) in degrees of tile z/x/y (XYZ scheme, y from the north)."""
    n = 2 ** z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))
    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


def tiles_covering(bounds: tuple[float, float, float, float], z: int) -> list[tuple[int, int]]:
    """Return the (x, y) of every tile at zoom ``z`` that meets lon/lat ``bounds``."""
    west, south, east, north = bounds
    n = 2 ** z

    def column(lon: float) -> int:
        return min(n - 1, max(0, int((lon + 180) / 360 * n)))

    def row(lat: float) -> int:
        rad = math.radians(max(-85.05, min(85.05, lat)))
        return min(n - 1, max(0, int((1 - math.asinh(math.tan(rad)) / math.pi) / 2 * n)))
    return [(x, y) for x in range(column(west), column(east) + 1) for y in range(row(north), row(south) + 1)]


def to_tile_pixels(geometry, z: int, x: int, y: int):
    """Return ``geometry`` (lon/lat) projected into the tile's integer grid (0…EXTENT, y down)."""
    n = 2 ** z

    def project(coords: np.ndarray) -> np.ndarray:
        lon, lat = coords[:, 0], np.clip(coords[:, 1], -85.05, 85.05)
        px = ((lon + 180) / 360 * n - x) * EXTENT
        py = ((1 - np.arcsinh(np.tan(np.radians(lat))) / math.pi) / 2 * n - y) * EXTENT
        return np.column_stack([px, py])
    return shapely.set_precision(shapely.transform(geometry, project), 1.0)


def clip_to_tile(geometry):
    """Return the projected geometry clipped to the tile plus its buffer (None when nothing is left)."""
    clipped = shapely.clip_by_rect(geometry, -BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
    return None if clipped is None or clipped.is_empty else clipped


# --- protobuf wire format -------------------------------------------------------------------

def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field_number: int, wire_type: int) -> bytes:
    return _varint((field_number << 3) | wire_type)


def _length_delimited(field_number: int, payload: bytes) -> bytes:
    return _key(field_number, 2) + _varint(len(payload)) + payload


def _packed(field_number: int, values: list[int]) -> bytes:
    return _length_delimited(field_number, b"".join(_varint(v) for v in values))


def _zigzag(value: int) -> int:
    return (value << 1) ^ (value >> 63)


def _encode_value(value) -> bytes:
    if isinstance(value, str):
        return _length_delimited(1, value.encode("utf-8"))
    if isinstance(value, (bool, np.bool_)):
        return _key(7, 0) + _varint(int(value))
    if isinstance(value, (int, np.integer)):
        return _key(6, 0) + _varint(_zigzag(int(value)))
    return _key(3, 1) + np.float64(value).tobytes()          # little-endian double


# --- geometry commands ------------------------------------------------------------------------

def _command(command_id: int, count: int) -> int:
    return (command_id & 0x7) | (count << 3)


class _Cursor:
    """The pen position carried from one command to the next (parameters are deltas)."""

    def __init__(self):
        self.x = self.y = 0

    def deltas(self, coords: np.ndarray) -> list[int]:
        out: list[int] = []
        for px, py in coords.astype(np.int64).tolist():
            out += [_zigzag(px - self.x), _zigzag(py - self.y)]
            self.x, self.y = px, py
        return out


def _ring_area(coords: np.ndarray) -> float:
    x, y = coords[:, 0], coords[:, 1]
    return float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]) / 2)


def _ring(coords: np.ndarray, cursor: _Cursor, exterior: bool) -> list[int]:
    """Encode one ring; MVT wants exteriors of positive area in tile space (y down), holes negative."""
    coords = coords[:-1] if len(coords) > 1 and (coords[0] == coords[-1]).all() else coords
    if len(coords) < 3:
        return []
    area = _ring_area(np.vstack([coords, coords[:1]]))
    if area == 0:
        return []
    if (area > 0) != exterior:
        coords = coords[::-1]
    return ([_command(_MOVE_TO, 1)] + cursor.deltas(coords[:1]) + [_command(_LINE_TO, len(coords) - 1)]
            + cursor.deltas(coords[1:]) + [_command(_CLOSE, 1)])


def _line(coords: np.ndarray, cursor: _Cursor) -> list[int]:
    keep = np.concatenate([[True], (np.diff(coords, axis=0) != 0).any(axis=1)])
    coords = coords[keep]
    if len(coords) < 2:
        return []
    return ([_command(_MOVE_TO, 1)] + cursor.deltas(coords[:1]) + [_command(_LINE_TO, len(coords) - 1)]
            + cursor.deltas(coords[1:]))


def encode_geometry(geometry) -> tuple[int, list[int]]:
    """Return (MVT geometry type, command integers) of a projected, clipped shapely geometry."""
    cursor = _Cursor()
    kind = geometry.geom_type
    parts = list(getattr(geometry, "geoms", [geometry]))
    if kind in ("Polygon", "MultiPolygon"):
        commands = []
        for polygon in parts:
            outer = _ring(np.asarray(polygon.exterior.coords), cursor, exterior=True)
            if outer:
                commands += outer
                for hole in polygon.interiors:
                    commands += _ring(np.asarray(hole.coords), cursor, exterior=False)
        return _POLYGON, commands
    if kind in ("LineString", "MultiLineString", "LinearRing"):
        return _LINE, [c for part in parts for c in _line(np.asarray(part.coords), cursor)]
    if kind in ("Point", "MultiPoint"):
        coords = np.array([p.coords[0] for p in parts])
        return _POINT, [_command(_MOVE_TO, len(coords))] + cursor.deltas(coords)
    if kind == "GeometryCollection":          # a clip may split a polygon into polygons and lines
        polygons = [g for g in parts if g.geom_type in ("Polygon", "MultiPolygon")]
        return encode_geometry(shapely.union_all(polygons)) if polygons else (_LINE, [])
    raise ValueError(f"cannot encode {kind}")


@dataclass
class Layer:
    """One named layer of a tile: features with properties (keys and values shared in tables)."""

    name: str
    features: list[bytes] = field(default_factory=list)
    keys: dict[str, int] = field(default_factory=dict)
    values: dict[tuple[type, object], int] = field(default_factory=dict)

    def add(self, geometry, properties: dict) -> None:
        """Add a projected, clipped geometry with its properties (None values are left out)."""
        geom_type, commands = encode_geometry(geometry)
        if not commands:
            return
        tags: list[int] = []
        for key, value in properties.items():
            if value is None:
                continue
            tags += [self.keys.setdefault(key, len(self.keys)), self.values.setdefault((type(value), value), len(self.values))]
        self.features.append(_packed(2, tags) + _key(3, 0) + _varint(geom_type) + _packed(4, commands))

    def encode(self) -> bytes:
        """Return the Layer message."""
        body = _key(15, 0) + _varint(2) + _length_delimited(1, self.name.encode("utf-8"))
        body += b"".join(_length_delimited(2, f) for f in self.features)
        body += b"".join(_length_delimited(3, k.encode("utf-8")) for k in self.keys)
        body += b"".join(_length_delimited(4, _encode_value(v)) for (_t, v) in self.values)
        return body + _key(5, 0) + _varint(EXTENT)


def encode_tile(layers: list[Layer]) -> bytes:
    """Return the Tile message of the non-empty layers."""
    return b"".join(_length_delimited(3, layer.encode()) for layer in layers if layer.features)
