"""Compiling the catalog into a handful of fused scans, never one query per indicator.

Indicators sharing (source, window, time column) become one scan: a single pass over the
source with conditional aggregates (``agg(...) FILTER (WHERE ...)``) under GROUPING SETS
over the unit hierarchy, so every level comes out of the same pass, each computed from the
rows themselves (ratios are numerator and denominator summed per unit, divided last).
Families that differ only by ``column = 'value'`` (one indicator per event category) are
computed in long form, grouped by that column, and pivoted afterwards: one narrow
aggregate instead of hundreds of FILTER columns. Wide scans are split at MAX_COLUMNS.

Only catalog text goes into SQL text; the instant and the window bounds are bound
parameters ($now, $start, $end).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indicators.catalog import Catalog
from indicators.model import LEVELS, Indicator, IndicatorType, Measure, Window
from indicators.sources import SOURCES, UNIT_COLUMNS

MAX_COLUMNS = 64
_SPLIT_FILTER = re.compile(r"^\s*([a-z_]+)\s*=\s*'([^']*)'\s*$")


@dataclass(frozen=True)
class Column:
    """One aggregate column of a scan."""

    name: str
    measure: Measure


@dataclass(frozen=True)
class Scan:
    """One query: a source, a window, its aggregate columns and the levels to group by."""

    key: str
    source: str
    window: Window
    time_column: str | None
    levels: tuple[str, ...]
    columns: tuple[Column, ...]
    split_column: str | None = None        # long form: grouped by this column as well
    split_values: tuple[str, ...] = ()

    def sql(self) -> str:
        """Return the scan's SQL (parameters: $now, $start, $end)."""
        return build_scan_sql(self)


@dataclass(frozen=True)
class Output:
    """Where an indicator's value comes from: scan columns (and the split value in long form)."""

    scan: str
    value: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    split_value: str | None = None


@dataclass
class CompiledCatalog:
    """The scans to run and how each base indicator reads its value from them."""

    scans: dict[str, Scan] = field(default_factory=dict)
    outputs: dict[str, Output] = field(default_factory=dict)
    derived: list[Indicator] = field(default_factory=list)
    aqi: list[Indicator] = field(default_factory=list)


def aggregate_sql(measure: Measure) -> str:
    """Return the SQL aggregate for a measure, conditional on its filter."""
    expression, where = measure.expression, f" FILTER (WHERE {measure.filter})"
    templates = {
        "count": "count(*)" if expression == "*" else f"count({expression})",
        "sum": f"sum({expression})",
        "avg": f"avg({expression})",
        "min": f"min({expression})",
        "max": f"max({expression})",
        "percentile": f"quantile_cont({expression}, {measure.quantile})",
        "distinct_count": f"count(DISTINCT {expression})",
    }
    sql = templates[measure.agg]
    if measure.agg in ("count", "sum", "distinct_count"):
        return f"coalesce({sql}{where}, 0)"
    return sql + where


def compile_catalog(catalog: Catalog, only: set[str] | None = None) -> CompiledCatalog:
    """Return the fused scans for the catalog (or for the indicators named in ``only``)."""
    compiled = CompiledCatalog()
    groups: dict[tuple, list[Indicator]] = {}
    for indicator in catalog.indicators:
        if only is not None and indicator.id not in only:
            continue
        if indicator.type == IndicatorType.DERIVED:
            compiled.derived.append(indicator)
        elif indicator.type == IndicatorType.AQI:
            compiled.aqi.append(indicator)
        else:
            groups.setdefault(_group_key(indicator), []).append(indicator)
    for key, members in groups.items():
        _compile_group(key, members, compiled)
    return compiled


def _group_key(indicator: Indicator) -> tuple:
    source = SOURCES[indicator.source]
    return indicator.source, indicator.window, indicator.time_column or source.default_time_column


def _split_of(indicator: Indicator) -> tuple[str, str] | None:
    """Return (column, value) when the indicator is a count/sum that only filters column = 'value'."""
    measure = indicator.measure
    if indicator.type not in (IndicatorType.COUNT, IndicatorType.SUM) or measure is None:
        return None
    match = _SPLIT_FILTER.match(measure.filter)
    return (match.group(1), match.group(2)) if match else None


