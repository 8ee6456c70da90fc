"""The engine: evaluates the compiled catalog at an instant, at every level, with statuses.

``evaluate(con, catalog, at_s, tz)`` returns one row per (indicator, unit) for the levels each
indicator declares: value, numerator, denominator, baseline, status and data age. It reads
only what existed at ``at_s`` (sources evaluate state as of $now), so recomputing a past
instant gives what the live loop gave then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import duckdb
import numpy as np
import pandas as pd

from data.demo.clock import DAY_S
from indicators import aqi_values, status
from indicators.catalog import Catalog
from indicators.compiler import CompiledCatalog, Scan, compile_catalog
from indicators.model import DerivedOp, Indicator, IndicatorType
from indicators.windows import previous_period_s, span

VALUE_COLUMNS = ["indicator_id", "level", "unit_code", "value", "numerator", "denominator", "baseline",
                 "status", "data_age_s"]
BASELINE_DAYS = 7


def _utc(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, timezone.utc)


def run_scan(con: duckdb.DuckDBPyConnection, scan: Scan, at_s: int, tz: str) -> pd.DataFrame:
    """Return one scan's rows: level, unit_code, [split_value], aggregate columns, newest."""
    bounds = span(scan.window, at_s, tz)
    sql = scan.sql()
    params = {"now": _utc(at_s), "start": _utc(bounds.start_s), "end": _utc(bounds.end_s)}
    frame = con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql}).df()
    return frame[frame["unit_code"].notna()]


@dataclass
class Engine:
    """A compiled catalog bound to a store, ready to evaluate at any instant."""

    catalog: Catalog
    tz: str
    compiled: CompiledCatalog = field(init=False)
    _subsets: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self):
        self.compiled = compile_catalog(self.catalog)

    def evaluate(self, con: duckdb.DuckDBPyConnection, at_s: int) -> pd.DataFrame:
        """Return every indicator's value at every declared level at ``at_s``."""
        units = load_units(con)
        base = self._base_values(con, self.compiled, at_s, units)
        base = pd.concat([base, aqi_values.evaluate(con, self.compiled.aqi, at_s, self.tz, units)], ignore_index=True)
        baselines = self._baselines(con, at_s, units)
        base = base.merge(baselines, on=["indicator_id", "unit_code"], how="left")
        derived = self._derived(con, base, at_s, units)
        values = pd.concat([base, derived], ignore_index=True)
        numeric = ["value", "numerator", "denominator", "baseline", "data_age_s"]
        values[numeric] = values[numeric].apply(pd.to_numeric, errors="coerce").astype("float64")
        values["status"] = status.statuses(values, self.catalog)
        return values[VALUE_COLUMNS]

    def _base_values(self, con, compiled: CompiledCatalog, at_s: int, units: pd.DataFrame) -> pd.DataFrame:
        if not compiled.scans:
            return pd.DataFrame(columns=VALUE_COLUMNS[:6] + ["data_age_s"])
        results = {key: run_scan(con, scan, at_s, self.tz) for key, scan in compiled.scans.items()}
        values = assemble(compiled, results, self.catalog)
        values = complete_units(values, [self.catalog[i] for i in compiled.outputs], units)
        values["data_age_s"] = at_s - values.pop("newest_s").astype("float64")
        return values

    def _subset(self, ids: frozenset[str]) -> CompiledCatalog:
        if ids not in self._subsets:
            self._subsets[ids] = compile_catalog(self.catalog, only=set(ids))
        return self._subsets[ids]

    def _shifted(self, con, ids: set[str], at_s: int, shift_s: int, units) -> pd.DataFrame:
        subset = self._subset(frozenset(ids))
        frame = self._base_values(con, subset, at_s - shift_s, units)
        return pd.concat([frame, aqi_values.evaluate(con, subset.aqi, at_s - shift_s, self.tz, units)],
                         ignore_index=True)

    def _baselines(self, con, at_s: int, units) -> pd.DataFrame:
        """Return the mean of the same window on each of the 7 previous days, where needed."""
        needed = baseline_needed(self.catalog)
        if not needed:
            return pd.DataFrame(columns=["indicator_id", "unit_code", "baseline"])
        days = [self._shifted(con, needed, at_s, k * DAY_S, units) for k in range(1, BASELINE_DAYS + 1)]
        stacked = pd.concat(days, ignore_index=True)
        stacked[["value", "numerator", "denominator"]] = stacked[["value", "numerator", "denominator"]].astype("float64")
        sums = stacked.groupby(["indicator_id", "unit_code"])[["value", "numerator", "denominator"]].sum(min_count=1)
        means = stacked.groupby(["indicator_id", "unit_code"])["value"].mean()
        ratio = sums["numerator"] / sums["denominator"].replace(0, np.nan) * _scales(sums.index, self.catalog)
        baseline = ratio.where(sums["denominator"].notna(), means)
        return baseline.rename("baseline").reset_index()

    def _derived(self, con, base: pd.DataFrame, at_s: int, units: pd.DataFrame) -> pd.DataFrame:
        frames = [derive(ind, base, units) for ind in self.compiled.derived
                  if ind.op in (DerivedOp.PER_10K, DerivedOp.PER_KM2, DerivedOp.CHANGE_VS_BASELINE_7D)]
        previous = [ind for ind in self.compiled.derived if ind.op == DerivedOp.CHANGE_VS_PREVIOUS]
        for shift_s, group in _by_previous_period(previous, self.catalog).items():
            earlier = self._shifted(con, {ind.input for ind in group}, at_s, shift_s, units)
            frames += [change_vs(ind, base, earlier) for ind in group]
        frames = [f for f in frames if not f.empty]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=base.columns)


