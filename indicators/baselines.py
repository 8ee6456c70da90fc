"""The 7-day baselines: the mean of the same window on each of the 7 previous days.

Every source is read once for them, shifted (``Scan.shifted``): time-windowed sources with all 7
days' windows grouped by day_shift, state sources (open cases, sensors) at the 7 earlier instants
at once. Counts and sums average over the days that had data, ratios divide the summed numerators
by the summed denominators, the rest average the days that have a value.

Baselines read only rows at least a day older than the instant, so the server computes the next
tick's in the idle time before it (``Baselines.prepare``) and the tick computes only the values.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pandas as pd

from data.clock import DAY_S
from data.retention import union_name
from indicators.catalog import Catalog
from indicators.compiled_cache import CompiledCatalogs
from indicators.compiler import CompiledCatalog
from indicators.execution import ScanRunner
from indicators.model import COUNTED_TYPES, DerivedOp, Indicator, IndicatorType
from indicators.sources import BASELINE_DAYS, SOURCES
from indicators.windows import span

BASELINE_COLUMNS = ["indicator_id", "unit_code", "baseline"]


@dataclass(frozen=True)
class PreparedBaselines:
    """Baselines computed ahead for one instant, of the indicators ``ids``."""

    at_s: int
    ids: frozenset[str]
    frame: pd.DataFrame


class Baselines:
    """Computes the 7-day baselines of a catalog's indicators, and keeps those prepared ahead for the
    newest instant asked (rows ingested in between that are more than a day old, late data, reach the
    baselines at the next instant)."""

    def __init__(self, compiled: CompiledCatalogs, tz: str, run_scans: ScanRunner):
        self._compiled, self._tz, self._run_scans = compiled, tz, run_scans
        self._catalog = compiled.catalog
        self._prepared: PreparedBaselines | None = None
        self._lock = threading.Lock()

    def needed(self, compiled: CompiledCatalog) -> set[str]:
        """Return the indicators of ``compiled`` whose baseline a threshold, target or derivation uses."""
        return baseline_needed(self._catalog) & (set(compiled.outputs) | {i.id for i in compiled.aqi})

    def prepare(self, con: duckdb.DuckDBPyConnection, at_s: int, units: pd.DataFrame,
                compiled: CompiledCatalog) -> int:
        """Compute ahead the baselines an evaluation of ``compiled`` at ``at_s`` needs; return how many."""
        ids = frozenset(self.needed(compiled))
        prepared = PreparedBaselines(at_s, ids, self.compute(con, at_s, units, ids))
        with self._lock:
            self._prepared = prepared
        return len(ids)

    def for_evaluation(self, con: duckdb.DuckDBPyConnection, at_s: int, units: pd.DataFrame,
                       compiled: CompiledCatalog) -> pd.DataFrame:
        """Return the baselines ``compiled`` needs: those prepared for ``at_s``, the others computed now."""
        needed = self.needed(compiled)
        with self._lock:
            prepared = self._prepared if self._prepared and self._prepared.at_s == at_s else None
        if prepared is None:
            return self.compute(con, at_s, units, needed)
        rest = self.compute(con, at_s, units, needed - prepared.ids)
        return concat_rows([prepared.frame[prepared.frame["indicator_id"].isin(needed)], rest])

    def compute(self, con: duckdb.DuckDBPyConnection, at_s: int, units: pd.DataFrame,
                needed: set[str]) -> pd.DataFrame:
        """Return (indicator_id, unit_code, baseline) of the ``needed`` indicators at ``at_s``."""
        if not needed:
            return pd.DataFrame(columns=BASELINE_COLUMNS)
        days = days_with_data(con, [self._catalog[i] for i in needed], at_s, self._tz)
        baselines = baseline_of(self._shifted_values(con, needed, at_s), self._catalog, days)
        state = [self._catalog[i] for i in needed if SOURCES[self._catalog[i].source].state and days[i] > 0]
        return with_zero_state_baselines(baselines, state, units)

    def _shifted_values(self, con: duckdb.DuckDBPyConnection, ids: set[str], at_s: int) -> pd.DataFrame:
        """Return the indicators' values on each of the 7 previous days, by day_shift."""
        subset = self._compiled.subset(frozenset(ids))
        shifted = [replace(scan, shifted=True) for scan in subset.scans.values()]
        return assemble(self._run_scans(con, shifted, self._compiled.outputs(subset), at_s, self._tz))


def baseline_needed(catalog: Catalog) -> set[str]:
    """Return the base indicators whose 7-day baseline some threshold, target or derivation uses."""
    needed = {i.id for i in catalog.indicators
              if i.type != IndicatorType.DERIVED and (i.thresholds.uses_baseline or i.target_kind == "baseline_7d")}
    needed |= {i.input for i in catalog.indicators if i.op == DerivedOp.CHANGE_VS_BASELINE_7D}
    return needed


