"""What the analysts' map reads about units: values at a level, lineage, ranks, series, events, sensors.

A unit's members are found through the ancestor codes every row of ``admin_units`` carries
(``district_code``, ``street_code`` …): the units at level M inside unit U of level L are those
with ``<L>_code = U``. Column names come from the fixed table below, never from the caller;
codes, indicator ids and instants are bound parameters. Event rows leave here masked.
"""

from __future__ import annotations

from datetime import datetime, timezone

import duckdb
import pandas as pd
import shapely

from data.privacy import mask_frame

LEVELS = ("city", "district", "street", "community", "grid")
ANCESTOR_COLUMN = {"city": "city_code", "district": "district_code", "street": "street_code",
                   "community": "community_code"}
VALUE_COLUMNS = ["code", "name_zh", "name_en", "value", "numerator", "denominator", "baseline", "status", "as_of_s"]
EVENT_DAYS = 7
EVENT_LIMIT = 500
SENSOR_HOURS = 24


def _utc(epoch_s: int) -> datetime:
    return datetime.fromtimestamp(int(epoch_s), timezone.utc)


def child_level(level: str) -> str | None:
    """Return the level just below ``level`` (None below the grid)."""
    index = LEVELS.index(level)
    return LEVELS[index + 1] if index + 1 < len(LEVELS) else None


def unit_row(con: duckdb.DuckDBPyConnection, code: str) -> dict | None:
    """Return a unit's code, level, names and parent, or None when unknown."""
    rows = con.execute("SELECT code, level, name_zh, name_en, parent_code FROM admin_units WHERE code = ?",
                       [code]).fetchall()
    if not rows:
        return None
    return dict(zip(("code", "level", "name_zh", "name_en", "parent_code"), rows[0]))


def city_unit(con: duckdb.DuckDBPyConnection) -> dict:
    """Return the city's own unit row."""
    code = con.execute("SELECT code FROM admin_units WHERE level = 'city' ORDER BY code LIMIT 1").fetchall()[0][0]
    return unit_row(con, code)


def unit_bounds(con: duckdb.DuckDBPyConnection, code: str) -> tuple[float, float, float, float] | None:
    """Return the unit's (min lon, min lat, max lon, max lat), or None when unknown."""
    rows = con.execute("SELECT geometry FROM admin_units WHERE code = ?", [code]).fetchall()
    if not rows or rows[0][0] is None:
        return None
    return tuple(shapely.from_wkb(rows[0][0]).bounds)


def lineage(con: duckdb.DuckDBPyConnection, code: str) -> list[dict]:
    """Return the units from the city down to ``code`` (inclusive), each as unit_row()."""
    rows = con.execute(
        "SELECT city_code, district_code, street_code, community_code, parent_code FROM admin_units WHERE code = ?",
        [code]).fetchall()
    if not rows:
        return []
    chain = [c for c in rows[0][:4] if c] + [code]
    return [unit_row(con, c) for c in dict.fromkeys(chain)]


def _members(level: str, within: dict | None) -> tuple[str, list]:
    """Return (SQL condition on admin_units alias u, parameters) for the units at ``level`` inside ``within``."""
    if within is None or within["level"] == "city":
        return "u.level = ?", [level]
    if within["level"] == level:
        return "u.code = ?", [within["code"]]
    return f"u.level = ? AND u.{ANCESTOR_COLUMN[within['level']]} = ?", [level, within["code"]]


def _values_source(as_of_s: int | None) -> tuple[str, list]:
    """Return (table expression, parameters) of the values at an hour of history, or the latest."""
    if as_of_s is None:
        return "indicator_latest", []
    return "(SELECT * FROM indicator_history WHERE as_of = ?)", [_utc(as_of_s)]


def unit_values(con: duckdb.DuckDBPyConnection, indicator_id: str, level: str, within: dict | None,
                as_of_s: int | None = None) -> pd.DataFrame:
    """Return every unit at ``level`` inside ``within`` (None = the city) with the indicator's value
    and status at the history hour ``as_of_s`` (None = the latest); units without a value get NaN
    and status ``no_data``."""
    condition, params = _members(level, within)
    source, source_params = _values_source(as_of_s)
    sql = f"""
        SELECT u.code, u.name_zh, u.name_en, v.value, v.numerator, v.denominator, v.baseline,
               coalesce(v.status, 'no_data') AS status, CAST(epoch(v.as_of) AS BIGINT) AS as_of_s
        FROM admin_units u
        LEFT JOIN {source} v ON v.unit_code = u.code AND v.indicator_id = ?
        WHERE {condition}
        ORDER BY u.code"""
    return con.execute(sql, source_params + [indicator_id] + params).df().reindex(columns=VALUE_COLUMNS)


def unit_value(con: duckdb.DuckDBPyConnection, indicator_id: str, unit: dict, as_of_s: int | None = None) -> dict:
    """Return one unit's value row (as unit_values) as a dict."""
    frame = unit_values(con, indicator_id, unit["level"], unit, as_of_s)
    return frame.iloc[0].to_dict() if len(frame) else {}