def _compile_group(key: tuple, members: list[Indicator], compiled: CompiledCatalog) -> None:
    source, window, time_column = key
    prefix = f"{source}.{window.value}.{time_column or 'state'}"
    wide, families = [], {}
    for indicator in members:
        split = _split_of(indicator)
        if split is None:
            wide.append(indicator)
        else:
            family = (split[0], indicator.type.value, indicator.measure.expression)
            families.setdefault(family, []).append((indicator, split[1]))
    for number, (family, items) in enumerate(sorted(families.items())):
        _compile_family(f"{prefix}.family{number}", source, window, time_column, family, items, compiled)
    for start in range(0, len(wide), MAX_COLUMNS // 2):
        _compile_wide(f"{prefix}.wide{start // (MAX_COLUMNS // 2)}", source, window, time_column,
                      wide[start:start + MAX_COLUMNS // 2], compiled)


def _levels(indicators) -> tuple[str, ...]:
    wanted = {level for indicator in indicators for level in indicator.levels}
    return tuple(level for level in LEVELS if level in wanted)


def _compile_family(scan_key, source, window, time_column, family, items, compiled) -> None:
    column, agg, expression = family
    values = tuple(sorted({value for _, value in items}))
    measure = Measure(agg, expression, "true")
    compiled.scans[scan_key] = Scan(scan_key, source, window, time_column, _levels(i for i, _ in items),
                                    (Column("v", measure),), column, values)
    for indicator, value in items:
        compiled.outputs[indicator.id] = Output(scan_key, value="v", split_value=value)


def _compile_wide(scan_key, source, window, time_column, indicators, compiled) -> None:
    columns: list[Column] = []
    for indicator in indicators:
        n = len(columns)
        if indicator.type == IndicatorType.RATIO:
            columns += [Column(f"c{n}", indicator.numerator), Column(f"c{n + 1}", indicator.denominator)]
            compiled.outputs[indicator.id] = Output(scan_key, numerator=f"c{n}", denominator=f"c{n + 1}")
        else:
            columns.append(Column(f"c{n}", indicator.measure))
            compiled.outputs[indicator.id] = Output(scan_key, value=f"c{n}")
    compiled.scans[scan_key] = Scan(scan_key, source, window, time_column, _levels(indicators), tuple(columns))


def build_scan_sql(scan: Scan) -> str:
    """Return the SQL of one scan: GROUPING SETS over the scan's levels, one row per unit."""
    split = [scan.split_column] if scan.split_column else []
    sets = ", ".join("(" + ", ".join(split + [UNIT_COLUMNS[level]]) + ")" for level in scan.levels)
    level_case = " ".join(f"WHEN GROUPING({UNIT_COLUMNS[level]}) = 0 THEN '{level}'" for level in scan.levels)
    unit_case = " ".join(f"WHEN GROUPING({UNIT_COLUMNS[level]}) = 0 THEN {UNIT_COLUMNS[level]}" for level in scan.levels)
    aggregates = ",\n       ".join(f"{aggregate_sql(c.measure)} AS {c.name}" for c in scan.columns)
    newest = f"max({scan.time_column})" if scan.time_column else _state_newest(scan.source)
    where = [f"{scan.time_column} >= $start AND {scan.time_column} <= $end"] if scan.time_column else ["true"]
    if scan.split_column:
        values = ", ".join("'" + v.replace("'", "''") + "'" for v in scan.split_values)
        where.append(f"{scan.split_column} IN ({values})")
    select_split = f"{scan.split_column} AS split_value, " if scan.split_column else ""
    return (f"SELECT CASE {level_case} END AS level, CASE {unit_case} END AS unit_code, {select_split}\n"
            f"       {aggregates},\n       {newest} AS newest\n"
            f"FROM ({SOURCES[scan.source].sql()}) AS base\n"
            f"WHERE {' AND '.join(where)}\n"
            f"GROUP BY GROUPING SETS ({sets})")


def _state_newest(source: str) -> str:
    return "max(last_ts)" if source == "sensors" else "max(received_at)"
