"""Compiling the catalog into a handful of fused scans, never one query per indicator.

Indicators sharing (source, window, time column) become one scan: a single pass over the
source with conditional aggregates (``agg(...) FILTER (WHERE ...)``) under GROUPING SETS
over the unit hierarchy, so every level comes out of the same pass, each computed from the
rows themselves (ratios are numerator and denominator summed per unit, divided last).
Families that differ only by ``column = 'value'`` (one indicator per event category) are
computed in long form, grouped by that column, and pivoted afterwards: one narrow
aggregate instead of hundreds of FILTER columns. Wide scans are split at MAX_COLUMNS.
A scan whose aggregates all decompose (count, sum, min, max, avg) is, on DuckDB, grouped once
per grid (``grid_partials_sql``) and rolled up the hierarchy in numpy (``indicators.rollup``);
on Spark every scan runs as its GROUPING SETS (``Scan.sql``).

Only catalog text goes into SQL text; the instant and the window bounds are bound
parameters ($now, $start, $end).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from indicators.catalog import Catalog
from indicators.conditions import split_condition
from indicators.model import LEVELS, Indicator, IndicatorType, Measure, Window
from indicators.sources import BASELINE_DAYS, SOURCES, UNIT_COLUMNS

MAX_COLUMNS = 64


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
    split_numeric: bool = False             # the split values are numbers, not strings
    shifted: bool = False                   # the 7 previous days' windows at once, grouped by day_shift

    def sql(self, materialised: dict[str, str] | None = None) -> str:
        """Return the scan's SQL (parameters: $now, $start, $end), optionally over materialised rows."""
        return build_scan_sql(self, materialised)


@dataclass(frozen=True)
class Ref:
    """Where one measure's value is: a scan's column (and the split value in long form)."""

    scan: str
    column: str
    split_value: str = ""


@dataclass(frozen=True)
class Output:
    """Where an indicator's value comes from: its value, or its numerator and denominator."""

    value: Ref | None = None
    numerator: Ref | None = None
    denominator: Ref | None = None


@dataclass
class CompiledCatalog:
    """The scans to run and how each base indicator reads its value from them."""

    scans: dict[str, Scan] = field(default_factory=dict)
    outputs: dict[str, Output] = field(default_factory=dict)
    derived: list[Indicator] = field(default_factory=list)
    aqi: list[Indicator] = field(default_factory=list)


def _filter_clause(measure: Measure) -> str:
    return "" if measure.filter.strip() == "true" else f" FILTER (WHERE {measure.filter})"


def aggregate_sql(measure: Measure) -> str:
    """Return the SQL aggregate for a measure, conditional on its filter."""
    expression = measure.expression
    where = _filter_clause(measure)
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


def split_measure(measure: Measure) -> tuple[str, str, bool, Measure] | None:
    """Return (column, value, numeric, the measure without that condition) for ``column = v AND rest``."""
    split = split_condition(measure.filter)
    if split is None:
        return None
    column, value, numeric, rest = split
    return column, value, numeric, Measure(measure.agg, measure.expression, rest, measure.quantile)


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
    """Indicators share a scan when they share source, window, time column and levels: grouping
    a family at grid level for one indicator would compute every cell of it for every grid."""
    source = SOURCES[indicator.source]
    return (indicator.source, indicator.window, indicator.time_column or source.default_time_column,
            _levels([indicator]))


def _roles(indicator: Indicator) -> dict[str, Measure]:
    if indicator.type == IndicatorType.RATIO:
        return {"numerator": indicator.numerator, "denominator": indicator.denominator}
    return {"value": indicator.measure}


def _compile_group(key: tuple, members: list[Indicator], compiled: CompiledCatalog) -> None:
    """Place every measure of the group in a long-form family (by split column) or a wide scan."""
    source, window, time_column, levels = key
    prefix = f"{source}.{window.value}.{time_column or 'state'}.to_{levels[-1]}"
    families: dict[str, dict] = {}          # split column -> {measure: column name}, values
    wide: dict[Measure, str] = {}
    placed: dict[tuple[str, str], tuple] = {}
    for indicator in members:
        for role, measure in _roles(indicator).items():
            split = split_measure(measure)
            if split is None:
                placed[(indicator.id, role)] = ("wide", wide.setdefault(measure, f"c{len(wide)}"), "")
            else:
                column, value, numeric, rest = split
                family = families.setdefault(column, {"measures": {}, "values": set(), "numeric": numeric})
                family["values"].add(value)
                name = family["measures"].setdefault(rest, f"c{len(family['measures'])}")
                placed[(indicator.id, role)] = (f"family:{column}", name, value)
    scan_of = _add_family_scans(prefix, source, window, time_column, families, members, compiled)
    scan_of.update(_add_wide_scans(prefix, source, window, time_column, wide, members, compiled))
    for indicator in members:
        refs = {role: Ref(*scan_of[(placed[(indicator.id, role)][0], placed[(indicator.id, role)][1])],
                      placed[(indicator.id, role)][2])
                for role in _roles(indicator)}
        compiled.outputs[indicator.id] = Output(**refs)


