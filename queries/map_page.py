"""What the analysts' map reads about units: values at a level, lineage, ranks, series, events, sensors.

A unit's members are found through the ancestor codes every row of ``admin_units`` carries
(``district_code``, ``street_code`` …): the units at level M inside unit U of level L are those
with ``<L>_code = U``. Column names come from the fixed table below, never from the caller;
codes, indicator ids and instants are bound parameters. Event rows leave here masked.
"""

from __future__ import annotations


import duckdb
import pandas as pd
import shapely

from access.privacy import mask_frame
from data.text import inert_frame
from data.clock import utc
from data.levels import ANCESTOR_COLUMN, child_level, store_levels
VALUE_COLUMNS = ["code", "name_zh", "name_en", "value", "numerator", "denominator", "baseline", "status", "as_of_s"]
EVENT_DAYS = 7
EVENT_LIMIT = 200
SENSOR_HOURS = 24
SERIES_HOURS = 7 * 24
SERIES_COLUMNS = ["as_of_s", "value", "baseline", "status"]


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


def units_beside(con: duckdb.DuckDBPyConnection, unit: dict | None) -> pd.DataFrame:
    """Return the level above the map: the unit drilled into and the units beside it (same parent),
    or the city; code, names and centre (lon, lat) of each."""
    columns = "code, level, name_zh, name_en, centroid_lon AS lon, centroid_lat AS lat"
    if unit is None or unit["level"] == "city":
        return con.execute(f"SELECT {columns} FROM admin_units WHERE level = 'city' ORDER BY code").df()
    return con.execute(f"SELECT {columns} FROM admin_units WHERE level = ? AND parent_code IS NOT DISTINCT FROM ? "
                       "ORDER BY code", [unit["level"], unit["parent_code"]]).df()


def _members(level: str, within: dict | None) -> tuple[str, list]:
    """Return (SQL condition on admin_units alias u, parameters) for the units at ``level`` inside ``within``."""
    if within is None or within["level"] == "city":
        return "u.level = ?", [level]
    if within["level"] == level:
        return "u.code = ?", [within["code"]]
    return f"u.level = ? AND u.{ANCESTOR_COLUMN[within['level']]} = ?", [level, within["code"]]


VALUE_FIELDS = "value, numerator, denominator, baseline, status, CAST(epoch(as_of) AS BIGINT) AS as_of_s"


