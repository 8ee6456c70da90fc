"""The two roll-up paths give the same totals: GROUPING SETS over the rows (``Scan.sql``, what Spark
runs for every scan) and grid partials rolled up the hierarchy in numpy (what DuckDB runs for the
scans that roll up)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data.clock import parse_instant
from indicators.catalog import load_catalog
from indicators.compiler import compile_catalog, rolled_up, shared_partials
from indicators.engine import load_units
from indicators.execution import grid_partials, materialise_relations
from indicators.rollup import build_hierarchy, roll_up
from indicators.scan_statements import bound_parameters
from tests.conftest import TINY_NOW

TZ = "Asia/Shanghai"
COMPILED = compile_catalog(load_catalog())
ROLLED = [scan for scan in COMPILED.scans.values() if rolled_up(scan)]


def test_most_scans_are_rolled_up_and_the_others_have_a_reason():
    assert len(ROLLED) > len(COMPILED.scans) / 2
    for scan in COMPILED.scans.values():
        if scan not in ROLLED:
            aggregates = {c.measure.agg for c in scan.columns}
            assert len(scan.levels) == 1 or aggregates & {"percentile", "distinct_count"}, scan.key


@pytest.fixture(scope="module")
def cursor(tiny_con):
    cursor = tiny_con.cursor()
    materialised = materialise_relations(cursor, list(COMPILED.scans.values()), parse_instant(TINY_NOW, TZ), TZ)
    yield cursor, materialised
    cursor.close()


def _rows(cursor, sql: str, scan, at_s: int):
    frame = cursor.execute(sql, bound_parameters(sql, at_s, scan, TZ)).df()
    keys = [k for k in ("level", "unit_code", "split_value") if k in frame]
    return frame.sort_values(keys, na_position="first").reset_index(drop=True)


SHARED = shared_partials(ROLLED)


def test_scans_reading_the_same_rows_share_one_partials_query():
    assert len(SHARED) < len(ROLLED)
    for group in SHARED:
        assert len({(s.source, s.window, s.time_column, s.split_column) for s in group}) == 1


@pytest.mark.parametrize("group", SHARED, ids=["+".join(scan.key for scan in group) for group in SHARED])
def test_grid_partials_rolled_up_in_numpy_equal_the_spark_grouping_sets(group, cursor, tiny_con):
    cursor, materialised = cursor
    at_s = parse_instant(TINY_NOW, TZ)
    units = load_units(tiny_con)
    hierarchy = build_hierarchy(units)
    for partials in grid_partials(cursor, group, at_s, TZ, materialised):
        scan = partials.scan
        rolled = roll_up(partials, hierarchy)
        got = {"unit_code": units["unit_code"].to_numpy()[rolled.unit], "newest_s": rolled.newest_s, **rolled.columns}
        if scan.split_column:
            got["split_value"] = np.array(scan.split_values, dtype=object)[rolled.split]
        got = pd.DataFrame(got)
        over_rows = _rows(cursor, scan.sql(materialised), scan, at_s)
        over_rows = over_rows[over_rows["unit_code"].notna()]
        keys = ["unit_code"] + (["split_value"] if scan.split_column else [])
        joined = over_rows.merge(got, on=keys, how="outer", suffixes=("_sql", "_numpy"), indicator=True)
        assert (joined["_merge"] == "both").all(), scan.key
        assert len(joined) > 0 or scan.source == "open_cases"
        newest = joined["newest"].map(lambda t: t.timestamp(), na_action="ignore").astype("float64")
        assert np.array_equal(newest.to_numpy(), joined["newest_s"].to_numpy(), equal_nan=True), scan.key
        for column in [c.name for c in scan.columns]:
            left = joined[f"{column}_sql"].to_numpy("float64")
            right = joined[f"{column}_numpy"].to_numpy("float64")
            assert np.array_equal(np.isnan(left), np.isnan(right)), (scan.key, column)
            assert np.allclose(left[~np.isnan(left)], right[~np.isnan(right)], rtol=1e-12, atol=0), (scan.key, column)
