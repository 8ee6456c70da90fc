"""The layout of an evaluation's rows, and the numbers filled, derived and graded on it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators import status
from indicators.catalog import load_catalog
from indicators.evaluation_rows import EvaluationNumbers, build_evaluation_rows
from indicators.model import DerivedOp, IndicatorType

CATALOG = load_catalog()
THRESHOLDS = status.thresholds_table(CATALOG)
UNITS = pd.DataFrame({"unit_code": ["C", "D1", "D2", "G1"], "level": ["city", "district", "district", "grid"],
                      "population": [30_000.0, 10_000.0, 0.0, 5.0], "area_km2": [3.0, 2.0, 1.0, 0.5],
                      "city_code": [None, "C", "C", "C"], "district_code": [None, None, None, "D1"],
                      "street_code": None, "community_code": None})


def _first(test) -> object:
    return next(i for i in CATALOG.indicators if test(i))


COUNT = _first(lambda i: i.type == IndicatorType.COUNT and "grid" not in i.levels and "district" in i.levels)
RATIO = _first(lambda i: i.type == IndicatorType.RATIO and {"city", "district"} <= set(i.levels))


def _scanned(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["indicator_id", "unit_code", "value", "numerator", "denominator", "newest_s"])


def test_rows_are_every_unit_of_the_declared_levels_and_counts_default_to_zero():
    layout = build_evaluation_rows([COUNT], CATALOG, UNITS, THRESHOLDS)
    declared = UNITS[UNITS["level"].isin(COUNT.levels)]
    assert list(layout.labels["unit_code"]) == list(declared["unit_code"])
    assert list(layout.labels["level"]) == list(declared["level"])
    filled = EvaluationNumbers(layout)
    filled.add_scanned(_scanned([(COUNT.id, "D1", 5.0, np.nan, np.nan, 100.0),
                                 (COUNT.id, "G1", 7.0, np.nan, np.nan, 100.0),         # a level not declared
                                 (COUNT.id, "NOT-A-UNIT", 1.0, np.nan, np.nan, 100.0)]))
    filled.complete(at_s=160)
    by_unit = filled.frame().set_index("unit_code")
    assert "G1" not in by_unit.index and "NOT-A-UNIT" not in by_unit.index
    assert by_unit.loc["D1", "value"] == 5.0 and by_unit.loc["D1", "data_age_s"] == 60.0
    assert by_unit.loc["D2", "value"] == 0.0 and np.isnan(by_unit.loc["D2", "data_age_s"])


def test_a_ratio_is_divided_after_its_parts_meet_and_no_rows_make_zero_over_zero():
    layout = build_evaluation_rows([RATIO], CATALOG, UNITS, THRESHOLDS)
    filled = EvaluationNumbers(layout)
    filled.add_scanned(_scanned([(RATIO.id, "D1", np.nan, 3.0, np.nan, 100.0),     # numerator from one scan,
                                 (RATIO.id, "D1", np.nan, np.nan, 4.0, 90.0),      # denominator from another
                                 (RATIO.id, "C", np.nan, 1.0, 0.0, 100.0)]))
    filled.complete(at_s=100)
    by_unit = filled.frame().set_index("unit_code")
    assert by_unit.loc["D1", "value"] == pytest.approx(3.0 / 4.0 * RATIO.scale)
    assert by_unit.loc["D1", "data_age_s"] == 0.0                 # the newer of the two parts
    assert np.isnan(by_unit.loc["C", "value"])                    # divided by zero: no value
    assert by_unit.loc["D2", ["numerator", "denominator"]].tolist() == [0.0, 0.0]
    assert np.isnan(by_unit.loc["D2", "value"])


def test_derived_rows_are_the_levels_shared_with_the_input_computed_from_its_row():
    per_10k = _first(lambda i: i.op == DerivedOp.PER_10K and "district" in CATALOG[i.input].levels)
    base = CATALOG[per_10k.input]
    layout = build_evaluation_rows([base, per_10k], CATALOG, UNITS, THRESHOLDS)
    derived = layout.labels[layout.labels["indicator_id"] == per_10k.id]
    shared = set(per_10k.levels) & set(base.levels)
    assert set(derived["level"]) == shared & set(UNITS["level"])
    filled = EvaluationNumbers(layout)
    filled.add_scanned(_scanned([(base.id, "D1", 20.0, np.nan, np.nan, 50.0),
                                 (base.id, "D2", 20.0, np.nan, np.nan, 50.0)]))
    filled.complete(at_s=100)
    filled.derive(previous=np.full(len(layout), np.nan))
    rows = filled.frame().set_index(["indicator_id", "unit_code"])
    assert rows.loc[(per_10k.id, "D1"), "value"] == pytest.approx(20.0 * 10_000 / 10_000)
    assert rows.loc[(per_10k.id, "D1"), "numerator"] == 20.0 and rows.loc[(per_10k.id, "D1"), "data_age_s"] == 50.0
    assert np.isnan(rows.loc[(per_10k.id, "D2"), "value"])        # no residents: no rate


def test_statuses_grade_by_the_thresholds_of_each_rows_level():
    graded = _first(lambda i: i.type in (IndicatorType.COUNT, IndicatorType.MAX) and i.thresholds.levels
                    and not i.thresholds.relative_to and "district" in i.levels)   # counts' absolute bounds are the city's
    layout = build_evaluation_rows([graded], CATALOG, UNITS, THRESHOLDS)
    bounds = dict(graded.thresholds.bounds_for("district"))
    worst = max(bounds, key=lambda severity: ["blue", "yellow", "orange", "red"].index(severity))
    filled = EvaluationNumbers(layout)
    rows = layout.labels.reset_index(drop=True)
    d1 = rows.index[rows["unit_code"] == "D1"][0]
    filled.value[:] = np.nan
    filled.value[d1] = bounds[worst] + (1 if graded.direction != "higher_is_better" else -1)
    graded_rows = filled.statuses()
    assert graded_rows[d1] == worst
    assert set(graded_rows[np.arange(len(rows)) != d1]) == {"no_data"}
