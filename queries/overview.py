"""Today's city figures, read straight from the store for the overview page.

"Today" is the city's local day up to ``now``. A case is overdue when it is not resolved
(the owner's answer, 办结答复) by its due time; closing follows the citizen's confirmation.
A void case (cancelled or merged, data/statuses.py) counts as received and nowhere else.
All times and codes are bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from data.clock import local_datetime, local_midnight_s, utc
from data.levels import ANCESTOR_COLUMN, child_level, store_levels
from data.statuses import void_sql
from indicators import aqi
from queries.reads import reads

_LIVE = f"NOT {void_sql('$now')}"              # not void at $now
_LIVE_E = f"NOT {void_sql('$now', 'e.')}"
AIR_KEYS = {"so2": "so2_1h", "no2": "no2_1h", "co": "co_1h", "o3": "o3_1h", "pm10": "pm10_1h", "pm25": "pm25_1h"}


@dataclass(frozen=True)
class AirNow:
    """The city's latest hourly AQI from the national stations."""

    hour: datetime | None
    stations: int
    result: aqi.AqiResult


@dataclass(frozen=True)
class TodayFigures:
    """What the overview page shows, computed for one instant."""

    now: datetime
    day_start: datetime
    received: int
    closed: int
    open_overdue: int
    received_30d: int              # cases received in the last 30 days, void ones aside ...
    closed_30d: int                # ... and how many of them are closed
    sensors_total: int
    sensors_reporting: int
    air: AirNow
    by_source: pd.DataFrame        # source, channel_zh, channel_en, received, closed
    by_hour: pd.DataFrame          # hour, today, yesterday (received per local hour)
    by_district: pd.DataFrame      # code, name_zh, name_en, received, closed, open_overdue
    by_street: pd.DataFrame        # code, name_zh, name_en, population, received, per_10k

    @property
    def closure_rate(self) -> float | None:
        """Return closed / received over the last 30 days' cases, as centers publish it (办结率)."""
        return self.closed_30d / self.received_30d if self.received_30d else None

    @property
    def reporting_share(self) -> float | None:
        """Return the share of active sensors that reported recently."""
        return self.sensors_reporting / self.sensors_total if self.sensors_total else None


def city_today(con: duckdb.DuckDBPyConnection, now_s: int, tz: str) -> TodayFigures:
    """Return today's figures for the whole city as of ``now_s``."""
    start_s = local_midnight_s(now_s, tz)
    now, start = utc(now_s), utc(start_s)
    received, closed, overdue, received_30d, closed_30d = _case_counts(con, start, now)
    total, reporting = sensors_reporting(con, now)
    return TodayFigures(
        now=now, day_start=start, received=received, closed=closed, open_overdue=overdue,
        received_30d=received_30d, closed_30d=closed_30d, sensors_total=total, sensors_reporting=reporting,
        air=air_now(con, now, tz), by_source=_by_source(con, start, now),
        by_hour=_by_hour(con, start_s, now_s, tz), by_district=cases_by_district(con, start, now),
        by_street=_by_street(con, start, now),
    )


def _case_counts(con, start: datetime, now: datetime) -> tuple[int, int, int, int, int]:
    row = con.execute(
        f"""SELECT
             count(*) FILTER (WHERE received_at >= $start),
             count(*) FILTER (WHERE closed_at >= $start AND closed_at <= $now AND {_LIVE}),
             count(*) FILTER (WHERE due_at < $now AND (resolved_at IS NULL OR resolved_at > $now) AND {_LIVE}),
             count(*) FILTER (WHERE received_at > $now - INTERVAL 30 DAY AND {_LIVE}),
             count(*) FILTER (WHERE received_at > $now - INTERVAL 30 DAY AND closed_at <= $now AND {_LIVE})
           FROM events WHERE received_at <= $now""",
        {"start": start, "now": now},
    ).fetchone()
    return tuple(int(v) for v in row)


def sensors_reporting(con, now: datetime) -> tuple[int, int]:
    """Return (active sensors, those with a reading within twice their cadence, at least 1 h)."""
    row = con.execute(
        """WITH recent AS (
             SELECT sensor_id, max(ts) AS last_ts FROM readings
             WHERE ts <= $now AND ts > $now - INTERVAL 1 DAY GROUP BY sensor_id)
           SELECT count(*),
                  count(*) FILTER (WHERE r.last_ts > $now - to_minutes(greatest(2 * s.interval_min, 60)))
           FROM sensors s LEFT JOIN recent r USING (sensor_id)
           WHERE (s.installed_at IS NULL OR s.installed_at <= $now)
             AND (s.retired_at IS NULL OR s.retired_at > $now)""",
        {"now": now},
    ).fetchone()
    return int(row[0]), int(row[1])


