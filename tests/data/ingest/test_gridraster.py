"""The raster shortcut of grid assignment gives exactly the STRtree's answers, edges and vertices included."""

from __future__ import annotations

import numpy as np
import shapely

from data import db
from data.ingest import gridindex
from data.ingest.gridraster import BOUNDARY, OUTSIDE


def _probe_points(geometries: np.ndarray, rows: int = 50_000) -> tuple[np.ndarray, np.ndarray]:
    """Random points over the extent and beyond, every vertex, edge midpoints, NaN and (0, 0)."""
    rng = np.random.default_rng(5)
    minx, miny, maxx, maxy = shapely.total_bounds(geometries)
    lon = rng.uniform(minx - 0.01, maxx + 0.01, rows)
    lat = rng.uniform(miny - 0.01, maxy + 0.01, rows)
    vertices = shapely.get_coordinates(shapely.boundary(geometries))
    middles = (vertices[:-1] + vertices[1:]) / 2
    lon = np.concatenate([lon, vertices[:, 0], middles[:, 0], [np.nan, 0.0, maxx, minx]])
    lat = np.concatenate([lat, vertices[:, 1], middles[:, 1], [np.nan, 0.0, maxy, miny]])
    return lon, lat


def test_raster_agrees_with_the_tree_on_the_tiny_city(tiny_db_path):
    con = db.open_store(tiny_db_path, read_only=True)
    index = gridindex.load_grid_index(con)
    con.close()
    lon, lat = _probe_points(index.geometries)
    fast = index.assign_index(lon, lat, use_raster=True)
    exact = index.assign_index(lon, lat, use_raster=False)
    assert np.array_equal(fast, exact)
    answers = index.raster().lookup(lon, lat)
    # The shortcut must answer most points by itself, or it saves nothing.
    assert (answers != BOUNDARY).mean() > 0.5 and (answers >= 0).any() and (answers == OUTSIDE).any()


def test_a_point_on_a_shared_edge_goes_to_the_smallest_code_either_way():
    left, right = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    index = gridindex.build_grid_index(["A", "B"], [left, right])
    lon = np.array([1.0, 1.0, 0.5, 1.5, 3.0, np.nan])
    lat = np.array([0.5, 1.0, 0.5, 0.5, 0.5, 0.5])
    expected = ["A", "A", "A", "B", None, None]
    assert list(index.assign(lon, lat, use_raster=True)) == expected
    assert list(index.assign(lon, lat, use_raster=False)) == expected
