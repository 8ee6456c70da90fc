"""Which indicators a city can compute, and for the others which input its store lacks.

An indicator's inputs are read from the catalog text itself: the relation it scans (cases, sensors,
readings), and each ``channel``, ``category_code``, ``category_domain``, ``kind`` or ``metric`` its
filters name (``col = 'v'``, or ``col IN (...)``, where any one value is enough); a derived indicator
needs its input and, per resident or per km², the units' population or area; an AQI needs readings
of a pollutant. The store is asked once what it holds of each, so coverage of a whole catalog is a
handful of small queries. Coverage says whether an indicator *can* compute; whether it has a value
at an instant is the engine's answer (``with_values`` in the command's output).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from indicators.catalog import Catalog
from indicators.model import DerivedOp, Indicator, IndicatorType

_NAMED = re.compile(r"\b(channel|category_code|category_domain|kind|metric)\s*(?:=\s*'([^']*)'|IN\s*\(([^)]*)\))",
                    re.IGNORECASE)
_TABLE_OF_SOURCE = {"events": "events", "open_cases": "events", "readings": "readings", "sensors": "sensors"}
_NAMES = {"channel": "channel role", "category_code": "category", "category_domain": "category domain",
          "kind": "sensor kind", "metric": "sensor metric"}
_POLLUTANTS = ("so2", "no2", "pm10", "co", "o3", "pm25")


@dataclass(frozen=True)
class Holdings:
    """What a store holds of each input an indicator can name."""

    tables: frozenset[str]              # events, readings, sensors: those with rows
    values: dict[str, frozenset[str]]   # channel, category_code, category_domain, kind, metric → values held
    population: bool                    # some unit has a population
    area: bool                          # some unit has an area


def store_holdings(con: duckdb.DuckDBPyConnection) -> Holdings:
    """Return what the store holds: tables with rows, the channel roles, categories and category
    domains its profile declares, the sensor kinds and metrics of its sensors, and whether units
    carry population and area. A declared category without a case yet is held: its count is 0."""
    def values(sql: str) -> frozenset[str]:
        return frozenset(row[0] for row in con.execute(sql).fetchall() if row[0] is not None)
    tables = frozenset(t for t in ("events", "readings", "sensors")
                       if con.execute(f"SELECT count(*) > 0 FROM (SELECT 1 FROM {t} LIMIT 1)").fetchone()[0])
    held = {
        "channel": values("SELECT DISTINCT role FROM channels"),
        "category_code": values("SELECT code FROM event_categories"),
        "category_domain": values("SELECT DISTINCT domain FROM event_categories"),
        "kind": values("SELECT DISTINCT kind FROM sensors"),
        "metric": values("SELECT DISTINCT unnest(metrics) FROM sensors"),
    }
    population, area = con.execute("SELECT count(population) > 0, count(area_km2) > 0 FROM admin_units").fetchone()
    return Holdings(tables, held, bool(population), bool(area))


def missing_inputs(indicator: Indicator, catalog: Catalog, held: Holdings) -> list[str]:
    """Return what the indicator needs that the store lacks, in words (empty: it computes)."""
    if indicator.type == IndicatorType.DERIVED:
        missing = missing_inputs(catalog[indicator.input], catalog, held)
        if indicator.op == DerivedOp.PER_10K and not held.population:
            missing.append("the population of the units (a units file in the city profile)")
        if indicator.op == DerivedOp.PER_KM2 and not held.area:
            missing.append("the area of the units (a units file in the city profile)")
        return missing
    table = _TABLE_OF_SOURCE[indicator.source]
    if table not in held.tables:
        return [f"{'cases' if table == 'events' else table} (the store has none)"]
    missing = [f"{_NAMES[column]} {' or '.join(repr(v) for v in wanted)}"
               for column, wanted in named_values(indicator) if not set(wanted) & held.values[column]]
    if indicator.type == IndicatorType.AQI and not set(_POLLUTANTS) & held.values["metric"]:
        missing.append(f"sensor metric {' or '.join(_POLLUTANTS)}")
    return missing


def named_values(indicator: Indicator) -> list[tuple[str, tuple[str, ...]]]:
    """Return each (column, values) an indicator's filters require, one of the values being enough."""
    text = " ".join(m.filter for m in (indicator.measure, indicator.numerator, indicator.denominator) if m)
    found = []
    for column, single, listed in _NAMED.findall(text):
        values = (single,) if listed == "" else tuple(re.findall(r"'([^']*)'", listed))
        if (column.lower(), values) not in found:
            found.append((column.lower(), values))
    return found


def coverage(catalog: Catalog, held: Holdings) -> dict[str, list[str]]:
    """Return, for every indicator of the catalog, what it lacks (an empty list: it computes)."""
    return {indicator.id: missing_inputs(indicator, catalog, held) for indicator in catalog.indicators}
