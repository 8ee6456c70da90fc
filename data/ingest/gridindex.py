"""Point-in-grid assignment with shapely 2's vectorised STRtree.

Built once per batch from the grid-level units in ``admin_units``. Assignment is deterministic:

- a point inside one grid belongs to it;
- a point on a shared edge (inside no grid, on the boundary of several) belongs to the grid with
  the smallest code;
- a point inside two or more grids (overlapping boundary polygons) belongs to the *smallest* of
  them by area (then the smallest code), and is reported in ``Assignment.overlaps`` so ingestion can
  flag it (``grid_overlap``). Overlaps come as slivers along a border, where either answer is as
  good, or as a small unit drawn over a large one (a park, a campus, an enclave), where the small
  one is the specific answer; the rule is the same whichever order the file lists the polygons in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
import shapely

from data.ingest.gridraster import BOUNDARY, GridRaster, build_raster

CHUNK = 1_000_000          # points per STRtree query: bounds the memory of the index arrays
RASTER_MIN_POINTS = 200_000  # below this, building the raster costs more than it saves


@dataclass(frozen=True)
class Assignment:
    """Each point's grid, and the points that lie inside more than one grid."""

    positions: np.ndarray                     # position in GridIndex.codes (-1: none)
    overlaps: dict[int, tuple[int, ...]]      # point → the grids whose interior holds it, the chosen first


@dataclass(frozen=True)
class GridIndex:
    """The grids of a store, indexed for point-in-polygon queries."""

    codes: np.ndarray            # object array of grid codes, sorted
    tree: shapely.STRtree | None
    geometries: np.ndarray | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)   # raster and categories, built once

    @property
    def empty(self) -> bool:
        """True when the store has no grids (assignment and 'outside the city' do not apply)."""
        return self.tree is None

    def assign(self, lon: np.ndarray, lat: np.ndarray, use_raster: bool | None = None) -> np.ndarray:
        """Return the grid code of each point (None outside every grid or without coordinates)."""
        codes = np.empty(len(lon), dtype=object)
        result = self.assign_index(lon, lat, use_raster)
        found = result >= 0
        codes[found] = self.codes[result[found]]
        return codes

    def assign_index(self, lon: np.ndarray, lat: np.ndarray, use_raster: bool | None = None) -> np.ndarray:
        """Return each point's position in ``codes`` (-1 outside every grid or without coordinates)."""
        return self.assign_points(lon, lat, use_raster).positions

    def assign_points(self, lon: np.ndarray, lat: np.ndarray, use_raster: bool | None = None) -> Assignment:
        """Return each point's grid position and the points inside more than one grid (module docstring)."""
        lon = np.asarray(lon, dtype="float64")
        lat = np.asarray(lat, dtype="float64")
        if self.tree is None:
            return Assignment(np.full(len(lon), -1, dtype="int64"), {})
        if use_raster is None:
            use_raster = len(lon) >= RASTER_MIN_POINTS or "raster" in self._cache
        raster = self.raster(len(lon)) if use_raster else None
        if raster is None:
            return self._query_chunked(lon, lat)
        # A cell in an overlap touches two grids: it is a boundary cell, so its points go to the tree.
        result = raster.lookup(lon, lat).astype("int64")
        ask = np.flatnonzero(result == BOUNDARY)
        asked = self._query_chunked(lon[ask], lat[ask])
        result[ask] = asked.positions
        return Assignment(result, {int(ask[row]): grids for row, grids in asked.overlaps.items()})

    def categorical(self, positions: np.ndarray) -> pd.Categorical:
        """Return grid codes for positions in ``codes`` (-1: none) as a categorical, without a string per row."""
        return pd.Categorical.from_codes(np.asarray(positions, dtype="int64"), categories=self._categories())

    def _categories(self) -> pd.Index:
        if "categories" not in self._cache:
            self._cache["categories"] = pd.Index(self.codes.astype(str), dtype=object)
        return self._cache["categories"]

    def expect(self, points: int) -> None:
        """Size the raster for a batch of ``points`` that arrives in smaller chunks (a streamed file)."""
        if points >= RASTER_MIN_POINTS:
            self.raster(points)

    def raster(self, points: int = RASTER_MIN_POINTS) -> GridRaster | None:
        """Return the exact raster shortcut of these grids, built once per index for the first large batch."""
        if "raster" not in self._cache:
            self._cache["raster"] = build_raster(self.tree, self.geometries, points)
        return self._cache["raster"]

    def _query_chunked(self, lon: np.ndarray, lat: np.ndarray) -> Assignment:
        result = np.full(len(lon), -1, dtype="int64")
        overlaps: dict[int, tuple[int, ...]] = {}
        for start in range(0, len(lon), CHUNK):
            stop = min(start + CHUNK, len(lon))
            part = self._query(lon[start:stop], lat[start:stop])
            result[start:stop] = part.positions
            overlaps.update({start + row: grids for row, grids in part.overlaps.items()})
        return Assignment(result, overlaps)

    def _query(self, lon: np.ndarray, lat: np.ndarray) -> Assignment:
        valid = np.isfinite(lon) & np.isfinite(lat)
        points = shapely.points(np.where(valid, lon, 0.0), np.where(valid, lat, 0.0))
        points[~valid] = None
        point_idx, grid_idx = self.tree.query(points, predicate="intersects")
        out = np.full(len(lon), -1, dtype="int64")
        # Reverse order so that, for a point on an edge, the smallest grid index is written last.
        order = np.lexsort((-grid_idx, point_idx))
        out[point_idx[order]] = grid_idx[order]
        several = np.bincount(point_idx, minlength=len(lon))[point_idx] > 1     # on an edge, or in an overlap
        if not several.any():
            return Assignment(out, {})
        return Assignment(out, self._settle_overlaps(out, points, point_idx[several], grid_idx[several]))

    def _settle_overlaps(self, out: np.ndarray, points: np.ndarray, point_idx: np.ndarray,
                         grid_idx: np.ndarray) -> dict[int, tuple[int, ...]]:
        """Give each point inside two or more grids the smallest of them (``out`` is changed); a point
        inside exactly one of its candidates (on the other's edge) gets that one. Return the overlaps."""
        inside = shapely.contains_properly(self.geometries[grid_idx], points[point_idx])
        point_idx, grid_idx = point_idx[inside], grid_idx[inside]
        order = np.lexsort((self._area_rank()[grid_idx], point_idx))      # per point, the smallest grid first
        point_idx, grid_idx = point_idx[order], grid_idx[order]
        starts = np.flatnonzero(np.r_[True, point_idx[1:] != point_idx[:-1]]) if len(point_idx) else point_idx
        out[point_idx[starts]] = grid_idx[starts]
        groups = np.split(grid_idx, starts[1:])
        return {int(point_idx[s]): tuple(int(g) for g in grids) for s, grids in zip(starts, groups) if len(grids) > 1}

    def _area_rank(self) -> np.ndarray:
        """Return each grid's rank by area, smallest first (ties: the smaller code first)."""
        if "area_rank" not in self._cache:
            order = np.lexsort((np.arange(len(self.codes)), shapely.area(self.geometries)))
            rank = np.empty(len(order), dtype="int64")
            rank[order] = np.arange(len(order))
            self._cache["area_rank"] = rank
        return self._cache["area_rank"]


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
    return GridIndex(np.asarray(codes, dtype=object), shapely.STRtree(geometries), geometries)


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
