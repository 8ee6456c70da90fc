"""Comparing two evaluations of the catalog (DuckDB's and Spark's) value by value."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators.catalog import Catalog
from indicators.model import IndicatorType

KEYS = ["indicator_id", "level", "unit_code"]
NUMERIC_FIELDS = ("value", "numerator", "denominator", "baseline", "data_age_s")
EXACT_TYPES = (IndicatorType.COUNT, IndicatorType.DISTINCT_COUNT)
RELATIVE_TOLERANCE = 1e-9
DIFFERENCE_COLUMNS = KEYS + ["field", "duckdb", "spark"]


@dataclass(frozen=True)
class Parity:
    """How many values were compared, how many were equal, and every difference."""

    rows: int
    compared: int
    equal: int
    differences: pd.DataFrame

    def summary(self) -> str:
        """Return one line: rows, values compared, equal and different."""
        return (f"{self.rows} (indicator, unit) rows, {self.compared} values compared "
                f"(value, numerator, denominator, baseline, data age, status): {self.equal} equal, "
                f"{len(self.differences)} different")


def compare_values(duckdb_values: pd.DataFrame, spark_values: pd.DataFrame, catalog: Catalog) -> Parity:
    """Return the parity of two evaluations: counts exactly, other numbers within RELATIVE_TOLERANCE,
    nulls equal to nulls, statuses as text; a row on one side only is a difference."""
    both = duckdb_values.merge(spark_values, on=KEYS, how="outer", suffixes=("_duckdb", "_spark"), indicator=True)
    one_sided = both[both["_merge"] != "both"]
    both = both[both["_merge"] == "both"]
    exact = both["indicator_id"].map({i.id: i.type in EXACT_TYPES for i in catalog.indicators}).fillna(False)
    frames = [_one_sided(one_sided)]
    compared = 0
    for field in NUMERIC_FIELDS:
        equal = numbers_equal(both[f"{field}_duckdb"], both[f"{field}_spark"], exact.to_numpy(bool) & (field == "value"))
        frames.append(_differences(both[~equal], field))
        compared += len(both)
    status_equal = both["status_duckdb"].fillna("") == both["status_spark"].fillna("")
    frames.append(_differences(both[~status_equal.to_numpy()], "status"))
    compared += len(both) + len(one_sided)
    differences = pd.concat([f for f in frames if not f.empty] or [pd.DataFrame(columns=DIFFERENCE_COLUMNS)],
                            ignore_index=True)
    return Parity(len(both) + len(one_sided), compared, compared - len(differences), differences)


def numbers_equal(left: pd.Series, right: pd.Series, exact: np.ndarray) -> np.ndarray:
    """Return, per row, whether two numbers agree: both null, equal where ``exact``, else within tolerance."""
    a, b = left.to_numpy("float64", na_value=np.nan), right.to_numpy("float64", na_value=np.nan)
    both_null = np.isnan(a) & np.isnan(b)
    close = np.isclose(a, b, rtol=RELATIVE_TOLERANCE, atol=0.0)
    return both_null | np.where(exact, a == b, close)


def _differences(rows: pd.DataFrame, field: str) -> pd.DataFrame:
    return pd.DataFrame({**{k: rows[k] for k in KEYS}, "field": field,
                         "duckdb": rows[f"{field}_duckdb"].astype(object), "spark": rows[f"{field}_spark"].astype(object)},
                        columns=DIFFERENCE_COLUMNS)


def _one_sided(rows: pd.DataFrame) -> pd.DataFrame:
    side = rows["_merge"].map({"left_only": "only in DuckDB", "right_only": "only in Spark"}).astype(object)
    return pd.DataFrame({**{k: rows[k] for k in KEYS}, "field": "row", "duckdb": side, "spark": side},
                        columns=DIFFERENCE_COLUMNS)
