"""An exact raster shortcut for point-in-grid assignment on large batches.

The grids' extent is cut into square cells. A cell that lies wholly inside one grid's interior
(and touches no other grid) answers every point in it with that grid; a cell that touches no
grid answers "outside". Only points in the remaining cells, those crossed by a grid boundary,
go to the STRtree. Each cell is tested slightly enlarged, so a point that rounding places in a
neighbouring cell still gets the answer the STRtree would give: the shortcut is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

CELLS_PER_GRID_SIDE = 16     # finest cell: a typical grid's side / 16 (about 12% of points need the tree)
MAX_CELLS = 2_000_000        # bounds the build time and the raster's memory (8 MB of int32)
POINTS_PER_CELL = 8          # classifying a cell costs about as much as looking up a few points in the tree
COARSE = 4                   # cells per side of a block classified first (coarse to fine)
MARGIN = 1e-9                # degrees (0.1 mm): far above rounding error in the cell index
OUTSIDE = -1                 # the cell touches no grid
BOUNDARY = -2                # the cell is crossed by a boundary: ask the tree


@dataclass(frozen=True)
class GridRaster:
    """Cells over the grids' extent, each holding a grid index, OUTSIDE or BOUNDARY."""

    x0: float
    y0: float
    size: float
    cells: np.ndarray        # int32 (rows, columns)

    def lookup(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Return each point's grid index, OUTSIDE, or BOUNDARY where only the tree can tell."""
        rows, cols = self.cells.shape
        fx = (lon - self.x0) / self.size
        fy = (lat - self.y0) / self.size
        # NaN compares false, so points without coordinates land in 'outside' with the far ones.
        inside = (fx >= 0) & (fx <= cols) & (fy >= 0) & (fy <= rows)
        ix = np.minimum(np.where(inside, fx, 0).astype(np.int64), cols - 1)
        iy = np.minimum(np.where(inside, fy, 0).astype(np.int64), rows - 1)
        return np.where(inside, self.cells[iy, ix], OUTSIDE)


def build_raster(tree: shapely.STRtree, geometries: np.ndarray, points: int) -> GridRaster | None:
    """Return the raster of the indexed grids, sized for a batch of ``points`` (None for a degenerate extent)."""
    minx, miny, maxx, maxy = shapely.total_bounds(geometries)
    width, height = maxx - minx, maxy - miny
    if not (width > 0 and height > 0):
        return None
    side = np.sqrt(width * height / len(geometries)) / CELLS_PER_GRID_SIDE
    side = max(side, np.sqrt(width * height / min(MAX_CELLS, max(points // POINTS_PER_CELL, 1))))
    cols, rows = int(np.ceil(width / side)) or 1, int(np.ceil(height / side)) or 1
    # Coarse to fine: a block of COARSE x COARSE cells, tested with twice the margin, that lies inside one
    # grid or touches none answers all its cells; only the cells of blocks crossed by a boundary are tested.
    block_rows, block_cols = -(-rows // COARSE), -(-cols // COARSE)
    by, bx = (a.ravel() for a in np.meshgrid(np.arange(block_rows), np.arange(block_cols), indexing="ij"))
    blocks = _classify(tree, geometries, _boxes(minx, miny, side * COARSE, bx, by, 2 * MARGIN))
    cells = np.repeat(np.repeat(blocks.reshape(block_rows, block_cols), COARSE, 0), COARSE, 1)[:rows, :cols].copy()
    iy, ix = np.nonzero(cells == BOUNDARY)
    cells[iy, ix] = _classify(tree, geometries, _boxes(minx, miny, side, ix, iy, MARGIN))
    return GridRaster(float(minx), float(miny), float(side), cells)


def _boxes(x0: float, y0: float, side: float, ix: np.ndarray, iy: np.ndarray, margin: float) -> np.ndarray:
    """Return the square cells at column ``ix`` and row ``iy`` of a raster, each enlarged by ``margin``."""
    x, y = x0 + ix * side, y0 + iy * side
    return shapely.box(x - margin, y - margin, x + side + margin, y + side + margin)


def _classify(tree: shapely.STRtree, geometries: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    box_idx, grid_idx = tree.query(boxes, predicate="intersects")
    hits = np.bincount(box_idx, minlength=len(boxes))
    cells = np.where(hits == 0, OUTSIDE, BOUNDARY).astype(np.int32)
    single = hits[box_idx] == 1
    candidates, grids = box_idx[single], grid_idx[single]
    pure = shapely.contains_properly(geometries[grids], boxes[candidates])
    cells[candidates[pure]] = grids[pure]
    return cells