def _by_code(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("code")


class StoreValues:
    """Indicator values read from the store on every call (queries.value_cache.ValueCache keeps them
    between calls); each frame holds one indicator's values at every unit, indexed by code."""

    def hours(self, con: duckdb.DuckDBPyConnection) -> list[int]:
        """Return the instants of the stored hourly snapshots, oldest first."""
        return history_hours(con)

    def members(self, con: duckdb.DuckDBPyConnection, level: str, within: dict | None) -> pd.DataFrame:
        """Return the code and names of the units at ``level`` inside ``within`` (None = the city), by code."""
        condition, params = _members(level, within)
        return con.execute(f"SELECT u.code, u.name_zh, u.name_en FROM admin_units u WHERE {condition} ORDER BY u.code",
                           params).df()

    def values(self, con: duckdb.DuckDBPyConnection, indicator_id: str, as_of_s: int | None) -> pd.DataFrame:
        """Return the indicator's values at the history hour ``as_of_s`` (None = the latest)."""
        if as_of_s is None:
            sql, params = f"SELECT unit_code AS code, {VALUE_FIELDS} FROM indicator_latest WHERE indicator_id = ?", []
        else:
            sql = f"SELECT unit_code AS code, {VALUE_FIELDS} FROM indicator_history_all WHERE as_of = ? AND indicator_id = ?"
            params = [utc(as_of_s)]
        return _by_code(con.execute(sql, params + [indicator_id]).df())

    def snapshots(self, con: duckdb.DuckDBPyConnection, indicator_id: str, hours: list[int]) -> dict[int, pd.DataFrame]:
        """Return {hour: the indicator's values at that hour} for the given history hours (one scan
        of the hours' time range: snapshots are stored in time order, so the rest is skipped)."""
        if not hours:
            return {}
        frame = con.execute(f"""SELECT unit_code AS code, {VALUE_FIELDS} FROM indicator_history_all
                                WHERE as_of >= ? AND as_of <= ? AND indicator_id = ?""",
                            [utc(min(hours)), utc(max(hours)), indicator_id]).df()
        groups = dict(tuple(frame.groupby("as_of_s", sort=False)))
        empty = frame.iloc[:0]
        return {h: _by_code(groups.get(h, empty)) for h in hours}


STORE = StoreValues()


def unit_values(con: duckdb.DuckDBPyConnection, indicator_id: str, level: str, within: dict | None,
                as_of_s: int | None = None, source: StoreValues = STORE) -> pd.DataFrame:
    """Return every unit at ``level`` inside ``within`` (None = the city) with the indicator's value
    and status at the history hour ``as_of_s`` (None = the latest); units without a value get NaN
    and status ``no_data``."""
    members = source.members(con, level, within)
    values = source.values(con, indicator_id, as_of_s)
    frame = members.join(values, on="code").reindex(columns=VALUE_COLUMNS)
    frame["status"] = frame["status"].fillna("no_data")
    return frame


def unit_value(con: duckdb.DuckDBPyConnection, indicator_id: str, unit: dict, as_of_s: int | None = None,
               source: StoreValues = STORE) -> dict:
    """Return one unit's value row (as unit_values) as a dict."""
    frame = unit_values(con, indicator_id, unit["level"], unit, as_of_s, source)
    return frame.iloc[0].to_dict() if len(frame) else {}


def sibling_rank(con: duckdb.DuckDBPyConnection, indicator_id: str, unit: dict,
                 as_of_s: int | None = None, source: StoreValues = STORE) -> tuple[int | None, int]:
    """Return (rank by value, highest first; number of siblings with the unit) among the units
    sharing its parent; rank is None when the unit has no value."""
    parent = None if unit["parent_code"] is None else unit_row(con, unit["parent_code"])
    frame = unit_values(con, indicator_id, unit["level"], parent, as_of_s, source)
    ranks = frame["value"].rank(ascending=False, method="min")
    mine = ranks[frame["code"] == unit["code"]]
    rank = None if mine.empty or pd.isna(mine.iloc[0]) else int(mine.iloc[0])
    return rank, len(frame)


def top_children(con: duckdb.DuckDBPyConnection, indicator_id: str, unit: dict, as_of_s: int | None = None,
                 limit: int = 5, source: StoreValues = STORE, levels: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Return the unit's children (units of the next of the store's ``levels``, read when not given) with
    the highest values (as unit_values), highest first."""
    below = child_level(unit["level"], store_levels(con) if levels is None else levels)
    if below is None:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    frame = unit_values(con, indicator_id, below, unit, as_of_s, source)
    return frame.dropna(subset=["value"]).sort_values(["value", "code"], ascending=[False, True]).head(limit)


def history_hours(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Return the instants (epoch s) of the stored hourly snapshots, oldest first (a snapshot covers
    the whole catalog)."""
    rows = con.execute("SELECT DISTINCT CAST(epoch(as_of) AS BIGINT) FROM indicator_history_all ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def series_hours(hours: list[int], at_s: int | None, span: int = SERIES_HOURS) -> tuple[list[int], bool]:
    """Return (the history hours a series shows, whether it ends with the latest value): the last
    ``span`` hours and the latest, or the ``span`` hours up to an earlier hour shown."""
    if at_s is None or at_s not in hours or hours.index(at_s) >= len(hours) - span:
        return hours[-span:], True
    end = hours.index(at_s) + 1
    return hours[max(end - span, 0):end], False


def unit_series(con: duckdb.DuckDBPyConnection, indicator_id: str, code: str, hours: list[int] | None = None,
                with_latest: bool = True, source: StoreValues = STORE) -> pd.DataFrame:
    """Return the unit's values at the history ``hours`` (None = every stored hour), with the latest
    value appended: as_of_s, value, baseline, status, oldest first."""
    hours = source.hours(con) if hours is None else hours
    frames = list(source.snapshots(con, indicator_id, hours).values())
    if with_latest:
        frames.append(source.values(con, indicator_id, None))
    rows = [row for row in (_series_row(f, code) for f in frames) if row is not None]
    series = pd.DataFrame(rows, columns=SERIES_COLUMNS).drop_duplicates("as_of_s")
    return series.sort_values("as_of_s", ignore_index=True)


def _series_row(frame: pd.DataFrame, code: str) -> tuple | None:
    """Return the unit's (as_of_s, value, baseline, status) in a frame of values, or None (by
    position: a label lookup per frame costs more than the rest of the series)."""
    where = frame.index.get_indexer([code])[0]
    return None if where < 0 else tuple(frame[column].iat[where] for column in SERIES_COLUMNS)


def unit_grids(con: duckdb.DuckDBPyConnection, unit: dict) -> list[str] | None:
    """Return the codes of the grids inside the unit (None for the city: every grid)."""
    if unit["level"] == "city":
        return None
    if unit["level"] == "grid":
        return [unit["code"]]
    return [r[0] for r in con.execute(f"SELECT code FROM admin_units WHERE level = 'grid' AND "
                                      f"{ANCESTOR_COLUMN[unit['level']]} = ? ORDER BY code", [unit["code"]]).fetchall()]


def _in_grids(grids: list[str] | None) -> tuple[str, list]:
    """Return (SQL condition on a column grid_code, parameters): inside the grids (None = any grid).
    The grid list is one bound parameter, so the scan filters on it before reading other columns."""
    if grids is None:
        return "grid_code IS NOT NULL", []
    if len(grids) == 1:
        return "grid_code = ?", list(grids)
    return "grid_code IN (SELECT unnest(?::VARCHAR[]))", [grids]


def _received_between(grids: list[str] | None, until_s: int, days: int) -> tuple[str, list]:
    condition, params = _in_grids(grids)
    return (f"{condition} AND received_at > ? AND received_at <= ?",
            params + [utc(until_s - days * 86_400), utc(until_s)])


# The columns of a case the panel shows or masks with: the newest cases are cut from these alone.
EVENT_FIELDS = "event_id, source, category_code, status, grid_code, received_at, due_at, description, caller_name, caller_phone"


def unit_events(con: duckdb.DuckDBPyConnection, unit: dict, until_s: int, days: int = EVENT_DAYS,
                limit: int | None = None, grids: list[str] | None = None) -> pd.DataFrame:
    """Return the unit's newest ``limit`` (default EVENT_LIMIT) cases received in the ``days`` before
    ``until_s``, newest first, times as epoch seconds (received_s, due_s), with personal data masked.
    ``grids`` are the unit's grid codes when the caller has them (unit_grids)."""
    limit = EVENT_LIMIT if limit is None else limit
    condition, params = _received_between(unit_grids(con, unit) if grids is None else grids, until_s, days)
    frame = con.execute(f"""
        SELECT e.event_id, e.source, coalesce(ch.name_zh, e.source) AS channel_zh,
               coalesce(ch.name_en, e.source) AS channel_en, e.category_code, c.name_zh AS category_zh, c.name_en AS category_en,
               e.status, e.grid_code, CAST(epoch(e.received_at) AS BIGINT) AS received_s,
               CAST(epoch(e.due_at) AS BIGINT) AS due_s, e.description, e.caller_name, e.caller_phone
        FROM (SELECT {EVENT_FIELDS} FROM events WHERE {condition} ORDER BY received_at DESC, event_id LIMIT ?) e
        LEFT JOIN event_categories c ON c.code = e.category_code
        LEFT JOIN channels ch ON ch.code = e.source
        ORDER BY e.received_at DESC, e.event_id""", params + [limit]).df()
    return inert_frame(mask_frame(frame))


def count_unit_events(con: duckdb.DuckDBPyConnection, unit: dict, until_s: int, days: int = EVENT_DAYS,
                      grids: list[str] | None = None) -> int:
    """Return how many cases the unit received in the ``days`` before ``until_s``."""
    condition, params = _received_between(unit_grids(con, unit) if grids is None else grids, until_s, days)
    return con.execute(f"SELECT count(*) FROM events WHERE {condition}", params).fetchall()[0][0]


def unit_sensors(con: duckdb.DuckDBPyConnection, unit: dict, until_s: int, hours: int = SENSOR_HOURS,
                 grids: list[str] | None = None) -> pd.DataFrame:
    """Return the sensors inside the unit with each metric's latest reading in the ``hours`` before
    ``until_s`` (sensors that did not report have no reading columns)."""
    condition, params = _in_grids(unit_grids(con, unit) if grids is None else grids)
    return con.execute(f"""
        WITH s AS (SELECT sensor_id, kind, name_zh, name_en, grid_code FROM sensors
                   WHERE {condition} AND (retired_at IS NULL OR retired_at > ?)),
             r AS (SELECT sensor_id, metric, arg_max(value, ts) AS value, max(ts) AS ts,
                          arg_max(quality, ts) AS quality
                   FROM readings WHERE ts > ? AND ts <= ? AND sensor_id IN (SELECT sensor_id FROM s)
                   GROUP BY sensor_id, metric)
        SELECT s.sensor_id, s.kind, s.name_zh, s.name_en, s.grid_code, r.metric, r.value, r.ts, r.quality
        FROM s LEFT JOIN r USING (sensor_id)
        ORDER BY s.sensor_id, r.metric""",
        params + [utc(until_s), utc(until_s - hours * 3600), utc(until_s)]).df()