def _by_previous_period(indicators: list[Indicator], catalog: Catalog) -> dict[int, list[Indicator]]:
    groups: dict[int, list[Indicator]] = {}
    for ind in indicators:
        groups.setdefault(previous_period_s(catalog[ind.input].window), []).append(ind)
    return groups


def _scales(index: pd.MultiIndex, catalog: Catalog) -> np.ndarray:
    return np.array([catalog[i].scale if catalog[i].type == IndicatorType.RATIO else 1.0
                     for i in index.get_level_values(0)])


def baseline_needed(catalog: Catalog) -> set[str]:
    """Return the base indicators whose 7-day baseline some threshold, target or derivation uses."""
    needed = {i.id for i in catalog.indicators
              if i.type != IndicatorType.DERIVED and (i.thresholds.relative_to or i.target_kind == "baseline_7d")}
    needed |= {i.input for i in catalog.indicators if i.op == DerivedOp.CHANGE_VS_BASELINE_7D}
    return needed


def load_units(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every unit's code, level, population and area."""
    return con.execute("SELECT code AS unit_code, level, population, area_km2 FROM admin_units").df()


def assemble(compiled: CompiledCatalog, results: dict[str, pd.DataFrame], catalog: Catalog) -> pd.DataFrame:
    """Return long rows (indicator_id, level, unit_code, value, numerator, denominator, newest_s)."""
    if not results:
        return pd.DataFrame(columns=["indicator_id", "level", "unit_code", "value", "numerator", "denominator",
                                     "newest_s"])
    long = pd.concat([_melt(key, frame) for key, frame in results.items()], ignore_index=True)
    outputs = _outputs_frame(compiled)
    merged = long.merge(outputs, on=["scan", "column", "split_value"])
    wide = merged.set_index(["indicator_id", "level", "unit_code", "role"])["val"].unstack("role")
    wide = wide.reindex(columns=["value", "numerator", "denominator"]).astype("float64")
    newest = merged.groupby(["indicator_id", "level", "unit_code"])["newest_s"].max()
    wide = wide.join(newest).reset_index()
    scale = wide["indicator_id"].map({i: catalog[i].scale for i in compiled.outputs})
    ratio = wide["numerator"] / wide["denominator"].replace(0, np.nan) * scale
    wide["value"] = wide["value"].where(wide["denominator"].isna(), ratio)
    return wide


def _melt(key: str, frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["newest_s"] = _epoch_seconds(frame.pop("newest"))
    ids = ["level", "unit_code", "newest_s"] + (["split_value"] if "split_value" in frame else [])
    value_columns = [c for c in frame.columns if c not in ids]
    n, k = len(frame), len(value_columns)
    long = pd.DataFrame({name: np.repeat(frame[name].to_numpy(), k) for name in ids})
    long["column"] = np.tile(np.array(value_columns, dtype=object), n)
    long["val"] = frame[value_columns].astype("float64").to_numpy().ravel()
    if "split_value" not in long:
        long["split_value"] = ""
    long["scan"] = key
    return long


def _epoch_seconds(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return (series - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
    return pd.Series(np.nan, index=series.index)


def _outputs_frame(compiled: CompiledCatalog) -> pd.DataFrame:
    rows = []
    for indicator_id, out in compiled.outputs.items():
        for role in ("value", "numerator", "denominator"):
            ref = getattr(out, role)
            if ref is not None:
                rows.append((indicator_id, ref.scan, ref.column, ref.split_value, role))
    return pd.DataFrame(rows, columns=["indicator_id", "scan", "column", "split_value", "role"])


def complete_units(values: pd.DataFrame, indicators: list[Indicator], units: pd.DataFrame) -> pd.DataFrame:
    """Return a row for every unit of every declared level; units without rows count zero."""
    expected = pd.DataFrame([(i.id, level) for i in indicators for level in i.levels], columns=["indicator_id", "level"])
    expected = expected.merge(units[["unit_code", "level"]], on="level")
    full = expected.merge(values, on=["indicator_id", "level", "unit_code"], how="left")
    counted = {i.id for i in indicators if i.type in (IndicatorType.COUNT, IndicatorType.SUM, IndicatorType.DISTINCT_COUNT)}
    ratios = {i.id for i in indicators if i.type == IndicatorType.RATIO}
    full.loc[full["indicator_id"].isin(counted) & full["value"].isna(), "value"] = 0.0
    full.loc[full["indicator_id"].isin(ratios) & full["numerator"].isna(), ["numerator", "denominator"]] = 0.0
    return full


def derive(indicator: Indicator, base: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Return per-10k, per-km² or change-against-baseline rows of one derived indicator."""
    rows = base[(base["indicator_id"] == indicator.input) & base["level"].isin(indicator.levels)]
    rows = rows.merge(units[["unit_code", "population", "area_km2"]], on="unit_code", how="left")
    if indicator.op == DerivedOp.PER_10K:
        value = rows["value"] * 10_000 / rows["population"].replace(0, np.nan)
    elif indicator.op == DerivedOp.PER_KM2:
        value = rows["value"] / rows["area_km2"].replace(0, np.nan)
    else:
        value = (rows["value"] - rows["baseline"]) / rows["baseline"].replace(0, np.nan) * 100
    return pd.DataFrame({"indicator_id": indicator.id, "level": rows["level"], "unit_code": rows["unit_code"],
                         "value": value.astype("float64"), "numerator": rows["value"],
                         "denominator": np.nan, "baseline": rows["baseline"] if "baseline" in rows else np.nan,
                         "data_age_s": rows["data_age_s"]})


def change_vs(indicator: Indicator, base: pd.DataFrame, earlier: pd.DataFrame) -> pd.DataFrame:
    """Return the relative change (%) of an indicator against its previous period."""
    now = base[(base["indicator_id"] == indicator.input) & base["level"].isin(indicator.levels)]
    before = earlier[earlier["indicator_id"] == indicator.input][["unit_code", "value"]]
    rows = now.merge(before.rename(columns={"value": "previous"}), on="unit_code", how="left")
    value = (rows["value"] - rows["previous"]) / rows["previous"].replace(0, np.nan) * 100
    return pd.DataFrame({"indicator_id": indicator.id, "level": rows["level"], "unit_code": rows["unit_code"],
                         "value": value.astype("float64"), "numerator": rows["value"], "denominator": np.nan,
                         "baseline": rows["previous"], "data_age_s": rows["data_age_s"]})
