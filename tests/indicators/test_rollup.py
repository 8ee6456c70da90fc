"""Grid partials rolled up the hierarchy in numpy: the unit columns follow from the grid."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from indicators.compiler import Column, Scan
from indicators.model import Measure, Window
from indicators.rollup import GridPartials, build_hierarchy, roll_up

UNITS = pd.DataFrame({
    "unit_code": ["C2", "C1", "D1", "G1", "G2", "G3"],
    "level": ["city", "city", "district", "grid", "grid", "grid"],
    "city_code": [None, None, "C1", "C1", None, "C2"],
    "district_code": [None, None, "C1", "D1", "D1", "NOT-A-UNIT"],
    "street_code": None, "community_code": None})
SCAN = Scan("events.today.x", "events", Window.TODAY, "received_at", ("city", "district", "grid"),
            (Column("c0", Measure("count", "*", "true")), Column("c1", Measure("avg", "x", "true")),
             Column("c2", Measure("max", "x", "true"))))


def _partials(rows: dict) -> GridPartials:
    return GridPartials(SCAN, pa.table(rows))


def test_units_follow_from_the_grid_and_rows_without_one_count_for_the_first_city_only():
    partials = _partials({"u_grid": ["G1", "G2", "G3", None, "G1"], "c0": [2.0, 3.0, 1.0, 4.0, 0.0],
                          "c1_sum": [10.0, 30.0, 5.0, np.nan, np.nan], "c1_n": [2.0, 3.0, 1.0, 0.0, 0.0],
                          "c2": [6.0, 20.0, 5.0, np.nan, np.nan], "newest_s": [100.0, 300.0, 50.0, 400.0, 10.0]})
    rolled = roll_up(partials, build_hierarchy(UNITS))
    got = pd.DataFrame({"unit": UNITS["unit_code"].to_numpy()[rolled.unit], "count": rolled.columns["c0"],
                        "avg": rolled.columns["c1"], "max": rolled.columns["c2"], "newest": rolled.newest_s})
    got = got.set_index("unit").sort_index()
    # G2 has no city of its own: the first city by code (C1); G3's district is not a unit: no row for it
    assert got.loc["C1"].tolist() == [2.0 + 3.0 + 4.0 + 0.0, 40.0 / 5.0, 20.0, 400.0]
    assert got.loc["C2"].tolist() == [1.0, 5.0, 5.0, 50.0]
    assert got.loc["D1"].tolist() == [5.0, 8.0, 20.0, 300.0]
    assert got.loc["G1", "count"] == 2.0 and got.loc["G1", "newest"] == 100.0
    assert "NOT-A-UNIT" not in got.index and len(got) == 6


def test_a_group_with_no_values_has_no_average_or_maximum_but_counts_zero():
    partials = _partials({"u_grid": ["G1"], "c0": [0.0], "c1_sum": [np.nan], "c1_n": [0.0], "c2": [np.nan],
                          "newest_s": [10.0]})
    rolled = roll_up(partials, build_hierarchy(UNITS))
    assert set(rolled.columns["c0"]) == {0.0}
    assert np.isnan(rolled.columns["c1"]).all() and np.isnan(rolled.columns["c2"]).all()