def _levels(indicators) -> tuple[str, ...]:
    wanted = {level for indicator in indicators for level in indicator.levels}
    return tuple(level for level in LEVELS if level in wanted)


def _add_family_scans(prefix, source, window, time_column, families, members, compiled) -> dict:
    """Add one long-form scan per split column; return {(family, column): (scan key, column)}."""
    scan_of = {}
    levels = _levels(members)
    for column, family in sorted(families.items()):
        key = f"{prefix}.by_{column}"
        columns = tuple(Column(name, measure) for measure, name in family["measures"].items())
        compiled.scans[key] = Scan(key, source, window, time_column, levels, columns, column,
                                   tuple(sorted(family["values"])), family["numeric"])
        scan_of.update({(f"family:{column}", name): (key, name) for name in family["measures"].values()})
    return scan_of


def _add_wide_scans(prefix, source, window, time_column, wide, members, compiled) -> dict:
    """Add wide scans of at most MAX_COLUMNS distinct measures; return the same mapping."""
    scan_of = {}
    levels = _levels(members)
    items = list(wide.items())
    for chunk_start in range(0, len(items), MAX_COLUMNS):
        key = f"{prefix}.wide{chunk_start // MAX_COLUMNS}"
        chunk = items[chunk_start:chunk_start + MAX_COLUMNS]
        compiled.scans[key] = Scan(key, source, window, time_column, levels,
                                   tuple(Column(name, measure) for measure, name in chunk))
        scan_of.update({("wide", name): (key, name) for _, name in chunk})
    return scan_of


ROLLED_AGGREGATES = {"count", "sum", "min", "max", "avg"}     # decomposable: partials combine exactly


def build_scan_sql(scan: Scan, materialised: dict[str, str] | None = None) -> str:
    """Return the SQL of one scan: GROUPING SETS over the scan's levels, one row per unit.

    ``materialised`` maps a source's base table to a relation already computed for this
    refresh (the recent events), which the scan reads instead of joining again. DuckDB runs this
    for the scans that do not roll up (``rolled_up``) and for the 7-day baseline pass; Spark runs it
    for every scan. A rolled-up scan's DuckDB form is ``grid_partials_sql``."""
    keys = ([scan.split_column] if scan.split_column else []) + (["day_shift"] if scan.shifted else [])
    sets = ", ".join("(" + ", ".join(keys + [UNIT_COLUMNS[level]]) + ")" for level in scan.levels)
    level_case = " ".join(f"WHEN GROUPING({UNIT_COLUMNS[level]}) = 0 THEN '{level}'" for level in scan.levels)
    unit_case = " ".join(f"WHEN GROUPING({UNIT_COLUMNS[level]}) = 0 THEN {UNIT_COLUMNS[level]}" for level in scan.levels)
    select_split = f"CAST({scan.split_column} AS VARCHAR) AS split_value, " if scan.split_column else ""
    select_shift = "day_shift, " if scan.shifted else ""
    head = f"SELECT CASE {level_case} END AS level, CASE {unit_case} END AS unit_code, {select_split}{select_shift}\n"
    rows = f"FROM ({_relation(scan, materialised)}) AS base\nWHERE {' AND '.join(_where(scan))}\n"
    newest = f"max({scan.time_column})" if scan.time_column else _state_newest(scan.source)
    aggregates = ",\n       ".join(f"CAST({aggregate_sql(c.measure)} AS DOUBLE) AS {c.name}" for c in scan.columns)
    return f"{head}       {aggregates},\n       {newest} AS newest\n{rows}GROUP BY GROUPING SETS ({sets})"


def shared_partials(scans: list[Scan]) -> list[list[Scan]]:
    """Return rolled-up scans in groups whose grid partials one query computes: those reading the
    same rows, grouped the same way (source, window, time column, split column). The compiler keeps
    apart the scans of one family that stop at different levels; per grid, their partials meet."""
    groups: dict[tuple, list[Scan]] = {}
    for scan in scans:
        groups.setdefault((scan.source, scan.window, scan.time_column, scan.split_column), []).append(scan)
    return list(groups.values())


