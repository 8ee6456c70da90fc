"""Coordinates and grid codes of incoming rows: validate, convert to WGS84, assign, flag mismatches and overlaps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.ingest import convert, coords
from data.ingest.gridindex import Assignment, GridIndex
from data.ingest.mapping import Mapping
from data.ingest.rules import Verdicts


@dataclass
class Located:
    """WGS84 coordinates and grid codes of a batch, plus the rows whose code disagreed or was ambiguous."""

    lon: np.ndarray
    lat: np.ndarray
    grid_code: np.ndarray
    mismatch: np.ndarray        # mask: given grid code differs from the point's grid (or the point is in none)
    point_grid: np.ndarray      # the grid the point falls in (for the flag's detail)
    overlap: np.ndarray         # the grid_overlap flag's detail where the point, assigning the grid, lies in several


def locate(frame: pd.DataFrame, mapping: Mapping, grids: GridIndex, verdicts: Verdicts) -> Located:
    """Return the rows' locations, rejecting bad or missing ones in ``verdicts``."""
    lon, bad_lon = convert.number_field(frame, mapping, "lon")
    lat, bad_lat = convert.number_field(frame, mapping, "lat")
    given = convert.text_field(frame, mapping, "grid_code")
    lon, lat = lon.to_numpy("float64", na_value=np.nan), lat.to_numpy("float64", na_value=np.nan)
    has_code = given.notna().to_numpy()
    verdicts.reject(bad_lon.to_numpy() | bad_lat.to_numpy(), "bad_coords", "not a number")
    out_of_range = (np.abs(lon) > 180) | (np.abs(lat) > 90)
    verdicts.reject(out_of_range, "bad_coords", "outside -180..180 / -90..90")
    zero = (lon == 0) & (lat == 0)
    missing = np.isnan(lon) | np.isnan(lat)
    keep_unlocated = mapping.missing_location == "keep"
    if not keep_unlocated:
        verdicts.reject(zero & ~has_code, "zero_coords", "(0, 0) means no location")
        verdicts.reject(missing & ~has_code, "missing_coords")
    # (0, 0) is never a place in a city: it becomes "no coordinates".
    usable = ~(missing | zero | out_of_range)
    lon, lat = np.where(usable, lon, np.nan), np.where(usable, lat, np.nan)
    lon, lat = coords.to_wgs84(lon, lat, mapping.coordinates)
    assigned = grids.assign_points(lon, lat)
    return _check_grids(given.to_numpy(dtype=object, na_value=None), has_code, usable, lon, lat, assigned,
                        grids, verdicts, keep_outside=mapping.outside_city == "keep")


def _check_grids(given, has_code, usable, lon, lat, assigned: Assignment, grids: GridIndex, verdicts: Verdicts,
                 keep_outside: bool = False) -> Located:
    nothing = np.full(len(lon), None, dtype=object)
    if grids.empty:
        return Located(lon, lat, np.where(has_code, given, None), np.zeros(len(lon), bool), nothing, nothing)
    # Grid positions, not code strings, until the end: a batch's codes become one categorical column.
    point_index = assigned.positions
    outside = usable & (point_index < 0)
    given_index = np.full(len(lon), -1, dtype="int64")
    if has_code.any():
        given_index[has_code] = pd.Index(grids.codes).get_indexer(given[has_code])
    known = given_index >= 0
    verdicts.reject(has_code & ~known, "unknown_grid")
    if not keep_outside:        # outside_city: keep stores them without a grid, or under the code they gave
        verdicts.reject(outside & ~has_code, "outside_city")
        verdicts.reject(outside & has_code, "outside_city", "the point lies outside every grid")
    mismatch = known & usable & (given_index != point_index) & ~_among_overlaps(given_index, assigned)
    code = np.where(has_code, given_index, point_index)
    return Located(lon, lat, grids.categorical(code), mismatch, grids.categorical(point_index),
                   _overlap_details(assigned, has_code, grids))


def _among_overlaps(given_index: np.ndarray, assigned: Assignment) -> np.ndarray:
    """Return the rows whose given grid is one of the several grids their point lies in (no mismatch)."""
    agree = np.zeros(len(given_index), dtype=bool)
    for row, grids in assigned.overlaps.items():
        agree[row] = given_index[row] in grids
    return agree


def _overlap_details(assigned: Assignment, has_code: np.ndarray, grids: GridIndex) -> np.ndarray:
    """Return the grid_overlap detail of each row whose point chose its grid among several (None elsewhere)."""
    details = np.full(len(has_code), None, dtype=object)
    for row, positions in assigned.overlaps.items():
        if not has_code[row]:
            codes = [str(grids.codes[p]) for p in positions]
            details[row] = f"point in {' and '.join(codes)}; assigned {codes[0]} (the smallest grid)"
    return details
