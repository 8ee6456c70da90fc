"""Point-in-grid assignment with shapely 2's vectorised STRtree.

Built once per batch from the grid-level units in ``admin_units``. A point on a shared edge
belongs to the grid with the smallest code, so assignment is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import shapely

CHUNK = 1_000_000     # points per STRtree query: bounds the memory of the index arrays


@dataclass(frozen=True)
class GridIndex:
    """The grids of a store, indexed for point-in-polygon queries."""

    codes: np.ndarray            # object array of grid codes, sorted
    tree: shapely.STRtree | None

    @property
    def empty(self) -> bool:
        """True when the store has no grids (assignment and 'outside the city' do not apply)."""
        return self.tree is None

    def assign(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Return the grid code of each point (None outside every grid or without coordinates)."""
        lon = np.asarray(lon, dtype="float64")
        lat = np.asarray(lat, dtype="float64")
        result = np.full(len(lon), -1, dtype="int64")
        if self.tree is not None:
            for start in range(0, len(lon), CHUNK):
                stop = min(start + CHUNK, len(lon))
                result[start:stop] = self._query(lon[start:stop], lat[start:stop])
        codes = np.empty(len(lon), dtype=object)
        found = result >= 0
        codes[found] = self.codes[result[found]]
        return codes

    def _query(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        valid = np.isfinite(lon) & np.isfinite(lat)
        points = shapely.points(np.where(valid, lon, 0.0), np.where(valid, lat, 0.0))
        points[~valid] = None
        point_idx, grid_idx = self.tree.query(points, predicate="intersects")
        out = np.full(len(lon), -1, dtype="int64")
        # Reverse order so that, for a point on an edge, the smallest grid index is written last.
        order = np.lexsort((-grid_idx, point_idx))
        out[point_idx[order]] = grid_idx[order]
        return out


def load_grid_index(con: duckdb.DuckDBPyConnection) -> GridIndex:
    """Return the index of the store's grid-level units."""
    rows = con.execute("SELECT code, geometry FROM admin_units WHERE level = 'grid' AND geometry IS NOT NULL "
                       "ORDER BY code").fetchall()
    return build_grid_index([r[0] for r in rows], shapely.from_wkb([r[1] for r in rows]) if rows else [])


def build_grid_index(codes, geometries) -> GridIndex:
    """Return an index over the given grid codes and polygons."""
    if len(codes) == 0:
        return GridIndex(np.array([], dtype=object), None)
    geometries = np.asarray(geometries, dtype=object)
    shapely.prepare(geometries)
    return GridIndex(np.asarray(codes, dtype=object), shapely.STRtree(geometries))


def naive_assign(codes, geometries, lon, lat) -> np.ndarray:
    """Return grid codes by testing every polygon for every point (the benchmark's baseline)."""
    out = np.empty(len(lon), dtype=object)
    for i, (x, y) in enumerate(zip(lon, lat)):
        point = shapely.Point(x, y)
        for code, polygon in zip(codes, geometries):
            if polygon.contains(point):
                out[i] = code
                break
    return out
