"""The engine: evaluates the compiled catalog at an instant, at every level, with statuses.

``Engine(catalog, tz).evaluate(con, at_s)`` returns one row per (indicator, unit) for the levels
each indicator declares: value, numerator, denominator, baseline, status and data age. It reads
only what existed at ``at_s`` (sources evaluate state as of $now), so recomputing a past instant
gives what the live loop gave then.

A value is made in these steps, each in a module of its own (docs/ENGINE.md):

- compile: the catalog into fused scans (``compiler``), cached per subset (``compiled_cache``);
- run the scans (``execution``; their statements in ``scan_statements``), on DuckDB or through a
  scan runner of another engine (``scaleout.spark_engine``);
- roll grid partials up the hierarchy (``rollup``);
- lay out the evaluation's rows, fill in the values, derive and grade them (``evaluation_rows``);
- the 7-day baselines, beside the base pass (``baselines``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from indicators import aqi_values, status
from indicators.baselines import Baselines
from indicators.catalog import Catalog
from indicators.compiled_cache import CompiledCatalogs
from indicators.compiler import CompiledCatalog
from indicators.evaluation_rows import EvaluationNumbers, EvaluationRows
from indicators.execution import ParallelCursors, ScanResult, ScanRunner, run_scans, scan_results
from indicators.model import DerivedOp, Indicator, IndicatorType
from indicators.rollup import GridPartials, roll_up
from indicators.sources import SOURCES
from indicators.windows import previous_period_s

VALUE_COLUMNS = ["indicator_id", "level", "unit_code", "value", "numerator", "denominator", "baseline",
                 "status", "data_age_s"]


@dataclass
class Engine:
    """A compiled catalog bound to a store, ready to evaluate at any instant."""

    catalog: Catalog
    tz: str
    # runs the base and shifted scans, with execution.run_scans' arguments and result (labelled values, or
    # grid partials of rolled-up scans): None is DuckDB's run_scans; scaleout/ passes one that runs the
    # same compiled SQL on Spark and returns only labelled values
    scan_runner: ScanRunner | None = field(default=None, repr=False)
    compiled: CompiledCatalog = field(init=False)

    def __post_init__(self):
        self._cache = CompiledCatalogs(self.catalog, status.thresholds_table(self.catalog))
        self.compiled = self._cache.whole
        self._baselines = Baselines(self._cache, self.tz, self.scan_runner or run_scans)

    def prepare_baselines(self, con: duckdb.DuckDBPyConnection, at_s: int, only: set[str] | None = None) -> int:
        """Compute ahead the 7-day baselines a later ``evaluate`` at ``at_s`` (of all indicators, or of
        those in ``only`` and their inputs) needs; return how many indicators' baselines were prepared."""
        return self._baselines.prepare(con, at_s, load_units(con), self._compiled_for(only))

    def evaluate(self, con: duckdb.DuckDBPyConnection, at_s: int, only: set[str] | None = None) -> pd.DataFrame:
        """Return every indicator's value (or those in ``only`` and their inputs) at every
        declared level at ``at_s``."""
        compiled = self._compiled_for(only)
        units = load_units(con)
        with ParallelCursors(con, self.scan_runner is None) as parallel:
            baselines = parallel.submit(self._baselines.for_evaluation, at_s, units, compiled)
            numbers = self._base_values(con, compiled, at_s, units, parallel=parallel)
            numbers.rows.scatter(baselines.result(), "baseline", numbers.baseline)
        numbers.derive(self._previous_values(con, numbers.rows, at_s, units, compiled))
        return without_lacking(numbers.frame()[VALUE_COLUMNS], self.catalog.lacking)

    def _compiled_for(self, only: set[str] | None) -> CompiledCatalog:
        return self._cache.subset(None if only is None else frozenset(with_inputs(only, self.catalog)))

    def _base_values(self, con, compiled: CompiledCatalog, at_s: int, units: pd.DataFrame,
                     materialise: bool = True, parallel: ParallelCursors | None = None) -> EvaluationNumbers:
        """Return the base and AQI indicators' values at every declared level, on the compiled
        compiled catalog's rows."""
        numbers = EvaluationNumbers(self._cache.evaluation_rows(compiled, units))
        for result in self._scan_results(con, compiled, at_s, materialise, parallel):
            self._fill(numbers, result, compiled)
        numbers.complete(at_s)
        if compiled.aqi:
            numbers.add_computed(aqi_values.evaluate(con, compiled.aqi, at_s, self.tz, units))
        return numbers

    def _scan_results(self, con, compiled: CompiledCatalog, at_s: int, materialise: bool,
                      parallel: ParallelCursors | None):
        """Return the compiled scans' results. With ``parallel`` on DuckDB, the event scans (which share
        the recent events materialised on their cursor) and the scans of sensors and readings run in
        two threads of their own, and each result comes as soon as its query ends: the caller fills it
        in while the next queries run (DuckDB lets go of the interpreter while it works)."""
        scans, outputs = list(compiled.scans.values()), self._cache.outputs(compiled)
        if not scans:
            return []
        if self.scan_runner is not None or parallel is None:
            return (self.scan_runner or run_scans)(con, scans, outputs, at_s, self.tz, materialise)
        on_events = [s for s in scans if SOURCES[s.source].table == "events"]
        not_on_events = [s for s in scans if SOURCES[s.source].table != "events"]
        return parallel.stream([(scan_results, (group, outputs, at_s, self.tz, materialise))
                                for group in (on_events, not_on_events) if group])

    def _fill(self, numbers: EvaluationNumbers, result: ScanResult, compiled: CompiledCatalog) -> None:
        if isinstance(result, GridPartials):
            targets = self._cache.targets(compiled, numbers.rows)[result.scan.key]
            numbers.add_rolled(roll_up(result, numbers.rows.hierarchy), targets)
        else:
            numbers.add_scanned(result)

    def _previous_values(self, con, layout: EvaluationRows, at_s: int, units: pd.DataFrame,
                         compiled: CompiledCatalog) -> np.ndarray:
        """Return, on the rows of the inputs of changes against the previous period, the input's value
        one period earlier (each input's own period: an hour, a day ...); NaN elsewhere."""
        previous = np.full(len(layout), np.nan)
        wanted = [ind for ind in compiled.derived if ind.op == DerivedOp.CHANGE_VS_PREVIOUS]
        for shift_s, group in _by_previous_period(wanted, self.catalog).items():
            subset = self._cache.subset(frozenset(ind.input for ind in group))
            earlier = self._base_values(con, subset, at_s - shift_s, units, materialise=False)
            layout.scatter(earlier.rows.labels.assign(value=earlier.value), "value", previous)
        return previous


def _by_previous_period(indicators: list[Indicator], catalog: Catalog) -> dict[int, list[Indicator]]:
    groups: dict[int, list[Indicator]] = {}
    for ind in indicators:
        groups.setdefault(previous_period_s(catalog[ind.input].window), []).append(ind)
    return groups


def without_lacking(values: pd.DataFrame, lacking: dict) -> pd.DataFrame:
    """Return the values with those of indicators the city lacks an input for emptied (no value, status
    no_data): a count of a channel the city does not have is not 0, it is not a figure at all."""
    if not lacking:
        return values
    empty = values["indicator_id"].isin(list(lacking))
    values.loc[empty, ["value", "numerator", "denominator", "baseline"]] = np.nan
    values.loc[empty, "status"] = "no_data"
    return values


def with_inputs(ids: set[str], catalog: Catalog) -> set[str]:
    """Return the indicators named and the base indicators their derived ones are computed from."""
    return set(ids) | {catalog[i].input for i in ids if catalog[i].type == IndicatorType.DERIVED}


def load_units(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every unit's code, level, population, area and the codes of its ancestors."""
    return con.execute("""SELECT code AS unit_code, level, population, area_km2,
                                 city_code, district_code, street_code, community_code FROM admin_units""").df()