def sibling_rank(con: duckdb.DuckDBPyConnection, indicator_id: str, unit: dict,
                 as_of_s: int | None = None) -> tuple[int | None, int]:
    """Return (rank by value, highest first; number of siblings with the unit) among the units
    sharing its parent; rank is None when the unit has no value."""
    if unit["parent_code"] is None:
        frame = unit_values(con, indicator_id, unit["level"], None, as_of_s)
    else:
        frame = unit_values(con, indicator_id, unit["level"], unit_row(con, unit["parent_code"]), as_of_s)
    ranks = frame["value"].rank(ascending=False, method="min")
    mine = ranks[frame["code"] == unit["code"]]
    rank = None if mine.empty or pd.isna(mine.iloc[0]) else int(mine.iloc[0])
    return rank, len(frame)


def top_children(con: duckdb.DuckDBPyConnection, indicator_id: str, unit: dict, as_of_s: int | None = None,
                 limit: int = 5) -> pd.DataFrame:
    """Return the unit's children with the highest values (as unit_values), highest first."""
    below = child_level(unit["level"])
    if below is None:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    frame = unit_values(con, indicator_id, below, unit, as_of_s)
    return frame.dropna(subset=["value"]).sort_values(["value", "code"], ascending=[False, True]).head(limit)


def history_hours(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Return the instants (epoch s) of the stored hourly snapshots, oldest first (a snapshot covers
    the whole catalog)."""
    rows = con.execute("SELECT DISTINCT CAST(epoch(as_of) AS BIGINT) FROM indicator_history ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def unit_series(con: duckdb.DuckDBPyConnection, indicator_id: str, code: str) -> pd.DataFrame:
    """Return the unit's hourly history with the latest value appended: as_of_s, value, baseline, status."""
    return con.execute("""
        SELECT as_of_s, value, baseline, status FROM (
            SELECT CAST(epoch(as_of) AS BIGINT) AS as_of_s, value, baseline, status
            FROM indicator_history WHERE indicator_id = ? AND unit_code = ?
            UNION
            SELECT CAST(epoch(as_of) AS BIGINT), value, baseline, status
            FROM indicator_latest WHERE indicator_id = ? AND unit_code = ?)
        ORDER BY as_of_s""", [indicator_id, code, indicator_id, code]).df()


def _grid_filter(unit: dict) -> tuple[str, list]:
    """Return (SQL condition on a grid_code column named g, parameters) for the grids inside ``unit``."""
    if unit["level"] == "city":
        return "g IS NOT NULL", []
    if unit["level"] == "grid":
        return "g = ?", [unit["code"]]
    return (f"g IN (SELECT code FROM admin_units WHERE level = 'grid' AND {ANCESTOR_COLUMN[unit['level']]} = ?)",
            [unit["code"]])


def unit_events(con: duckdb.DuckDBPyConnection, unit: dict, until_s: int, days: int = EVENT_DAYS,
                limit: int = EVENT_LIMIT) -> pd.DataFrame:
    """Return the unit's cases received in the ``days`` before ``until_s``, newest first, with
    personal data masked."""
    condition, params = _grid_filter(unit)
    frame = con.execute(f"""
        SELECT e.event_id, e.source, e.category_code, c.name_zh AS category_zh, c.name_en AS category_en,
               e.status, e.grid_code, e.received_at, e.due_at, e.closed_at, e.handling_level, e.department,
               e.description, e.caller_name, e.caller_phone
        FROM (SELECT *, grid_code AS g FROM events) e
        LEFT JOIN event_categories c ON c.code = e.category_code
        WHERE {condition} AND e.received_at > ? AND e.received_at <= ?
        ORDER BY e.received_at DESC, e.event_id LIMIT ?""",
        params + [_utc(until_s - days * 86_400), _utc(until_s), limit]).df()
    return mask_frame(frame)


def unit_sensors(con: duckdb.DuckDBPyConnection, unit: dict, until_s: int, hours: int = SENSOR_HOURS) -> pd.DataFrame:
    """Return the sensors inside the unit with each metric's latest reading in the ``hours`` before
    ``until_s`` (sensors that did not report have no reading columns)."""
    condition, params = _grid_filter(unit)
    return con.execute(f"""
        WITH s AS (SELECT sensor_id, kind, name_zh, name_en, grid_code FROM (SELECT *, grid_code AS g FROM sensors)
                   WHERE {condition} AND (retired_at IS NULL OR retired_at > ?)),
             r AS (SELECT sensor_id, metric, arg_max(value, ts) AS value, max(ts) AS ts,
                          arg_max(quality, ts) AS quality
                   FROM readings WHERE ts > ? AND ts <= ? AND sensor_id IN (SELECT sensor_id FROM s)
                   GROUP BY sensor_id, metric)
        SELECT s.sensor_id, s.kind, s.name_zh, s.name_en, s.grid_code, r.metric, r.value, r.ts, r.quality
        FROM s LEFT JOIN r USING (sensor_id)
        ORDER BY s.sensor_id, r.metric""",
        params + [_utc(until_s), _utc(until_s - hours * 3600), _utc(until_s)]).df()
