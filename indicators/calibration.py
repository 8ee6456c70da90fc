"""Proposing a city's thresholds from its own history: percentiles of each level's unit-hours.

The catalog marks the levels whose bounds depend on a city's volumes (``thresholds: {calibrate:
[grid]}``). For each such (indicator, level), the hourly values of N weeks (every unit at that level,
every hour: its *unit-hours*) give the bounds:

* blue, yellow, orange, red at the 95th, 98th, 99th and 99.5th percentiles for ``higher_is_worse``
  (the 5th, 2nd, 1st and 0.5th for ``higher_is_better``), so on an ordinary day about 5 % of a
  level's unit-hours are coloured and 1 in 200 is red;
* of the value, or of the value over its 7-day baseline where the catalog grades the indicator
  against the baseline (``relative_to: baseline_7d``) and the level's median baseline is at least
  RATIO_MIN_BASELINE (below it a ratio moves by 20 % with one case: noise, so the bounds are absolute);
* a count's bound is the smallest whole number above its percentile (so at most that share of
  unit-hours is coloured), a ratio's is rounded up to 0.01, others to three significant digits;
  each bound lies strictly beyond the median (the baseline for ratios) and the bound before it,
  pushed one step further when the history is too flat to separate them.

A level needs MIN_UNIT_HOURS values (so the red percentile lies inside the data) and ``min_hours``
hourly snapshots; the others are listed as skipped. The values come from the stored hourly
snapshots (indicator_history), or, with ``recompute``, from evaluating those indicators at every
hour (a city that has loaded its data but not yet run the server). Both give value counts per
(indicator, level), from which the percentiles are exact.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from data.clock import HOUR_S, utc
from indicators.catalog import Catalog
from indicators.engine import Engine
from indicators.model import BASELINE_7D, SEVERITIES, Direction, Indicator
from indicators.thresholds import LevelBounds, admits_baseline

PERCENTILES = (("blue", 95.0), ("yellow", 98.0), ("orange", 99.0), ("red", 99.5))
MIN_UNIT_HOURS = 200                # 1 / (1 - 0.995): the red percentile lies inside the data
DEFAULT_MIN_HOURS = 7 * 24          # a week of snapshots: every weekday and hour seen once
RATIO_MIN_BASELINE = 5.0            # below this median baseline, one case moves the ratio by 20 % or more
RATIO_STEP = 0.05                   # the step between ratio bounds too close to tell apart
SAMPLES = ("value", "ratio", "baseline")


@dataclass(frozen=True)
class Proposal:
    """The bounds proposed for one (indicator, level), or None with the reason it was skipped."""

    indicator: Indicator
    level: str
    bounds: LevelBounds | None
    note: str


@dataclass(frozen=True)
class ValueCounts:
    """How often each value occurred per (indicator, level) over the unit-hours read.

    ``samples[kind]`` has columns indicator_id, level, x, n for kind value, ratio (value / baseline
    where the baseline is above 0) and baseline; ``hours`` has indicator_id, level, hours (snapshots
    in which the level had a value)."""

    samples: dict[str, pd.DataFrame]
    hours: pd.DataFrame


def calibration_targets(catalog: Catalog) -> list[tuple[Indicator, str]]:
    """Return the (indicator, level) pairs the catalog leaves to the city's history, in catalog order;
    none of an indicator the city lacks an input for (its coverage: it has no value to calibrate)."""
    return [(i, level) for i in catalog.indicators if i.id not in catalog.lacking
            for level in i.levels if level in i.thresholds.calibrate]


# ---- reading the unit-hours --------------------------------------------------------------

_TARGETS = "(SELECT unnest($ids) AS indicator_id, unnest($levels) AS level)"
_ROWS = f"""
    SELECT h.indicator_id, h.level, h.as_of, h.value, h.baseline FROM indicator_history_all h
    JOIN {_TARGETS} t ON t.indicator_id = h.indicator_id AND t.level = h.level
    WHERE h.as_of > $start AND h.as_of <= $end AND h.value IS NOT NULL AND h.indicator_id IN (SELECT unnest($ids))"""
_COUNTED = {
    "value": "SELECT indicator_id, level, value AS x, count(*) AS n FROM rows GROUP BY ALL",
    "ratio": "SELECT indicator_id, level, value / baseline AS x, count(*) AS n FROM rows WHERE baseline > 0 GROUP BY ALL",
    "baseline": "SELECT indicator_id, level, baseline AS x, count(*) AS n FROM rows WHERE baseline IS NOT NULL GROUP BY ALL",
}
_HOURS = "SELECT indicator_id, level, count(DISTINCT as_of) AS hours FROM rows GROUP BY ALL"


def stored_counts(con: duckdb.DuckDBPyConnection, targets: list[tuple[Indicator, str]],
                  start_s: int, end_s: int) -> ValueCounts:
    """Return the value counts of the stored hourly snapshots in (start_s, end_s]."""
    if not targets:
        return _no_counts()
    params = {"ids": [i.id for i, _ in targets], "levels": [level for _, level in targets],
              "start": utc(start_s), "end": utc(end_s)}

    def read(sql: str) -> pd.DataFrame:
        return con.execute(f"WITH rows AS ({_ROWS}) {sql}", params).df()
    return ValueCounts({kind: read(sql) for kind, sql in _COUNTED.items()}, read(_HOURS))


def _no_counts() -> ValueCounts:
    empty = pd.DataFrame({"indicator_id": [], "level": [], "x": [], "n": []})
    return ValueCounts({kind: empty for kind in SAMPLES}, pd.DataFrame({"indicator_id": [], "level": [], "hours": []}))


def recomputed_counts(con: duckdb.DuckDBPyConnection, catalog: Catalog, targets: list[tuple[Indicator, str]],
                      tz: str, start_s: int, end_s: int, progress: Callable[[int], None] | None = None) -> ValueCounts:
    """Return the value counts of the targets evaluated at every hour in (start_s, end_s] (nothing is stored)."""
    if not targets:
        return _no_counts()
    wanted = {i.id for i, _ in targets}
    wanted |= {catalog[i].input for i in wanted if catalog[i].input}
    engine = Engine(Catalog(tuple(i for i in catalog.indicators if i.id in wanted), catalog.domains), tz)
    keys = pd.MultiIndex.from_tuples([(i.id, level) for i, level in targets], names=["indicator_id", "level"])
    parts: dict[str, list[pd.DataFrame]] = {kind: [] for kind in SAMPLES + ("hours",)}
    for at_s in hourly_instants(start_s, end_s):
        values = engine.evaluate(con, at_s)
        rows = values[pd.MultiIndex.from_frame(values[["indicator_id", "level"]]).isin(keys) & values["value"].notna()]
        for kind, frame in counted(rows).items():
            parts[kind].append(frame)
        if progress:
            progress(at_s)
    return ValueCounts({kind: _summed(parts[kind], "n") for kind in SAMPLES}, _summed(parts["hours"], "hours"))


def hourly_instants(start_s: int, end_s: int) -> range:
    """Return the instants on the hour in (start_s, end_s]: those the refresh keeps snapshots of."""
    return range(start_s // HOUR_S * HOUR_S + HOUR_S, end_s + 1, HOUR_S)


def counted(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Return one hour's rows (indicator_id, level, value, baseline) as value counts per kind, and its hours."""
    ratio, based = rows[rows["baseline"] > 0], rows[rows["baseline"].notna()]
    frames = {"value": rows.assign(x=rows["value"]), "ratio": ratio.assign(x=ratio["value"] / ratio["baseline"]),
              "baseline": based.assign(x=based["baseline"])}
    result = {kind: frame.groupby(["indicator_id", "level", "x"], observed=True).size().rename("n").reset_index()
              for kind, frame in frames.items()}
    result["hours"] = rows[["indicator_id", "level"]].drop_duplicates().assign(hours=1)
    return result


