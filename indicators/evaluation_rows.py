"""The rows of one evaluation, laid out once: every (indicator, unit) it returns, in a fixed order.

An evaluation of a compiled catalog always returns the same rows: a row for every unit of every
level a base or AQI indicator declares, and a row for every unit of the levels a derived indicator
shares with its input. ``EvaluationRows`` fixes their order once (indicator, then unit) and keeps,
as arrays over the rows, what each row needs beyond its numbers: whether it counts (no rows mean
zero) or is a ratio, its scale, its unit's population and area, the row of its input (derived)
and its thresholds. ``EvaluationNumbers`` holds the numbers of one evaluation on those rows: the
scans' values are filled in, then derived and graded with array arithmetic, never by merging
frames on (indicator, unit) strings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from indicators.catalog import Catalog
from indicators.model import COUNTED_TYPES, LEVELS, SEVERITIES, DerivedOp, Indicator, IndicatorType
from indicators.rollup import Hierarchy, UnitTotals, build_hierarchy, code_positions

OPS = tuple(DerivedOp)                  # a derived row's operation, as its position here
STATUS_NAMES = pa.array(["no_data", "normal", *SEVERITIES])     # a status by its code


@dataclass(frozen=True)
class SeverityBounds:
    """One severity's bound per (indicator, level) (NaN: none), the bad direction's sign, relative or
    absolute; a row finds its own by its ``threshold_key``."""

    bound: np.ndarray
    sign: np.ndarray
    relative: np.ndarray


@dataclass(frozen=True)
class EvaluationRows:
    """Every row an evaluation returns, and what each row needs, as arrays over the rows."""

    labels: pd.DataFrame                # per row: indicator_id, level, unit_code
    indicator_index: pd.Index           # indicator ids by position
    indicator_codes: pa.Array           # the same, to look ids up in Arrow
    keys: np.ndarray                    # per row, ascending: indicator position * units + unit position
    counted: np.ndarray                 # per row: no data counts zero
    ratio: np.ndarray                   # per row: value = numerator / denominator * scale
    scale: np.ndarray
    derived: np.ndarray                 # the rows of derived indicators
    derived_input: np.ndarray           # the row of each one's input (same unit)
    derived_op: np.ndarray              # each one's operation, a position in OPS
    population: np.ndarray              # of each derived row's unit
    area_km2: np.ndarray
    thresholds: dict[str, SeverityBounds]
    threshold_key: np.ndarray           # per row: indicator position * levels + level position
    hierarchy: Hierarchy                # the units' ancestors, to roll grid partials up

    def __len__(self) -> int:
        return len(self.keys)

    def positions(self, indicator_ids, unit_codes) -> np.ndarray:
        """Return the row of each (indicator, unit) pair, -1 where the layout has none."""
        indicators = code_positions(indicator_ids, self.indicator_codes)
        units = code_positions(unit_codes, self.hierarchy.unit_codes)
        return self._rows_of_keys(np.where((indicators >= 0) & (units >= 0),
                                           indicators * len(self.hierarchy.unit_codes) + units, -1))

    def rows_of(self, indicator: int, units: np.ndarray) -> np.ndarray:
        """Return the rows of one indicator (by position) at the units (by position), -1 where none."""
        return self._rows_of_keys(indicator * len(self.hierarchy.unit_codes) + units)

    def _rows_of_keys(self, keys: np.ndarray) -> np.ndarray:
        if len(self.keys) == 0:
            return np.full(len(keys), -1, dtype="int64")
        rows = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where((keys >= 0) & (self.keys[rows] == keys), rows, -1)

    def scatter(self, frame: pd.DataFrame, column: str, into: np.ndarray) -> None:
        """Put ``frame[column]`` at the rows of the frame's (indicator_id, unit_code) pairs."""
        rows = self.positions(frame["indicator_id"], frame["unit_code"])
        into[rows[rows >= 0]] = frame[column].to_numpy("float64")[rows >= 0]


