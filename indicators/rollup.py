"""Rolling a scan's grid partials up the hierarchy, in numpy.

A rolled-up scan (every aggregate decomposable) is computed in DuckDB only as partials per grid and
split value (``compiler.grid_partials_sql``); here they are summed (counts, sums, avg's sum and
count), or their least or greatest taken (min, max, newest input), per unit of every level of the
scan: a sort and a few array passes. This is the DuckDB engine's roll-up; Spark runs the scan's
GROUPING SETS over the rows instead (``Scan.sql``), and tests/indicators/test_rolled_scans.py
checks that the two agree.

Unit columns follow from the grid exactly as the sources derive them: a grid's city (or, when it has
none, the first city), district, street and community codes; a row without a known grid counts only
towards the first city. A row whose unit lies above the grid (a work order for a whole street; only
the work_orders source has them) counts towards that unit and its ancestors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data.levels import ANCESTOR_COLUMN, LEVELS
from indicators.compiler import Scan



@dataclass(frozen=True)
class Hierarchy:
    """Per unit position, and one position more for rows without a grid, the position of the unit
    each level's column gives (-1: none, or a code that is not a unit): a grid its ancestors', a unit
    above the grid itself at its level and its ancestors above."""

    unit_index: pd.Index
    ancestors: dict[str, np.ndarray]
    unit_codes: pa.Array                # the unit codes by position, to look codes up in Arrow


def build_hierarchy(units: pd.DataFrame) -> Hierarchy:
    """Return the hierarchy of ``units`` (unit_code, level and the four ancestor code columns)."""
    index = pd.Index(units["unit_code"])
    grid = (units["level"] == "grid").to_numpy()
    cities = units.loc[units["level"] == "city", "unit_code"]
    first_city = int(index.get_loc(cities.min())) if len(cities) else -1
    ancestors = {}
    levels = units["level"].to_numpy()
    depth = np.asarray([LEVELS.index(level) if level in LEVELS else -1 for level in levels])
    for level, column in ANCESTOR_COLUMN.items():
        codes = units[column]
        position = np.asarray(index.get_indexer(codes), dtype="int64")
        if level == "city":
            position = np.where(codes.isna().to_numpy(), first_city, position)
        # a unit above the grid (a work order's street) is its own unit at its level, under its ancestors
        own_or_above = np.where(levels == level, np.arange(len(units)),
                                np.where(depth > LEVELS.index(level), position, -1))
        ancestors[level] = np.append(np.where(grid, position, own_or_above), first_city if level == "city" else -1)
    ancestors["grid"] = np.append(np.where(grid, np.arange(len(units)), -1), -1)
    return Hierarchy(index, ancestors, pa.array(units["unit_code"], type=pa.string()))


@dataclass(frozen=True)
class GridPartials:
    """A rolled-up scan's partials per (split value, grid), as DuckDB returned them."""

    scan: Scan
    table: pa.Table


@dataclass(frozen=True)
class UnitTotals:
    """A scan's totals per (split value, unit) at every level of the scan: one entry per group."""

    split: np.ndarray                   # position in scan.split_values (0 without a split)
    unit: np.ndarray                    # unit position
    columns: dict[str, np.ndarray]      # column name -> total (NaN: no value)
    newest_s: np.ndarray


def roll_up(partials: GridPartials, hierarchy: Hierarchy) -> UnitTotals:
    """Return the partials' totals per split value and unit of every level of their scan."""
    scan, table = partials.scan, partials.table
    units = len(hierarchy.unit_index)
    grid = code_positions(table.column("u_grid"), hierarchy.unit_codes)
    grid = np.where(grid < 0, units, grid)
    if scan.split_column:
        split = code_positions(table.column("split_value"), pa.array(scan.split_values, type=pa.string()))
    else:
        split = np.zeros(len(grid), dtype="int64")
    unit = np.concatenate([hierarchy.ancestors[level][grid] for level in scan.levels])
    row = np.tile(np.arange(len(grid)), len(scan.levels))
    kept = (unit >= 0) & (np.tile(split, len(scan.levels)) >= 0)
    unit, row = unit[kept], row[kept]
    groups, group_of = np.unique(split[row] * units + unit, return_inverse=True)
    columns = {c.name: _total(c.measure.agg, table, c.name, row, group_of, len(groups)) for c in scan.columns}
    newest = np.full(len(groups), np.nan)
    np.fmax.at(newest, group_of, _numbers(table, "newest_s")[row])
    return UnitTotals(groups // units, groups % units, columns, newest)


def _total(agg: str, table: pa.Table, name: str, row: np.ndarray, group_of: np.ndarray, groups: int) -> np.ndarray:
    """Return one column's total per group, as DuckDB's roll-up of the partials gives it: counts and
    sums add (no partial: 0), avg divides the summed sums by the summed counts (none: NaN), min and
    max take the least and greatest partial (none: NaN)."""
    if agg in ("count", "sum"):
        return np.bincount(group_of, weights=np.nan_to_num(_numbers(table, name)[row]), minlength=groups)
    if agg == "avg":
        sums = np.bincount(group_of, weights=np.nan_to_num(_numbers(table, f"{name}_sum")[row]), minlength=groups)
        counts = np.bincount(group_of, weights=_numbers(table, f"{name}_n")[row], minlength=groups)
        return np.where(counts == 0, np.nan, sums / np.where(counts == 0, 1.0, counts))
    total = np.full(groups, np.nan)
    (np.fmin if agg == "min" else np.fmax).at(total, group_of, _numbers(table, name)[row])
    return total


def _numbers(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy().astype("float64", copy=False)


def code_positions(codes, known: pa.Array) -> np.ndarray:
    """Return each code's position among ``known`` (-1: null or not there), hashed in Arrow."""
    found = pc.index_in(codes if isinstance(codes, (pa.Array, pa.ChunkedArray)) else pa.array(codes, type=pa.string()),
                        value_set=known)
    return found.fill_null(-1).to_numpy().astype("int64")