def grid_partials_sql(scans: list[Scan], materialised: dict[str, str] | None = None) -> str:
    """Return the SQL of rolled-up scans' partials per grid (and split value), for scans of one
    ``shared_partials`` group, to be rolled up the hierarchy by the caller (``indicators.rollup``):
    one row per (split value, u_grid) with each scan's columns' partial aggregates as doubles, named
    ``s{scan's position}_{column}`` (an avg as ``..._sum`` and ``..._n``), and the epoch of the newest
    input as newest_s. The split values read are all the scans'.

    A row's unit columns all follow from its u_grid (the grid joined on the row's grid code; no grid:
    only the city), so grouping by it alone loses nothing: one key to hash instead of five, and the
    roll-up to the other levels is a few array passes in numpy."""
    first = scans[0]
    read = replace(first, split_values=tuple(sorted({v for scan in scans for v in scan.split_values})))
    split = [first.split_column] if first.split_column else []
    select_split = f"CAST({first.split_column} AS VARCHAR) AS split_value, " if first.split_column else ""
    partials = ",\n       ".join(f"CAST({part} AS DOUBLE) AS s{position}_{name}"
                                  for position, scan in enumerate(scans)
                                  for c in scan.columns for part, name in _partials(c))
    newest = f"max({first.time_column})" if first.time_column else _state_newest(first.source)
    return (f"SELECT {select_split}u_grid,\n       {partials},\n       epoch({newest}) AS newest_s\n"
            f"FROM ({_relation(read, materialised)}) AS base\nWHERE {' AND '.join(_where(read))}\n"
            f"GROUP BY {', '.join(split + ['u_grid'])}")


def rolled_up(scan: Scan) -> bool:
    """Whether a scan is computed from partials at its finest level rolled up to the others.

    Only when every aggregate decomposes (count, sum, min, max; avg as sum and count), there is
    more than one level, and the scan is not shifted: partials per grid and day of the 7-day
    baseline pass would be nearly as many as the rows, so that pass groups the rows themselves."""
    return (len(scan.levels) > 1 and not scan.shifted
            and all(c.measure.agg in ROLLED_AGGREGATES for c in scan.columns))


def _partials(column: Column) -> list[tuple[str, str]]:
    """Return the partial aggregates of a decomposable column per group, as (SQL, name): count, sum,
    min and max are their own partials; avg is a sum and a count."""
    measure = column.measure
    where = _filter_clause(measure)
    expression, name = measure.expression, column.name
    if measure.agg == "count":
        return [(("count(*)" if expression == "*" else f"count({expression})") + where, name)]
    if measure.agg == "avg":
        return [(f"sum({expression}){where}", f"{name}_sum"), (f"count({expression}){where}", f"{name}_n")]
    return [(f"{measure.agg}({expression}){where}", name)]


def _relation(scan: Scan, materialised: dict[str, str] | None) -> str:
    source = SOURCES[scan.source]
    prepared = (materialised or {}).get(relation_key(scan))
    if scan.shifted:
        return prepared or source.shifted_sql(scan.time_column)
    return source.sql(prepared)


def _where(scan: Scan) -> list[str]:
    where = [_time_filter(scan)]
    if scan.split_column:
        quote = (lambda v: str(int(v))) if scan.split_numeric else (lambda v: "'" + v.replace("'", "''") + "'")
        where.append(f"{scan.split_column} IN ({', '.join(quote(v) for v in scan.split_values)})")
    return where


def relation_key(scan: Scan) -> str:
    """Return the key under which a relation materialised for a refresh can stand in for the scan's
    rows: the base table (recent events), or the source shifted to the 7 earlier instants (state)."""
    if scan.shifted:
        return f"{scan.source}.shifted" if scan.time_column is None else ""
    return SOURCES[scan.source].table


def _time_filter(scan: Scan) -> str:
    column = scan.time_column
    if not column:
        return "true"
    if scan.shifted:       # the row's own shifted window: (start - k days, end - k days]
        return (f"day_shift BETWEEN 1 AND {BASELINE_DAYS} AND {column} > $start - to_days(day_shift) "
                f"AND {column} <= $end - to_days(day_shift)")
    return f"{column} > $start AND {column} <= $end"


def _state_newest(source: str) -> str:
    return {"sensors": "max(last_ts)", "cameras": "max(status_at)"}.get(source, "max(received_at)")