def build_evaluation_rows(indicators: list[Indicator], catalog: Catalog, units: pd.DataFrame,
                 thresholds: pd.DataFrame) -> EvaluationRows:
    """Return the layout of an evaluation of ``indicators`` (base and AQI ones, then derived ones, whose
    inputs are among them) over ``units`` (engine.load_units: code, level, population, area and the
    ancestors' codes), graded by ``thresholds`` (status.thresholds_table)."""
    unit_levels = units["level"].to_numpy()
    at_level = {level: np.flatnonzero(unit_levels == level) for level in LEVELS}
    position = {ind.id: p for p, ind in enumerate(indicators)}
    parts = [(p, at_level[level]) for p, ind in enumerate(indicators) for level in LEVELS
             if level in _row_levels(ind, catalog)]
    indicator_of = np.concatenate([np.full(len(u), p, dtype="int64") for p, u in parts] or [np.empty(0, "int64")])
    unit_of = np.concatenate([u for _, u in parts] or [np.empty(0, "int64")]).astype("int64")
    keys = indicator_of * len(units) + unit_of          # ascending: indicators in order, units in order
    ids = np.array([ind.id for ind in indicators], dtype=object)
    rows = pd.DataFrame({"indicator_id": ids[indicator_of], "level": unit_levels[unit_of],
                         "unit_code": units["unit_code"].to_numpy()[unit_of]})
    kind = [ind.type for ind in indicators]
    counted = np.array([k in COUNTED_TYPES for k in kind], dtype=bool)[indicator_of]
    ratio = np.array([k == IndicatorType.RATIO for k in kind], dtype=bool)[indicator_of]
    scale = np.array([ind.scale if ind.type == IndicatorType.RATIO else 1.0 for ind in indicators])[indicator_of]
    is_derived = np.array([k == IndicatorType.DERIVED for k in kind], dtype=bool)
    derived = np.flatnonzero(is_derived[indicator_of])
    input_of = np.array([position.get(ind.input, -1) if ind.type == IndicatorType.DERIVED else -1
                         for ind in indicators], dtype="int64")
    input_keys = input_of[indicator_of[derived]] * len(units) + unit_of[derived]
    derived_input = np.searchsorted(keys, input_keys)
    ops = np.array([OPS.index(ind.op) if ind.type == IndicatorType.DERIVED else -1 for ind in indicators])
    numbers = units[["population", "area_km2"]].astype("float64").to_numpy()
    return EvaluationRows(labels=rows, indicator_index=pd.Index(ids), indicator_codes=pa.array(ids, type=pa.string()),
                  keys=keys, counted=counted, ratio=ratio, scale=scale, derived=derived, derived_input=derived_input,
                  derived_op=ops[indicator_of[derived]], population=numbers[unit_of[derived], 0],
                  area_km2=numbers[unit_of[derived], 1],
                  thresholds=_thresholds(thresholds, pd.Index(ids)),
                  threshold_key=indicator_of * len(LEVELS) + pd.Index(LEVELS).get_indexer(rows["level"]),
                  hierarchy=build_hierarchy(units))


def _row_levels(indicator: Indicator, catalog: Catalog) -> set[str]:
    """Return the levels at which an evaluation has rows of ``indicator``: a derived one's are the
    levels it shares with its input."""
    if indicator.type == IndicatorType.DERIVED:
        return set(indicator.levels) & set(catalog[indicator.input].levels)
    return set(indicator.levels)


def _thresholds(table: pd.DataFrame, ids: pd.Index) -> dict[str, SeverityBounds]:
    """Return every severity's bound, sign and relativity per (indicator, level): kept per pair, not
    per row, since many rows share one pair; a row finds its pair by its threshold_key."""
    size = len(ids) * len(LEVELS)
    known = ids.get_indexer(table["indicator_id"]) >= 0
    table_keys = ids.get_indexer(table["indicator_id"]) * len(LEVELS) + pd.Index(LEVELS).get_indexer(table["level"])
    result = {}
    for severity in SEVERITIES:
        chosen = known & (table["severity"] == severity).to_numpy()
        bound, sign, relative = np.full(size, np.nan), np.ones(size), np.zeros(size, dtype=bool)
        bound[table_keys[chosen]] = table["bound"].to_numpy("float64")[chosen]
        sign[table_keys[chosen]] = table["sign"].to_numpy("float64")[chosen]
        relative[table_keys[chosen]] = table["relative"].to_numpy(bool)[chosen]
        result[severity] = SeverityBounds(bound, sign, relative)
    return result


