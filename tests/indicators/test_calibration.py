"""Calibration on a synthetic history: the documented percentiles, in order, for both directions;
ratios where the catalog grades against the baseline and the baseline is large enough; levels without
enough history skipped with their reason; the file it writes reads back."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pytest

from data.clock import HOUR_S, utc
from indicators import calibration
from indicators.catalog import Catalog
from indicators.model import Direction, Indicator, IndicatorType, Thresholds, Window
from indicators.thresholds import load_thresholds
from indicators.thresholds_file import Provenance, render_thresholds

START = 1_790_000_000 // HOUR_S * HOUR_S
QS = [p / 100 for _, p in calibration.PERCENTILES]


def indicator(id_, direction=Direction.HIGHER_IS_WORSE, window=Window.TODAY, relative=None, calibrate=("grid",)):
    return Indicator(id=id_, name_zh="名", name_en="name", domain="test", subject="intake", definition="d.",
                     unit="件", type=IndicatorType.COUNT, source="events", window=window, direction=direction,
                     levels=("city", "grid"),
                     thresholds=Thresholds((("blue", 1.2), ("red", 2.0)) if relative else (), relative, calibrate=calibrate))


def history(rows):
    """Return a connection holding indicator_history rows (indicator_id, level, hour, value, baseline)."""
    con = duckdb.connect()
    con.execute("CREATE TABLE indicator_history (indicator_id VARCHAR, unit_code VARCHAR, level VARCHAR, value DOUBLE, "
                "baseline DOUBLE, as_of TIMESTAMPTZ)")
    con.execute("CREATE VIEW indicator_history_all AS SELECT * FROM indicator_history")   # as migration 0018
    con.executemany("INSERT INTO indicator_history VALUES (?, ?, ?, ?, ?, ?)",
                    [(i, f"u{n}", level, value, baseline, utc(START + hour * HOUR_S))
                     for n, (i, level, hour, value, baseline) in enumerate(rows)])
    return con


def proposals(catalog_indicators, rows, min_hours=10):
    catalog = Catalog(tuple(catalog_indicators), ())
    targets = calibration.calibration_targets(catalog)
    counts = calibration.stored_counts(history(rows), targets, START, START + 1000 * HOUR_S)
    return {(p.indicator.id, p.level): p for p in calibration.propose(targets, counts, min_hours)}


def spread(id_, values, level="grid", baselines=None):
    """Return history rows giving each value one unit-hour, over 50 hours."""
    baselines = baselines if baselines is not None else [None] * len(values)
    return [(id_, level, 1 + n % 50, float(v), b) for n, (v, b) in enumerate(zip(values, baselines))]


def test_weighted_quantiles_equal_numpy_on_the_repeated_values():
    rng = np.random.default_rng(3)
    values, counts = rng.normal(size=40), rng.integers(1, 30, size=40)
    expected = np.quantile(np.repeat(values, counts), QS + [0.5, 0.01])
    assert calibration.weighted_quantiles(values, counts, QS + [0.5, 0.01]) == pytest.approx(expected)


def test_counts_higher_is_worse_get_the_next_whole_number_above_each_percentile():
    values = np.arange(1000)
    found = proposals([indicator("t.a.count.today")], spread("t.a.count.today", values))[("t.a.count.today", "grid")]
    expected = [math.floor(q) + 1 for q in np.quantile(values, QS)]
    assert found.bounds.bounds == tuple(zip(("blue", "yellow", "orange", "red"), map(float, expected)))
    assert found.bounds.relative_to is None
    assert "1,000 unit-hours over 50 h" in found.note


def test_higher_is_better_mirrors_the_percentiles_and_falls():
    values = 50 + np.arange(1000) * 0.37          # not whole numbers: three significant digits
    ind = indicator("t.a.rate.today", direction=Direction.HIGHER_IS_BETTER)
    found = proposals([ind], spread(ind.id, values))[(ind.id, "grid")]
    expected = [float(f"{q:.3g}") for q in np.quantile(values, [1 - q for q in QS])]
    assert [b for _, b in found.bounds.bounds] == expected
    assert expected == sorted(expected, reverse=True) and len(set(expected)) == 4


def test_ratios_to_the_baseline_where_the_catalog_says_so_and_the_baseline_is_large():
    ratios = 0.5 + np.arange(1000) / 1000          # 0.5 .. 1.499
    ind = indicator("t.a.count.today", relative="baseline_7d")
    found = proposals([ind], spread(ind.id, ratios * 20, baselines=[20.0] * 1000))[(ind.id, "grid")]
    expected = [math.ceil(round(q * 100, 6)) / 100 for q in np.quantile(ratios * 20 / 20, QS)]
    assert found.bounds.relative_to == "baseline_7d"
    assert [b for _, b in found.bounds.bounds] == expected


def test_small_baselines_give_absolute_bounds_and_say_why():
    ind = indicator("t.a.count.today", relative="baseline_7d")
    found = proposals([ind], spread(ind.id, np.arange(1000) % 7, baselines=[2.0] * 1000))[(ind.id, "grid")]
    assert found.bounds.relative_to is None
    assert "median baseline 2 < 5" in found.note


def test_a_flat_history_gets_bounds_pushed_apart_above_the_median():
    ind = indicator("t.a.count.today")
    found = proposals([ind], spread(ind.id, [0] * 990 + [1] * 10))[(ind.id, "grid")]
    assert [b for _, b in found.bounds.bounds] == [1.0, 2.0, 3.0, 4.0]
    assert "pushed apart" in found.note


def test_levels_without_enough_history_are_skipped_with_the_reason():
    ind = indicator("t.a.count.today", calibrate=("city", "grid"))
    rows = spread(ind.id, range(100)) + [(ind.id, "city", h, 5.0, None) for h in range(1, 301)]
    found = proposals([ind], rows, min_hours=40)
    assert found[(ind.id, "grid")].bounds is None and "100 unit-hours with values, 200 needed" in found[(ind.id, "grid")].note
    assert found[(ind.id, "city")].bounds is not None
    assert proposals([ind], rows, min_hours=400)[(ind.id, "city")].note == "300 hourly snapshots with values, 400 needed"


def test_only_levels_marked_calibrate_are_proposed_and_the_file_reads_back():
    marked, plain = indicator("t.a.count.today", calibrate=("grid",)), indicator("t.b.count.today", calibrate=())
    rows = spread(marked.id, range(1000)) + spread(plain.id, range(1000)) + [(marked.id, "city", 1, 1.0, None)]
    catalog = Catalog((marked, plain), ())
    found = proposals([marked, plain], rows)
    assert list(found) == [(marked.id, "grid")]
    skipped = calibration.Proposal(marked, "city", None, "3 hourly snapshots with values, 168 needed")
    text = render_thresholds(list(found.values()) + [skipped],
                             Provenance("云江市", "Yunjiang", 4, "a", "b", "hourly values", 168, "python cli.py …"))
    parsed = load_thresholds(text, catalog, "proposal.yaml")
    assert parsed.entries[marked.id]["grid"] == found[(marked.id, "grid")].bounds
    assert parsed.city == {"name_zh": "云江市", "name_en": "Yunjiang"} and parsed.calibrated["weeks"] == 4
    assert "#   t.a.count.today city: 3 hourly snapshots with values, 168 needed" in text
