"""Which indicators a city can compute, and for the others which input its store lacks.

An indicator's inputs are read from the catalog text itself: the relation it scans (cases, sensors,
readings), the case fields its measures read (a handling level, a rating, a due time...: a city whose
feeds fill none lacks them), and each ``channel``, ``category_code``, ``category_domain``, ``kind`` or ``metric`` its
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

_NAMED = re.compile(r"\b(channel|category_code|category_domain|kind|place_kind|metric)\s*(?:=\s*'([^']*)'|IN\s*\(([^)]*)\))",
                    re.IGNORECASE)
_TABLE_OF_SOURCE = {"events": "events", "open_cases": "events", "readings": "readings", "sensors": "sensors",
                    "alarms": "alarms", "work_orders": "work_orders", "cases_near_places": "places",
                    "open_cases_near_places": "places", "readings_near_places": "places", "cameras": "cameras"}
_POLLUTANTS = ("so2", "no2", "pm10", "co", "o3", "pm25")
# The case fields behind the names a measure may use: a city whose feeds never fill a field (no handling
# level, no rating, no due time) lacks every indicator that reads it.
CASE_FIELDS = {"handling_level": "handling_level", "rating": "satisfaction", "satisfaction": "satisfaction",
               "is_overdue": "due_at", "due_at": "due_at", "is_accepted": "accepted_at", "response_minutes": "accepted_at",
               "is_dispatched": "dispatched_at", "dispatch_hours": "dispatched_at", "is_resolved": "resolved_at",
               "handling_hours": "resolved_at", "is_closed": "closed_at", "closing_hours": "closed_at",
               "department": "department"}
FIELD_WORDS = {"handling_level": "a handling level", "satisfaction": "a citizen rating", "due_at": "a due time",
               "accepted_at": "an acceptance time", "dispatched_at": "a dispatch time",
               "resolved_at": "a resolution time", "closed_at": "a closing time", "department": "a department"}
INPUT_WORDS = {"cases": "cases", "readings": "sensor readings", "sensors": "sensors", "alarms": "camera alarms",
               "places": "places", "cameras": "cameras", "place_kind": "places of kind",
               "channel": "a channel of role",
               "category_code": "the category", "category_domain": "a category of domain", "kind": "sensors of kind",
               "metric": "sensors measuring", "population": "the population of the grids (units file)",
               "area": "the area of the grids (units file)"}


@dataclass(frozen=True)
class Lack:
    """One input an indicator needs and the store lacks: what (``input``: a key of INPUT_WORDS, or
    ``case_field``) and which values would do (any one of them)."""

    input: str
    values: tuple[str, ...] = ()

    def text(self) -> str:
        """Return the lack in English words (the pages word it in the UI language)."""
        if self.input == "case_field":
            return f"cases with {FIELD_WORDS[self.values[0]]} (the feeds fill none)"
        return " ".join([INPUT_WORDS[self.input], " or ".join(repr(v) for v in self.values)]).strip()


@dataclass(frozen=True)
class Holdings:
    """What a store holds of each input an indicator can name."""

    tables: frozenset[str]              # events, readings, sensors, alarms: those with rows
    values: dict[str, frozenset[str]]   # channel, category_code, category_domain, kind, metric → values held
    case_fields: dict[str | None, frozenset[str]]   # channel role → the fields of CASE_FIELDS its cases fill
    population: bool                    # some grid has a population
    area: bool                          # some grid has an area


def store_holdings(con: duckdb.DuckDBPyConnection) -> Holdings:
    """Return what the store holds: tables with rows, the channel roles, categories and category
    domains its profile declares, the sensor kinds and metrics of its sensors, and whether units
    carry population and area. A declared category without a case yet is held: its count is 0."""
    def values(sql: str) -> frozenset[str]:
        return frozenset(row[0] for row in con.execute(sql).fetchall() if row[0] is not None)
    tables = frozenset(t for t in ("events", "readings", "sensors", "alarms", "places", "cameras")
                       if con.execute(f"SELECT count(*) > 0 FROM (SELECT 1 FROM {t} LIMIT 1)").fetchone()[0])
    tables |= {"work_orders"}         # every store dispatches orders: no order yet is a count of 0, not a lack
    held = {
        "channel": values("SELECT DISTINCT role FROM channels"),
        "category_code": values("SELECT code FROM event_categories"),
        "category_domain": values("SELECT DISTINCT domain FROM event_categories"),
        "kind": values("SELECT DISTINCT kind FROM sensors"),
        "place_kind": values("SELECT DISTINCT kind FROM places"),
        "metric": values("SELECT DISTINCT unnest(metrics) FROM sensors"),
    }
    fields = sorted(set(CASE_FIELDS.values()))
    rows = con.execute(f"SELECT ch.role, {', '.join(f'count({f}) > 0' for f in fields)} FROM events e "
                       "LEFT JOIN channels ch ON ch.code = e.source GROUP BY ch.role").fetchall()
    by_role = {role: frozenset(f for f, has in zip(fields, filled) if has) for role, *filled in rows}
    population, area = con.execute("SELECT coalesce(max(population) > 0, false), coalesce(max(area_km2) > 0, false) "
                                   "FROM admin_units WHERE level = 'grid'").fetchone()
    return Holdings(tables, held, by_role, bool(population), bool(area))


def missing_inputs(indicator: Indicator, catalog: Catalog, held: Holdings) -> list[Lack]:
    """Return what the indicator needs that the store lacks (empty: it computes)."""
    if indicator.type == IndicatorType.DERIVED:
        missing = missing_inputs(catalog[indicator.input], catalog, held)
        if indicator.op == DerivedOp.PER_10K and not held.population:
            missing.append(Lack("population"))
        if indicator.op == DerivedOp.PER_KM2 and not held.area:
            missing.append(Lack("area"))
        return missing
    table = _TABLE_OF_SOURCE[indicator.source]
    if table not in held.tables:
        return [Lack("cases" if table == "events" else table)]
    named = named_values(indicator)
    missing = [Lack(column, wanted) for column, wanted in named if not set(wanted) & held.values[column]]
    if table == "events":
        roles = dict(named).get("channel") or tuple(held.case_fields)
        filled = set().union(*(held.case_fields.get(role, frozenset()) for role in roles))
        missing += [Lack("case_field", (field,)) for field in case_fields(indicator) if field not in filled]
    if indicator.type == IndicatorType.AQI and not set(_POLLUTANTS) & held.values["metric"]:
        missing.append(Lack("metric", _POLLUTANTS))
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


def case_fields(indicator: Indicator) -> list[str]:
    """Return the case fields (of CASE_FIELDS) an indicator's measures and filters read."""
    text = " ".join(f"{m.expression} {m.filter}" for m in (indicator.measure, indicator.numerator,
                                                          indicator.denominator) if m)
    words = set(re.findall(r"[a-z_]+", text.lower()))
    return sorted({CASE_FIELDS[word] for word in words if word in CASE_FIELDS})


def coverage(catalog: Catalog, held: Holdings) -> dict[str, tuple[Lack, ...]]:
    """Return, for every indicator of the catalog, what it lacks (empty: it computes)."""
    return {indicator.id: tuple(missing_inputs(indicator, catalog, held)) for indicator in catalog.indicators}