def days_with_data(con: duckdb.DuckDBPyConnection, indicators: list[Indicator], at_s: int, tz: str) -> dict[str, int]:
    """Return, per indicator, how many of the 7 previous days' windows lie wholly after its
    source's first row (days before the data began are unknown, not zero)."""
    first = {table: con.execute(f"SELECT epoch(min({column})) FROM {union_name(table)}").fetchall()[0][0]
             for table, column in (("events", "received_at"), ("readings", "ts"))}
    days = {}
    for indicator in indicators:
        start = first.get(SOURCES[indicator.source].table) or first["readings"]
        window_start = span(indicator.window, at_s, tz).start_s
        days[indicator.id] = sum(start is not None and window_start - k * DAY_S >= start
                                 for k in range(1, BASELINE_DAYS + 1))
    return days


def baseline_of(shifted: pd.DataFrame, catalog: Catalog, days_with_data: dict[str, int]) -> pd.DataFrame:
    """Return (indicator_id, unit_code, baseline) from the values of the 7 previous days.

    Counts and sums average over the days that had data (a unit without rows on such a day
    counts zero; no such day gives no baseline); ratios divide the summed numerators by the
    summed denominators; the rest average the days that have a value."""
    if shifted.empty:
        return pd.DataFrame(columns=BASELINE_COLUMNS)
    numeric = shifted[["value", "numerator", "denominator"]].astype("float64")
    grouped = numeric.groupby([shifted["indicator_id"], shifted["unit_code"]])
    sums, means = grouped.sum(min_count=1), grouped["value"].mean()
    ids = sums.index.get_level_values(0)
    codes, unique_ids = pd.factorize(ids)                  # per indicator, then taken onto the rows
    present = [catalog[i] for i in unique_ids]
    counted = np.array([i.type in COUNTED_TYPES for i in present], dtype=bool)[codes]
    ratio = np.array([i.type == IndicatorType.RATIO for i in present], dtype=bool)[codes]
    scales = np.array([i.scale for i in present], dtype="float64")[codes]
    days = np.array([days_with_data.get(i.id, BASELINE_DAYS) for i in present], dtype="float64")[codes]
    baseline = np.where(counted, sums["value"].fillna(0) / np.where(days > 0, days, np.nan),
                        np.where(ratio, sums["numerator"] / sums["denominator"].replace(0, np.nan) * scales, means))
    return pd.DataFrame({"indicator_id": ids, "unit_code": sums.index.get_level_values(1), "baseline": baseline})


def with_zero_state_baselines(baselines: pd.DataFrame, indicators: list[Indicator], units: pd.DataFrame) -> pd.DataFrame:
    """Return the baselines with a zero for every unit where a counted state indicator (open cases,
    sensors) had no rows on any of the earlier instants: the state then held nothing there."""
    counted = [i for i in indicators if i.type in COUNTED_TYPES]
    if not counted:
        return baselines
    expected = pd.DataFrame([(i.id, level) for i in counted for level in i.levels], columns=["indicator_id", "level"])
    expected = expected.merge(units[["unit_code", "level"]], on="level")[["indicator_id", "unit_code"]]
    missing = expected.merge(baselines[["indicator_id", "unit_code"]], how="left", indicator=True)
    missing = missing[missing.pop("_merge") == "left_only"].assign(baseline=0.0)
    return pd.concat([baselines, missing], ignore_index=True) if not missing.empty else baselines


def assemble(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Return the shifted scans' rows together, ratios divided: (indicator_id, level, unit_code, value, ...)."""
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["indicator_id", "level", "unit_code", "value", "numerator", "denominator",
                                     "newest_s"])
    values = pd.concat(frames, ignore_index=True)
    numeric = ["value", "numerator", "denominator", "newest_s", "scale"]
    values[numeric] = values[numeric].astype("float64")
    values = _join_split_roles(values)
    ratio = values["numerator"] / values["denominator"].replace(0, np.nan) * values.pop("scale")
    values["value"] = values["value"].where(values["denominator"].isna(), ratio)
    return values


def _join_split_roles(values: pd.DataFrame) -> pd.DataFrame:
    """Combine the rows of ratios whose numerator and denominator came from different scans."""
    keys = [c for c in ("indicator_id", "level", "unit_code", "day_shift") if c in values]
    split = values.duplicated(keys, keep=False)
    if not split.any():
        return values
    joined = values[split].groupby(keys, as_index=False, dropna=False).agg(
        value=("value", "max"), numerator=("numerator", "max"), denominator=("denominator", "max"),
        newest_s=("newest_s", "max"), scale=("scale", "first"))
    return pd.concat([values[~split], joined], ignore_index=True)


def concat_rows(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Return the frames' rows together, leaving out empty frames: an empty frame's columns are of
    object type, and with one among them every column of the result would be."""
    present = [f for f in frames if not f.empty]
    if len(present) <= 1:
        return (present or frames)[0].reset_index(drop=True)
    return pd.concat(present, ignore_index=True)
