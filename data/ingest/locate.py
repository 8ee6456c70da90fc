"""Coordinates and grid codes of incoming rows: validate, convert to WGS84, assign, flag mismatches."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.ingest import convert, coords
from data.ingest.gridindex import GridIndex
from data.ingest.mapping import Mapping
from data.ingest.rules import Verdicts


@dataclass
class Located:
    """WGS84 coordinates and grid codes of a batch, plus the rows whose code disagreed."""

    lon: np.ndarray
    lat: np.ndarray
    grid_code: np.ndarray
    mismatch: np.ndarray        # mask: given grid code differs from the point's grid
    point_grid: np.ndarray      # the grid the point falls in (for the flag's detail)


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
    point_index = grids.assign_index(lon, lat)
    return _check_grids(given.to_numpy(dtype=object, na_value=None), has_code, usable, lon, lat, point_index,
                        grids, verdicts)


def _check_grids(given, has_code, usable, lon, lat, point_index, grids: GridIndex, verdicts: Verdicts) -> Located:
    if grids.empty:
        return Located(lon, lat, np.where(has_code, given, None), np.zeros(len(lon), bool),
                       np.full(len(lon), None, dtype=object))
    # Grid positions, not code strings, until the end: a batch's codes become one categorical column.
    inside = point_index >= 0
    verdicts.reject(usable & ~inside & ~has_code, "outside_city")
    given_index = np.full(len(lon), -1, dtype="int64")
    if has_code.any():
        given_index[has_code] = pd.Index(grids.codes).get_indexer(given[has_code])
    known = given_index >= 0
    verdicts.reject(has_code & ~known, "unknown_grid")
    verdicts.reject(usable & ~inside & has_code, "outside_city", "the point lies outside every grid")
    mismatch = known & inside & (given_index != point_index)
    code = np.where(has_code, given_index, point_index)
    return Located(lon, lat, grids.categorical(code), mismatch, grids.categorical(point_index))