class EvaluationNumbers:
    """An evaluation's numbers on a layout's rows: value, numerator, denominator, baseline and the
    newest input's time (data age is the instant less that), NaN until filled."""

    def __init__(self, rows: EvaluationRows):
        self.rows = rows
        self.value, self.numerator, self.denominator, self.baseline, self.newest_s, self.data_age_s = (
            np.full(len(rows), np.nan) for _ in range(6))

    def add_scanned(self, scanned: pd.DataFrame) -> None:
        """Fill in the scans' rows (indicator_id, unit_code, value, numerator, denominator, newest_s);
        rows of pairs outside the layout are left out. A ratio whose numerator and denominator came
        from different scans has a row from each: rows meeting on one pair keep the larger number of
        each column (the one that is not NaN)."""
        rows = self.rows.positions(scanned["indicator_id"], scanned["unit_code"])
        kept = rows >= 0
        for column in ("value", "numerator", "denominator", "newest_s"):
            numbers = scanned[column].to_numpy("float64", na_value=np.nan)[kept]
            np.fmax.at(getattr(self, column), rows[kept], numbers)

    def add_rolled(self, rolled: UnitTotals, targets: pd.DataFrame) -> None:
        """Fill in a scan's totals rolled up from grid partials; ``targets`` says which total goes where:
        one row per (column, split position, indicator position, role)."""
        for column, split, indicator, role in targets.itertuples(index=False):
            chosen = np.flatnonzero(rolled.split == split)
            values = rolled.columns[column][chosen]
            chosen, values = chosen[~np.isnan(values)], values[~np.isnan(values)]
            rows = self.rows.rows_of(indicator, rolled.unit[chosen])
            kept = rows >= 0
            np.fmax.at(getattr(self, role), rows[kept], values[kept])
            np.fmax.at(self.newest_s, rows[kept], rolled.newest_s[chosen][kept])

    def complete(self, at_s: int) -> None:
        """Divide the ratios, count zero where a counted indicator had no rows (a ratio: 0 over 0)
        and age every row by its newest input."""
        layout = self.rows
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = self.numerator / np.where(self.denominator == 0, np.nan, self.denominator) * layout.scale
        self.value = np.where(np.isnan(self.denominator), self.value, ratio)
        self.value[layout.counted & np.isnan(self.value)] = 0.0
        no_numerator = layout.ratio & np.isnan(self.numerator)
        self.numerator[no_numerator], self.denominator[no_numerator] = 0.0, 0.0
        self.data_age_s = at_s - self.newest_s

    def add_computed(self, computed: pd.DataFrame) -> None:
        """Put rows computed whole (AQI: value, numerator, denominator, data_age_s) in place."""
        rows = self.rows.positions(computed["indicator_id"], computed["unit_code"])
        kept = rows >= 0
        for column in ("value", "numerator", "denominator", "data_age_s"):
            getattr(self, column)[rows[kept]] = computed[column].to_numpy("float64", na_value=np.nan)[kept]

    def derive(self, previous: np.ndarray) -> None:
        """Compute the derived rows from their inputs' rows: per 10,000 residents, per km², change against
        the 7-day baseline, or against ``previous`` (the input's value one period earlier, by row)."""
        layout = self.rows
        source, op = layout.derived_input, layout.derived_op
        value, age = self.value[source], self.data_age_s[source]
        against_previous = op == OPS.index(DerivedOp.CHANGE_VS_PREVIOUS)
        baseline = np.where(against_previous, previous[source], self.baseline[source])
        with np.errstate(invalid="ignore", divide="ignore"):
            per_10k = value * 10_000 / np.where(layout.population == 0, np.nan, layout.population)
            per_km2 = value / np.where(layout.area_km2 == 0, np.nan, layout.area_km2)
            change = (value - baseline) / np.where(baseline == 0, np.nan, baseline) * 100
        rows = layout.derived
        self.value[rows] = np.select([op == OPS.index(DerivedOp.PER_10K), op == OPS.index(DerivedOp.PER_KM2)],
                                     [per_10k, per_km2], default=change)
        self.numerator[rows], self.denominator[rows] = value, np.nan
        self.baseline[rows], self.data_age_s[rows] = baseline, age

    def statuses(self) -> pd.api.extensions.ExtensionArray:
        """Return every row's status: the most severe threshold crossed in the bad direction, or
        normal, or no_data when the row has no value (as text, taken from the names by code in Arrow
        rather than made one string at a time)."""
        codes = np.where(np.isnan(self.value), 0, 1).astype("int8")
        with np.errstate(invalid="ignore", divide="ignore"):
            relative_value = self.value / np.where(self.baseline == 0, np.nan, self.baseline)
            for code, severity in enumerate(SEVERITIES, start=2):     # mildest first: a more severe match overwrites
                key, pair = self.rows.threshold_key, self.rows.thresholds[severity]
                bound, sign = pair.bound[key], pair.sign[key]
                compare = np.where(pair.relative[key], relative_value, self.value)
                codes[~np.isnan(bound) & (sign * compare >= sign * bound)] = code
        return pd.array(STATUS_NAMES.take(pa.array(codes)), dtype="str")

    def frame(self) -> pd.DataFrame:
        """Return the rows with their numbers and statuses (engine.VALUE_COLUMNS)."""
        return self.rows.labels.assign(value=self.value, numerator=self.numerator, denominator=self.denominator,
                                       baseline=self.baseline, status=self.statuses(), data_age_s=self.data_age_s)