def _summed(frames: list[pd.DataFrame], column: str) -> pd.DataFrame:
    if not frames:                                          # no hour in the span
        return pd.DataFrame({"indicator_id": [], "level": [], "x": [], column: []})
    whole = pd.concat(frames, ignore_index=True)
    keys = [c for c in ("indicator_id", "level", "x") if c in whole.columns]
    return whole.groupby(keys, observed=True)[column].sum().reset_index()


# ---- percentiles and bounds ----------------------------------------------------------------

def weighted_quantiles(values: np.ndarray, counts: np.ndarray, qs: list[float]) -> list[float]:
    """Return the quantiles ``qs`` of ``values`` each repeated ``counts`` times (linear interpolation,
    as numpy.quantile and DuckDB's quantile_cont), without repeating them."""
    order = np.argsort(values, kind="stable")
    values, counts = np.asarray(values, dtype=float)[order], np.asarray(counts, dtype=np.int64)[order]
    ends = np.cumsum(counts)                                      # the last position (exclusive) of each value
    total = int(ends[-1])
    result = []
    for q in qs:
        position = q * (total - 1)
        low, high = math.floor(position), math.ceil(position)
        at_low, at_high = values[np.searchsorted(ends, low, side="right")], values[np.searchsorted(ends, high, side="right")]
        result.append(float(at_low + (at_high - at_low) * (position - low)))
    return result


