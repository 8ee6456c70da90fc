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

# A channel is stale when its newest case is older than this, by its role (cases arrive unevenly by channel);
# a source without a role, after EVENT_STALE_DEFAULT_S.
EVENT_STALE_S = {"hotline": 1800, "police": 3600, "camera": 3600, "grid": 7200, "city_app": 3 * 3600,
                 "petition": 12 * 3600, "enterprise": 12 * 3600}
EVENT_STALE_DEFAULT_S = 6 * 3600
INDICATOR_STALE_S = 600                 # the indicator refresh runs every minute
FRESHNESS_LOOKBACK_S = 3 * DAY_S        # older than this shows as "over 3 days"

NEWEST_SQL = {
    "events": """SELECT 'events' AS family, coalesce(c.code, n.source) AS name, n.newest_s, NULL::DOUBLE AS interval_s,
                        c.role, coalesce(c.name_zh, n.source) AS label_zh, coalesce(c.name_en, n.source) AS label_en
                 FROM channels c FULL JOIN (
                     SELECT source, epoch(max(received_at)) AS newest_s FROM events
                     WHERE received_at > $since AND received_at <= $now GROUP BY source) n ON n.source = c.code""",
    "sensors": """SELECT 'sensors' AS family, s.kind AS name, epoch(max(r.ts)) AS newest_s,
                         max(s.interval_min) * 60.0 AS interval_s
                  FROM readings r JOIN sensors s USING (sensor_id) WHERE r.ts > $since AND r.ts <= $now GROUP BY s.kind""",
    "indicators": """SELECT 'indicators' AS family, 'indicators' AS name, epoch(max(computed_at)) AS newest_s,
                            NULL::DOUBLE AS interval_s FROM indicator_latest""",
}


def _newest(con: duckdb.DuckDBPyConnection, now_s: int, family: str) -> pd.DataFrame:
    params = {} if family == "indicators" else {"since": utc(now_s - FRESHNESS_LOOKBACK_S), "now": utc(now_s)}
    return con.execute(NEWEST_SQL[family], params).df()


@reads("events", "geometry")
def newest_events_by_source(con: duckdb.DuckDBPyConnection, now_s: int) -> pd.DataFrame:
    """Return the newest case instant of each of the city's channels (and of sources without one) within
    the lookback, with the channel's role and names."""
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


FRESHNESS_COLUMNS = ["family", "name", "newest_s", "interval_s", "age_s", "stale_after_s", "stale", "label_zh",
                     "label_en"]


@reads("events", "readings", "geometry", "indicators")
def freshness(con: duckdb.DuckDBPyConnection, now_s: int) -> pd.DataFrame:
    """Return per source (event channel, sensor kind, indicators) the age of its newest data and whether it is
    stale, read from the store."""
    return freshness_of(now_s, [newest_of(con, now_s) for newest_of in NEWEST_OF_FAMILY.values()])


def freshness_of(now_s: int, newest: list[pd.DataFrame]) -> pd.DataFrame:
    """Return the freshness table from the newest instants already read (the frames of NEWEST_OF_FAMILY).

    A channel of the city's profile without data in the lookback is listed as stale with no age."""
    rows = [_freshness_row(r, now_s) for frame in newest for r in frame.to_dict("records")]
    rows = [row for row in rows if row[2] is not None or row[0] != "indicators"]
    rows.sort(key=lambda row: (row[0], row[1]))
    return pd.DataFrame(rows, columns=FRESHNESS_COLUMNS)


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _freshness_row(newest: dict, now_s: int) -> tuple:
    """Return (family, name, newest, interval, age, stale after, stale, label zh, label en) of one source."""
    family, newest_s, interval_s = newest["family"], _number(newest["newest_s"]), _number(newest["interval_s"])
    limit = _stale_after(family, newest.get("role"), interval_s)
    age = None if newest_s is None else max(0.0, now_s - newest_s)
    return (family, newest["name"], newest_s, interval_s, age, limit, age is None or age > limit,
            newest.get("label_zh"), newest.get("label_en"))


def _stale_after(family: str, role: str | None, interval_s) -> float:
    """Return after how many seconds a source's newest data counts as stale (an event channel's by its role)."""
    if family == "events":
        return float(EVENT_STALE_S.get(role, EVENT_STALE_DEFAULT_S))
    if family == "sensors":
        return max(2.0 * float(interval_s), 3600.0)
    return float(INDICATOR_STALE_S)
