"""Checks on a set of grids (areas, overlaps, gaps) and re-assignment of stored rows to new grids."""

from __future__ import annotations

import duckdb
import numpy as np
import pyproj
import shapely

from data import versions
from data.ingest.batches import registered
from data.ingest.gridindex import load_grid_index

MAX_REPORTED = 20


def _equal_area(geometries: np.ndarray) -> np.ndarray:
    """Return the geometries in a Lambert azimuthal equal-area projection centred on them."""
    valid = geometries[~shapely.is_missing(geometries)]
    if len(valid) == 0:
        return geometries
    minx, miny, maxx, maxy = shapely.total_bounds(valid)
    crs = pyproj.CRS.from_proj4(f"+proj=laea +lat_0={(miny + maxy) / 2} +lon_0={(minx + maxx) / 2} +units=m")
    to_metres = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)

    def project(coords: np.ndarray) -> np.ndarray:
        x, y = to_metres.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometries, project)


def areas_m2(geometries: np.ndarray) -> np.ndarray:
    """Return each geometry's area in square metres."""
    return shapely.area(_equal_area(np.asarray(geometries, dtype=object)))


def check_tiling(geometries: np.ndarray, codes: np.ndarray, tolerance_m2: float) -> dict:
    """Return the overlaps between grids and the gaps inside their union larger than the tolerance."""
    metric = _equal_area(np.asarray(geometries, dtype=object))
    tree = shapely.STRtree(metric)
    left, right = tree.query(metric, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    overlap = shapely.area(shapely.intersection(metric[left], metric[right])) if len(left) else np.zeros(0)
    big = overlap > tolerance_m2
    overlaps = [{"codes": [str(codes[a]), str(codes[b])], "area_m2": round(float(x), 1)}
                for a, b, x in zip(left[big][:MAX_REPORTED], right[big][:MAX_REPORTED], overlap[big][:MAX_REPORTED])]
    union = shapely.union_all(metric)
    rings = _interior_rings(union)
    gap_areas = shapely.area(shapely.polygons(rings)) if len(rings) else np.zeros(0)
    gaps = sorted((round(float(a), 1) for a in gap_areas if a > tolerance_m2), reverse=True)
    return {"overlaps": int(big.sum()), "overlap_pairs": overlaps,
            "gaps": len(gaps), "gap_areas_m2": gaps[:MAX_REPORTED]}


def _interior_rings(union) -> np.ndarray:
    polygons = shapely.get_parts(union)
    counts = shapely.get_num_interior_rings(polygons)
    owners = np.repeat(np.arange(len(polygons)), counts)
    index = np.concatenate([np.arange(c) for c in counts]) if len(counts) else np.zeros(0, dtype=int)
    return shapely.get_interior_ring(polygons[owners], index) if len(owners) else np.zeros(0, dtype=object)


def reassign_all(con: duckdb.DuckDBPyConnection) -> dict:
    """Give every stored event and sensor with coordinates the grid it now falls in; return counts."""
    index = load_grid_index(con)
    versions.bump(con, "events", "geometry")           # in the caller's transaction, like the updates
    return {"reassigned_events": _reassign(con, index, "events", ("source", "event_id")),
            "reassigned_sensors": _reassign(con, index, "sensors", ("sensor_id",))}


def _reassign(con: duckdb.DuckDBPyConnection, index, table: str, keys: tuple[str, ...]) -> int:
    names = ", ".join(keys)
    located = con.execute(f"SELECT {names}, lon, lat, grid_code FROM {table} WHERE lon IS NOT NULL").df()
    if len(located):
        frame = located[list(keys)].copy()
        frame["new_code"] = index.assign(located["lon"].to_numpy(), located["lat"].to_numpy())
        with registered(con, "_reassign", frame):
            join = " AND ".join(f"t.{k} = n.{k}" for k in keys)
            con.execute(f"UPDATE {table} t SET grid_code = n.new_code FROM _reassign n WHERE {join} "
                        "AND t.grid_code IS DISTINCT FROM n.new_code")
    # Rows without coordinates keep a grid code only if it still names a grid.
    con.execute(f"UPDATE {table} SET grid_code = NULL WHERE lon IS NULL AND grid_code IS NOT NULL "
                "AND grid_code NOT IN (SELECT code FROM admin_units WHERE level = 'grid')")
    return len(located)
