"""For one indicator of every type and every window, the engine equals an independent computation.

The independent side asks DuckDB only for each source row's filter and expression (the catalog's
SQL text); the window, the unit grouping at city, street and grid level and the aggregation are
redone in pandas, so the engine's compiler, families, GROUPING SETS and assembly are all checked.
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

from data.clock import parse_instant
from indicators.catalog import load_catalog
from indicators.engine import Engine
from indicators.model import IndicatorType, Measure
from indicators.sources import SOURCES, UNIT_COLUMNS
from indicators.windows import span
from tests.conftest import TINY_NOW

TZ = "Asia/Shanghai"
CATALOG = load_catalog()
NOW_S = parse_instant(TINY_NOW, TZ)
CHECKED_TYPES = [t for t in IndicatorType if t not in (IndicatorType.DERIVED, IndicatorType.AQI)]


def _one_per_type_and_window() -> list[str]:
    """Return, per (type, window), the indicator declared at most of city, street and grid."""
    chosen = {}
    for ind in CATALOG.indicators:
        if ind.type in CHECKED_TYPES:
            coverage = len({"city", "street", "grid"} & set(ind.levels))
            best = chosen.get((ind.type, ind.window))
            if best is None or coverage > best[0]:
                chosen[(ind.type, ind.window)] = (coverage, ind.id)
    return sorted(indicator_id for _, indicator_id in chosen.values())


SAMPLES = _one_per_type_and_window()
# Every median (handling and closing times, next to their mean and 90th percentile).
# the cases' medians (the work orders' medians are checked against pandas in test_order_kpis.py)
MEDIANS = sorted(i.id for i in CATALOG.indicators if i.type == IndicatorType.PERCENTILE and i.measure.quantile == 0.5
                 and not i.id.startswith("orders."))


@pytest.fixture(scope="module")
def values(tiny_con):
    return Engine(CATALOG, TZ).evaluate(tiny_con, NOW_S)


def _rows(con, source_name: str, measure: Measure) -> pd.DataFrame:
    source = SOURCES[source_name]
    time_columns = ", ".join(source.time_columns) + ", " if source.time_columns else ""
    sql = (f"SELECT {time_columns}u_city, u_district, u_street, u_community, u_grid, ({measure.filter}) AS keep, "
           f"{'1' if measure.expression == '*' else measure.expression} AS x FROM ({source.sql()}) AS base")
    params = {"now": datetime.fromtimestamp(NOW_S, timezone.utc)} if "$now" in sql else {}
    return con.execute(sql, params).df()


def _aggregate(agg: str, x: pd.Series, quantile: float | None) -> float:
    x = x.dropna() if agg != "count" else x
    if agg == "count":
        return float(len(x))
    if agg == "distinct_count":
        return float(x.nunique())
    if x.empty:
        return np.nan if agg != "sum" else 0.0
    if agg == "percentile":
        return float(np.quantile(x.astype(float), quantile))
    return float(getattr(x.astype(float), {"avg": "mean"}.get(agg, agg))())


def selected(con, indicator, measure: Measure, level: str, code: str) -> pd.Series:
    """Return the measure's expression over the rows the indicator aggregates for one unit."""
    rows = _rows(con, indicator.source, measure)
    mask = rows["keep"].fillna(False).astype(bool) & (rows[UNIT_COLUMNS[level]] == code)
    column = indicator.time_column or SOURCES[indicator.source].default_time_column
    if column:
        bounds = span(indicator.window, NOW_S, TZ)
        t = (rows[column] - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
        mask &= (t > bounds.start_s) & (t <= bounds.end_s)
    return rows.loc[mask, "x"]


def pandas_measure(con, indicator, measure: Measure, level: str, code: str) -> float:
    return _aggregate(measure.agg, selected(con, indicator, measure, level, code), measure.quantile)


def _busiest(values, indicator_id, level):
    rows = values[(values["indicator_id"] == indicator_id) & (values["level"] == level)]
    rows = rows.assign(key=rows["denominator"].fillna(rows["value"]).fillna(-1))
    return rows.sort_values(["key", "unit_code"], ascending=[False, True]).iloc[0]


@pytest.mark.parametrize("indicator_id", SAMPLES)
@pytest.mark.parametrize("level", ["city", "street", "grid"])
def test_engine_equals_pandas(indicator_id, level, values, tiny_con):
    indicator = CATALOG[indicator_id]
    if level not in indicator.levels:
        pytest.skip(f"{indicator_id} is not computed at {level}")
    row = _busiest(values, indicator_id, level)
    if indicator.type == IndicatorType.RATIO:
        numerator = pandas_measure(tiny_con, indicator, indicator.numerator, level, row["unit_code"])
        denominator = pandas_measure(tiny_con, indicator, indicator.denominator, level, row["unit_code"])
        assert (row["numerator"], row["denominator"]) == pytest.approx((numerator, denominator))
        expected = numerator / denominator * indicator.scale if denominator else np.nan
    else:
        expected = pandas_measure(tiny_con, indicator, indicator.measure, level, row["unit_code"])
    assert row["value"] == pytest.approx(expected, nan_ok=True), (indicator_id, row["unit_code"])


def test_every_type_and_window_is_sampled():
    types = {CATALOG[i].type for i in SAMPLES}
    windows = {CATALOG[i].window for i in SAMPLES}
    assert types == set(CHECKED_TYPES)
    assert {w.value for w in windows} >= {"now", "last_hour", "today", "yesterday", "last_24h", "last_7d", "last_30d"}


@pytest.mark.parametrize("indicator_id", MEDIANS)
@pytest.mark.parametrize("level", ["city", "street"])
def test_median_equals_pandas_median(indicator_id, level, values, tiny_con):
    indicator = CATALOG[indicator_id]
    row = _busiest(values, indicator_id, level)
    expected = selected(tiny_con, indicator, indicator.measure, level, row["unit_code"]).dropna().astype(float).median()
    assert row["value"] == pytest.approx(expected, nan_ok=True), (indicator_id, row["unit_code"])


def test_the_medians_sit_next_to_every_90th_percentile_and_mean_closing_time():
    expected = {i.id.replace("p90_hours", "p50_hours") for i in CATALOG.indicators if "p90_hours" in i.id}
    expected |= {i.id.replace("avg_closing_hours", "p50_closing_hours")
                 for i in CATALOG.indicators if "avg_closing_hours" in i.id}
    assert set(MEDIANS) == expected
    for median in MEDIANS:
        twin = CATALOG[median.replace("p50_hours", "p90_hours").replace("p50_closing_hours", "avg_closing_hours")]
        assert (CATALOG[median].levels, CATALOG[median].window, CATALOG[median].measure.filter) == (
            twin.levels, twin.window, twin.measure.filter)