@reads("readings", "geometry")
def air_now(con, now: datetime, tz: str) -> AirNow:
    """Return the AQI of the latest hour with national-station data (city mean per pollutant)."""
    frame = con.execute(
        """WITH latest AS (
             SELECT max(r.ts) AS ts FROM readings r JOIN sensors s USING (sensor_id)
             WHERE s.kind = 'air_national' AND r.ts <= $now AND r.ts > $now - INTERVAL 6 HOUR)
           SELECT r.ts, r.metric, avg(r.value) AS value, count(DISTINCT r.sensor_id) AS stations
           FROM readings r JOIN sensors s USING (sensor_id) JOIN latest ON r.ts = latest.ts
           WHERE s.kind = 'air_national' AND r.quality = 'ok' AND r.value IS NOT NULL
           GROUP BY r.ts, r.metric""",
        {"now": now},
    ).df()
    if frame.empty:
        return AirNow(None, 0, aqi.aqi({}))
    values = {AIR_KEYS[m]: float(v) for m, v in zip(frame["metric"], frame["value"]) if m in AIR_KEYS}
    hour = frame["ts"].iloc[0].to_pydatetime()
    on = hour.astimezone(ZoneInfo(tz)).date()      # the standard in force is chosen by the data's date
    return AirNow(hour, int(frame["stations"].max()), aqi.aqi(values, on=on, mode="hourly"))


def _by_source(con, start: datetime, now: datetime) -> pd.DataFrame:
    return con.execute(
        f"""SELECT source, coalesce(ch.name_zh, source) AS channel_zh, coalesce(ch.name_en, source) AS channel_en,
                  count(*) FILTER (WHERE received_at >= $start) AS received,
                  count(*) FILTER (WHERE closed_at >= $start AND closed_at <= $now AND {_LIVE}) AS closed
           FROM events LEFT JOIN channels ch ON ch.code = events.source
           WHERE received_at <= $now AND (received_at >= $start OR closed_at >= $start)
           GROUP BY ALL ORDER BY received DESC, source""",
        {"start": start, "now": now},
    ).df()


def _by_hour(con, start_s: int, now_s: int, tz: str) -> pd.DataFrame:
    """Return cases received per local hour of the day, today (up to now) and yesterday: the hour is
    read off the city's wall clock, so a 23- or 25-hour day (DST) still fills hours 0 to 23."""
    yesterday_s = local_midnight_s(start_s - 1, tz)
    counts = con.execute(
        """SELECT received_at >= $start AS today, hour(timezone($tz, received_at)) AS hour, count(*) AS n
           FROM events WHERE received_at >= $yesterday AND received_at <= $now
           GROUP BY ALL""",
        {"start": utc(start_s), "yesterday": utc(yesterday_s), "now": utc(now_s), "tz": tz},
    ).df()
    by_slot = {(bool(today), int(hour)): int(n) for today, hour, n in zip(counts["today"], counts["hour"], counts["n"])}
    hours = range(24)
    now_hour = local_datetime(now_s, tz).hour
    return pd.DataFrame({
        "hour": list(hours),
        "today": [by_slot.get((True, h), 0) if h <= now_hour else None for h in hours],
        "yesterday": [by_slot.get((False, h), 0) for h in hours],
    })


def cases_by_district(con, start: datetime, now: datetime, channel: str | None = None) -> pd.DataFrame:
    """Return per district (per unit of the first level below the city: a city without districts, such
    as San Francisco's neighbourhoods, ranks those): cases (of the channels of one role, or all)
    received and closed since ``start``, and open overdue at ``now``; ``level`` names the level."""
    level = child_level("city", store_levels(con)) or "city"
    ancestor = ANCESTOR_COLUMN.get(level, "code")
    return con.execute(
        f"""SELECT d.code, d.name_zh, d.name_en, d.level,
                  count(e.event_id) FILTER (WHERE e.received_at >= $start) AS received,
                  count(e.event_id) FILTER (WHERE e.closed_at >= $start AND e.closed_at <= $now AND {_LIVE_E}) AS closed,
                  count(e.event_id) FILTER (WHERE e.due_at < $now AND (e.resolved_at IS NULL OR e.resolved_at > $now)
                                            AND {_LIVE_E}) AS open_overdue
           FROM admin_units d
           LEFT JOIN admin_units g ON g.{ancestor} = d.code AND g.level = 'grid'
           LEFT JOIN events e ON e.grid_code = g.code AND e.received_at <= $now
                AND ($channel IS NULL OR e.source IN (SELECT code FROM channels WHERE role = $channel))
                AND (e.received_at >= $start OR e.closed_at IS NULL OR e.closed_at >= $start
                     OR e.resolved_at IS NULL OR e.resolved_at > $now)
           WHERE d.level = $level
           GROUP BY d.code, d.name_zh, d.name_en, d.level ORDER BY d.code""",
        {"start": start, "now": now, "channel": channel, "level": level},
    ).df()


def _by_street(con, start: datetime, now: datetime) -> pd.DataFrame:
    return con.execute(
        """WITH counts AS (
             SELECT g.street_code AS code, count(*) AS received
             FROM events e JOIN admin_units g ON g.code = e.grid_code
             WHERE e.received_at >= $start AND e.received_at <= $now GROUP BY ALL)
           SELECT s.code, s.name_zh, s.name_en, s.population, coalesce(c.received, 0) AS received,
                  coalesce(c.received, 0) * 10000.0 / nullif(s.population, 0) AS per_10k
           FROM admin_units s LEFT JOIN counts c USING (code)
           WHERE s.level = 'street' ORDER BY s.code""",
        {"start": start, "now": now},
    ).df()
