"""The engine's caches: what is made once per compiled catalog and kept as long as the engine.

An engine evaluates its whole catalog, or a subset of it (a minute tick's indicators, the inputs of
changes against the previous period, the indicators of the baseline pass), many times. For each
subset it compiles the catalog once, and for each compiled catalog it makes once the outputs map
(``scan_statements.outputs_frame``), the rows of an evaluation (``evaluation_rows.build_evaluation_rows``,
again when the units change) and the targets of rolled-up scans' totals among those rows.

The server's tick and the baselines prepared ahead share one engine from two threads, hence the lock.
"""

from __future__ import annotations

import threading

import pandas as pd

from indicators.catalog import Catalog
from indicators.compiler import CompiledCatalog, compile_catalog, rolled_up
from indicators.evaluation_rows import EvaluationRows, build_evaluation_rows
from indicators.scan_statements import outputs_frame


class CompiledCatalogs:
    """Compiled subsets of one catalog, and per compiled catalog its outputs, rows and targets."""

    def __init__(self, catalog: Catalog, thresholds: pd.DataFrame):
        self.catalog, self._thresholds = catalog, thresholds
        self.whole = compile_catalog(catalog)
        self._lock = threading.Lock()
        self._subsets: dict[frozenset[str], CompiledCatalog] = {}
        # keyed by id(compiled): every compiled catalog lives as long as this cache, so ids stay unique
        self._outputs: dict[int, pd.DataFrame] = {}
        self._rows: dict[int, tuple[pd.DataFrame, EvaluationRows]] = {}
        self._targets: dict[int, dict[str, pd.DataFrame]] = {}

    def subset(self, ids: frozenset[str] | None) -> CompiledCatalog:
        """Return the catalog compiled for the indicators ``ids`` (None: the whole catalog)."""
        if ids is None:
            return self.whole
        with self._lock:
            if ids not in self._subsets:
                self._subsets[ids] = compile_catalog(self.catalog, only=set(ids))
            return self._subsets[ids]

    def outputs(self, compiled: CompiledCatalog) -> pd.DataFrame:
        """Return which scan column (and split value) holds each indicator's value, numerator, denominator."""
        with self._lock:
            return self._outputs_unlocked(compiled)

    def _outputs_unlocked(self, compiled: CompiledCatalog) -> pd.DataFrame:
        if id(compiled) not in self._outputs:
            self._outputs[id(compiled)] = outputs_frame(compiled, self.catalog)
        return self._outputs[id(compiled)]

    def evaluation_rows(self, compiled: CompiledCatalog, units: pd.DataFrame) -> EvaluationRows:
        """Return the rows an evaluation of ``compiled`` over ``units`` gives."""
        with self._lock:
            cached = self._rows.get(id(compiled))
            if cached is None or not cached[0].equals(units):
                indicators = [self.catalog[i] for i in compiled.outputs] + compiled.aqi + compiled.derived
                cached = (units, build_evaluation_rows(indicators, self.catalog, units, self._thresholds))
                self._rows[id(compiled)] = cached
            return cached[1]

    def targets(self, compiled: CompiledCatalog, layout: EvaluationRows) -> dict[str, pd.DataFrame]:
        """Return, per rolled-up scan, which of its totals is which indicator's value, numerator or
        denominator (the indicators' positions depend on the compiled catalog, not on the units)."""
        with self._lock:
            if id(compiled) not in self._targets:
                self._targets[id(compiled)] = scan_targets(compiled, self._outputs_unlocked(compiled), layout)
            return self._targets[id(compiled)]


def scan_targets(compiled: CompiledCatalog, outputs: pd.DataFrame, layout: EvaluationRows) -> dict[str, pd.DataFrame]:
    """Return, per rolled-up scan, its outputs as (column, split position, indicator position, role)."""
    targets = {}
    for key, rows in outputs.groupby("scan", sort=False):
        scan = compiled.scans[key]
        if rolled_up(scan):
            split = pd.Index(scan.split_values).get_indexer(rows["split_value"]) if scan.split_column else 0
            targets[key] = pd.DataFrame({"column": rows["column_name"].to_numpy(), "split": split,
                                         "indicator": layout.indicator_index.get_indexer(rows["indicator_id"]),
                                         "role": rows["role"].to_numpy()})
    return targets