def ordered_bounds(raw: list[float], anchor: float, direction: Direction, integral: bool,
                   relative: bool) -> tuple[tuple[tuple[str, float], ...], bool]:
    """Return (severity, bound) pairs from the raw percentiles, mildest first, each rounded and strictly
    beyond ``anchor`` (the median, or 1 for ratios) and the bound before it; and whether any was pushed."""
    sign = -1.0 if direction == Direction.HIGHER_IS_BETTER else 1.0
    step = RATIO_STEP if relative else 1.0 if integral else _step(max(abs(anchor), *(abs(v) for v in raw)))
    bounds, previous, pushed = [], anchor, False
    for severity, value in zip(SEVERITIES, raw):
        bound = _rounded(value, sign, integral, relative)
        if sign * bound <= sign * previous:
            bound, pushed = _rounded(previous + sign * step, sign, integral, relative, exact=True), True
        bounds.append((severity, bound))
        previous = bound
    return tuple(bounds), pushed


def _step(magnitude: float) -> float:
    """Return a hundredth of the magnitude's power of ten (the third significant digit)."""
    return 10.0 ** (math.floor(math.log10(magnitude)) - 2) if magnitude > 0 else 0.01


def _rounded(value: float, sign: float, integral: bool, relative: bool, exact: bool = False) -> float:
    """Return a bound for ``value``: the next whole number beyond it for counts, a ratio rounded
    outwards to 0.01, otherwise three significant digits (``exact``: a bound already on the grid)."""
    if integral:
        return float(round(value)) if exact else float(math.floor(value) + 1 if sign > 0 else math.ceil(value) - 1)
    if relative:
        hundredths = value * 100
        return round((math.ceil(hundredths - 1e-9) if sign > 0 else math.floor(hundredths + 1e-9)) / 100, 2)
    return float(f"{value:.3g}") if value else 0.0


def propose(targets: list[tuple[Indicator, str]], counts: ValueCounts, min_hours: int = DEFAULT_MIN_HOURS) -> list[Proposal]:
    """Return a proposal (or a reason to skip) for every target, in the targets' order."""
    grouped = {kind: dict(tuple(frame.groupby(["indicator_id", "level"], observed=True)))
               for kind, frame in counts.samples.items()}
    hours = {(r.indicator_id, r.level): int(r.hours) for r in counts.hours.itertuples()}
    empty = pd.DataFrame({"x": [], "n": []})
    return [_propose(indicator, level, {kind: grouped[kind].get((indicator.id, level), empty) for kind in SAMPLES},
                     hours.get((indicator.id, level), 0), min_hours) for indicator, level in targets]


def _propose(indicator: Indicator, level: str, samples: dict[str, pd.DataFrame], hours: int, min_hours: int) -> Proposal:
    values = samples["value"]
    n = int(values["n"].sum())
    if hours < min_hours:
        return Proposal(indicator, level, None, f"{hours} hourly snapshots with values, {min_hours} needed")
    if n < MIN_UNIT_HOURS:
        return Proposal(indicator, level, None, f"{n} unit-hours with values, {MIN_UNIT_HOURS} needed")
    relative, why = _relative(indicator, samples)
    sample = samples["ratio"] if relative else values
    worse = indicator.direction != Direction.HIGHER_IS_BETTER
    qs = [p / 100 if worse else 1 - p / 100 for _, p in PERCENTILES]
    raw = weighted_quantiles(sample["x"].to_numpy(), sample["n"].to_numpy(), qs)
    median = weighted_quantiles(values["x"].to_numpy(), values["n"].to_numpy(), [0.5])[0]
    integral = not relative and bool(np.all(np.mod(values["x"].to_numpy(), 1) == 0))
    bounds, pushed = ordered_bounds(raw, 1.0 if relative else median, indicator.direction, integral, relative)
    note = f"{n:,} unit-hours over {hours} h, median {median:.4g}; {why}"
    if pushed:
        note += "; flat history: bounds pushed apart"
    return Proposal(indicator, level, LevelBounds(bounds, BASELINE_7D if relative else None), note)


def _relative(indicator: Indicator, samples: dict[str, pd.DataFrame]) -> tuple[bool, str]:
    """Return whether to propose ratios to the 7-day baseline, and why (or why not)."""
    if not (indicator.thresholds.relative_to and admits_baseline(indicator)):
        return False, "absolute"
    baselines = samples["baseline"]
    if baselines.empty or int(samples["ratio"]["n"].sum()) < MIN_UNIT_HOURS:
        return False, "absolute: too few baselines above 0 for ratios"
    median = weighted_quantiles(baselines["x"].to_numpy(), baselines["n"].to_numpy(), [0.5])[0]
    if median < RATIO_MIN_BASELINE:
        return False, f"absolute: median baseline {median:.3g} < {RATIO_MIN_BASELINE:g}, a ratio would be noise"
    return True, f"ratio to the 7-day baseline (median baseline {median:.4g})"
