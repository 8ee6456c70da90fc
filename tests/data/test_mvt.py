"""The vector-tile encoder, read back by an independent decoder (tests/data/mvt_reader.py)."""

from __future__ import annotations

import math

import pytest
import shapely

from data import mvt
from tests.data.mvt_reader import read_tile, ring_area


def test_tile_bounds_and_cover_follow_the_xyz_scheme():
    west, south, east, north = mvt.tile_bounds(1, 1, 0)           # the north-east quarter of the world
    assert (west, east) == (0.0, 180.0)
    assert south == pytest.approx(0.0, abs=1e-9) and north == pytest.approx(85.0511, abs=1e-3)
    z = 12
    x, y = mvt.tiles_covering((119.40, 32.20, 119.40, 32.20), z)[0]
    tile_west, tile_south, tile_east, tile_north = mvt.tile_bounds(z, x, y)
    assert tile_west <= 119.40 < tile_east and tile_south <= 32.20 < tile_north


def test_a_polygon_with_a_hole_keeps_its_rings_and_windings():
    z, x, y = 10, 851, 414
    west, south, east, north = mvt.tile_bounds(z, x, y)
    cx, cy, w, h = (west + east) / 2, (south + north) / 2, (east - west) / 4, (north - south) / 4
    shell = shapely.box(cx - w, cy - h, cx + w, cy + h)
    hole = shapely.box(cx - w / 4, cy - h / 4, cx + w / 4, cy + h / 4)
    layer = mvt.Layer("water")
    layer.add(mvt.to_tile_pixels(shell.difference(hole), z, x, y), {"class": "lake", "name": "湖", "rank": 3})
    tile = read_tile(mvt.encode_tile([layer]))
    water = tile["water"]
    assert water["extent"] == mvt.EXTENT and water["version"] == 2
    (feature,) = water["features"]
    assert feature["type"] == 3 and feature["properties"] == {"class": "lake", "name": "湖", "rank": 3}
    outer, inner = feature["parts"]
    assert ring_area(outer) > 0 > ring_area(inner)                   # exterior positive, hole negative (y down)
    xs = sorted({p[0] for p in outer})
    assert xs == [1024, 3072]                                         # a quarter and three quarters of 4096


def test_lines_are_clipped_to_the_tile_and_its_buffer():
    z, x, y = 12, 3405, 1658
    west, south, east, north = mvt.tile_bounds(z, x, y)
    mid = (south + north) / 2
    line = shapely.LineString([(west - 1, mid), (east + 1, mid)])       # far beyond both edges
    clipped = mvt.clip_to_tile(mvt.to_tile_pixels(line, z, x, y))
    layer = mvt.Layer("boundary")
    layer.add(clipped, {"admin_level": 6})
    (feature,) = read_tile(mvt.encode_tile([layer]))["boundary"]["features"]
    (part,) = feature["parts"]
    assert feature["type"] == 2 and feature["properties"] == {"admin_level": 6}
    assert [p[0] for p in part] == [-mvt.BUFFER, mvt.EXTENT + mvt.BUFFER]
    assert math.isclose(part[0][1], mvt.EXTENT / 2, abs_tol=2)


def test_nothing_inside_the_tile_gives_no_layer():
    assert mvt.clip_to_tile(mvt.to_tile_pixels(shapely.Point(0, 0), 12, 3405, 1658)) is None
    assert mvt.encode_tile([mvt.Layer("place")]) == b""
