"""How fresh each source of the wall screen is: the newest instant of every event channel, sensor kind
and of the indicators, and whether it is stale by that source's own limit.

Each family's newest instants are one query declaring what it reads (``@reads``), so the screen
reads each again only after its own data changed.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from data.clock import DAY_S, utc
from queries.reads import reads

# A source is stale when its newest data is older than this (events arrive unevenly by channel).
EVENT_STALE_S = {"hotline_12345": 1800, "police_110": 3600, "grid_report": 7200, "city_app": 3 * 3600,
                 "petition": 12 * 3600, "enterprise": 12 * 3600}
INDICATOR_STALE_S = 600                 # the indicator refresh runs every minute
FRESHNESS_LOOKBACK_S = 3 * DAY_S        # older than this shows as "over 3 days"

NEWEST_SQL = {
    "events": """SELECT 'events' AS family, source AS name, epoch(max(received_at)) AS newest_s,
                        NULL::DOUBLE AS interval_s
                 FROM events WHERE received_at > $since AND received_at <= $now GROUP BY source""",
    "sensors": """SELECT 'sensors' AS family, s.kind AS name, epoch(max(r.ts)) AS newest_s,
                         max(s.interval_min) * 60.0 AS interval_s
                  FROM readings r JOIN sensors s USING (sensor_id) WHERE r.ts > $since AND r.ts <= $now GROUP BY s.kind""",
    "indicators": """SELECT 'indicators' AS family, 'indicators' AS name, epoch(max(computed_at)) AS newest_s,
                            NULL::DOUBLE AS interval_s FROM indicator_latest""",
}


def _newest(con: duckdb.DuckDBPyConnection, now_s: int, family: str) -> pd.DataFrame:
    params = {} if family == "indicators" else {"since": utc(now_s - FRESHNESS_LOOKBACK_S), "now": utc(now_s)}
    return con.execute(NEWEST_SQL[family], params).df()


@reads("events")
def newest_events_by_source(con: duckdb.DuckDBPyConnection, now_s: int) -> pd.DataFrame:
    """Return the newest case instant of each event channel within the lookback."""
    return _newest(con, now_s, "events")


@reads("readings", "geometry")
def newest_readings_by_kind(con: duckdb.DuckDBPyConnection, now_s: int) -> pd.DataFrame:
    """Return the newest reading instant of each sensor kind within the lookback, with its interval."""
    return _newest(con, now_s, "sensors")


@reads("indicators")
def newest_indicators(con: duckdb.DuckDBPyConnection, now_s: int) -> pd.DataFrame:
    """Return the instant the indicators were last computed."""
    return _newest(con, now_s, "indicators")


NEWEST_OF_FAMILY = {"events": newest_events_by_source, "sensors": newest_readings_by_kind,
                    "indicators": newest_indicators}


FRESHNESS_COLUMNS = ["family", "name", "newest_s", "interval_s", "age_s", "stale_after_s", "stale"]


@reads("events", "readings", "geometry", "indicators")
def freshness(con: duckdb.DuckDBPyConnection, now_s: int) -> pd.DataFrame:
    """Return per source (event channel, sensor kind, indicators) the age of its newest data and whether it is
    stale, read from the store."""
    return freshness_of(now_s, [newest_of(con, now_s) for newest_of in NEWEST_OF_FAMILY.values()])


def freshness_of(now_s: int, newest: list[pd.DataFrame]) -> pd.DataFrame:
    """Return the freshness table from the newest instants already read (the frames of NEWEST_OF_FAMILY).

    A known event channel without data in the lookback is listed as stale with no age."""
    rows = [_freshness_row(r["family"], r["name"], _number(r["newest_s"]), _number(r["interval_s"]), now_s)
            for frame in newest for r in frame.to_dict("records")]
    rows = [row for row in rows if row[2] is not None or row[0] != "indicators"]
    seen = {row[1] for row in rows}
    rows += [("events", name, None, None, None, None, True) for name in EVENT_STALE_S if name not in seen]
    rows.sort(key=lambda row: (row[0], row[1]))
    return pd.DataFrame(rows, columns=FRESHNESS_COLUMNS)


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _freshness_row(family: str, name: str, newest_s: float | None, interval_s: float | None, now_s: int) -> tuple:
    """Return (family, name, newest, interval, age, stale after, stale) of one source."""
    limit = _stale_after(family, name, interval_s)
    age = None if newest_s is None else max(0.0, now_s - newest_s)
    return family, name, newest_s, interval_s, age, limit, age is None or age > limit


def _stale_after(family: str, name: str, interval_s) -> float:
    """Return after how many seconds a source's newest data counts as stale."""
    if family == "events":
        return float(EVENT_STALE_S.get(name, 6 * 3600))
    if family == "sensors":
        return max(2.0 * float(interval_s), 3600.0)
    return float(INDICATOR_STALE_S)
