"""The SQL of many ended days' parts in one statement (``indicators.day_partials``).

A day's part of an indicator is the indicator over that whole local day with each row's state at
the day's end. Evaluating the engine once per day gives exactly that, at the cost of a pass per
day; this statement gives every day of a span in one pass: each source row carries ``part_day``
(the local day of its time column) and ``part_end`` (that day's end), and ``part_end`` stands for
the instant wherever the source's state and the catalog's filters say ``$now``. The parts are
counted per day at the levels city, district and street (GROUPING SETS), as conditional
aggregates of the catalog's own filter and expression text (catalog text, never user input).
"""

from __future__ import annotations

import re

from indicators.model import Indicator, IndicatorType, Measure
from indicators.sources import SOURCES, UNIT_COLUMNS

PART_LEVELS = ("city", "district", "street")
_NOW = re.compile(r"\$now\b")
_PART_END = "part_end"


def part_measures(indicator: Indicator) -> dict[str, Measure]:
    """Return the measures whose sums make a day's part: ``n`` (and ``d`` for a ratio)."""
    if indicator.type == IndicatorType.RATIO:
        return {"n": indicator.numerator, "d": indicator.denominator}
    return {"n": indicator.measure}


def part_label(indicator_id: str, part: str) -> str:
    """Return the column name of one measure of one indicator in the statement's result."""
    return f"{indicator_id}:{part}"


def days_sql(indicators: list[Indicator], source: str, time_column: str) -> str:
    """Return the statement of the parts of ``indicators`` (sharing ``source`` and ``time_column``)
    on the days [$first, $end) of the zone $tz: one row per day and unit, a column per measure."""
    local_day = f"CAST(timezone($tz, {time_column}) AS DATE)"
    rows = (f"(SELECT *, {local_day} AS part_day, "
            f"timezone($tz, CAST({local_day} + 1 AS TIMESTAMP)) AS {_PART_END} FROM {SOURCES[source].table} "
            f"WHERE {time_column} >= timezone($tz, CAST($first AS TIMESTAMP)) "
            f"AND {time_column} < timezone($tz, CAST($end AS TIMESTAMP)))")
    relation = SOURCES[source].text().format(now=_PART_END, rows=rows)
    units = [UNIT_COLUMNS[level] for level in PART_LEVELS]
    aggregates = ",\n       ".join(
        f"{_aggregate(measure)} AS \"{part_label(ind.id, part)}\""
        for ind in indicators for part, measure in part_measures(ind).items())
    levels = ", ".join(f"CASE WHEN GROUPING({u}) = 0 THEN '{level}' END" for u, level in zip(units, PART_LEVELS))
    return (f"SELECT part_day AS day, coalesce({levels}) AS level, coalesce({', '.join(units)}) AS unit_code,\n"
            f"       {aggregates}\n"
            f"FROM ({relation}) AS base\n"
            f"GROUP BY GROUPING SETS ({', '.join(f'(part_day, {u})' for u in units)})")


def _aggregate(measure: Measure) -> str:
    """Return a measure as a conditional aggregate with the day's end as its instant."""
    condition = _NOW.sub(_PART_END, measure.filter)
    if measure.agg == "count":
        return f"count(*) FILTER (WHERE {condition})"
    return f"coalesce(sum({_NOW.sub(_PART_END, measure.expression)}) FILTER (WHERE {condition}), 0)"
