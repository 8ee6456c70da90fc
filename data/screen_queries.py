"""What the wall screen (/screen) reads: headline figures with their trends, the map's layers,
the newest events, active alerts, sensors now and the age of every source's newest data.

Each function is one small query over the store with bound parameters; results are fetched
whole. Today's headline figures compare "today so far" with the same hours yesterday and with
the mean of the same hours on the 7 previous days. Each figure counts an event on the day of
one of its instants (received, resolved or closed), so the query reads only the last eight
days of each instant, which DuckDB's zone maps find without scanning older rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from data.demo.clock import DAY_S, local_midnight_s
from data.privacy import mask_text
from data.today import cases_by_district
from indicators import aqi

TREND_DAYS = 7                          # the 7-day average: the same hours on the 7 previous days
ACTIVE_STATES = ("firing", "recovering")
OPEN_STATES = ("pending", "firing", "recovering")
SEVERITY_RANK = {"blue": 1, "yellow": 2, "orange": 3, "red": 4}
AIR_KINDS = ("air_national", "air_micro")
AIR_KEYS = {"so2": "so2_1h", "no2": "no2_1h", "co": "co_1h", "o3": "o3_1h", "pm10": "pm10_1h", "pm25": "pm25_1h"}
# A source is stale when its newest data is older than this (events arrive unevenly by channel).
EVENT_STALE_S = {"hotline_12345": 1800, "police_110": 3600, "grid_report": 7200, "city_app": 3 * 3600,
                 "petition": 12 * 3600, "enterprise": 12 * 3600}
INDICATOR_STALE_S = 600                 # the indicator refresh runs every minute
FRESHNESS_LOOKBACK_S = 3 * DAY_S        # older than this shows as "over 3 days"
CONGESTED_KMH = 20.0                    # a road segment below this speed is congested


@dataclass(frozen=True)
class Kpi:
    """One headline figure: today so far, the same hours yesterday, the 7-day mean of those hours."""

    key: str
    today: float | None
    yesterday: float | None
    avg_7d: float | None
    kind: str                           # count or share (0..1)


def utc(epoch_s: float) -> datetime:
    """Return an epoch instant as an aware UTC datetime (a bound parameter for TIMESTAMPTZ)."""
    return datetime.fromtimestamp(epoch_s, timezone.utc)


def _spans(now_s: int, tz: str) -> pd.DataFrame:
    """Return (k, midnight, now) for today (k = 0) and the same hours on the 7 days before."""
    rows = []
    for k in range(TREND_DAYS + 1):
        shifted = now_s - k * DAY_S
        rows.append((k, utc(local_midnight_s(shifted, tz)), utc(shifted)))
    return pd.DataFrame(rows, columns=["k", "mid", "upto"])


def headline_kpis(con: duckdb.DuckDBPyConnection, now_s: int, tz: str) -> dict[str, Kpi]:
    """Return today's headline figures with yesterday's and the 7-day mean for the same hours."""
    spans = _spans(now_s, tz)
    frame = con.execute(
        """WITH spans AS (SELECT unnest($k) AS k, unnest($mid) AS mid, unnest($upto) AS upto),
           received AS (
             SELECT s.k, count(*) AS received, count(*) FILTER (WHERE e.closed_at <= s.upto) AS closed_same_day,
                    count(*) FILTER (WHERE e.source = 'hotline_12345') AS hotline,
                    count(*) FILTER (WHERE e.source = 'grid_report') AS grid_reported
             FROM events e JOIN spans s ON e.received_at >= s.mid AND e.received_at <= s.upto
             WHERE e.received_at >= $oldest AND e.received_at <= $now GROUP BY s.k),
           closed AS (
             SELECT s.k, count(*) FILTER (WHERE e.source = 'grid_report') AS grid_closed,
                    count(*) FILTER (WHERE e.satisfaction IS NOT NULL) AS rated,
                    count(*) FILTER (WHERE e.satisfaction >= 4) AS satisfied
             FROM events e JOIN spans s ON e.closed_at >= s.mid AND e.closed_at <= s.upto
             WHERE e.closed_at >= $oldest AND e.closed_at <= $now GROUP BY s.k),
           resolved AS (
             SELECT s.k, count(*) AS resolved,
                    count(*) FILTER (WHERE e.due_at IS NULL OR e.resolved_at <= e.due_at) AS resolved_on_time
             FROM events e JOIN spans s ON e.resolved_at >= s.mid AND e.resolved_at <= s.upto
             WHERE e.resolved_at >= $oldest AND e.resolved_at <= $now GROUP BY s.k)
           SELECT * FROM spans LEFT JOIN received USING (k) LEFT JOIN closed USING (k) LEFT JOIN resolved USING (k)""",
        {"now": utc(now_s), "oldest": spans["mid"].min(), "k": spans["k"].tolist(),
         "mid": spans["mid"].tolist(), "upto": spans["upto"].tolist()},
    ).df()
    by_k = frame.set_index("k").reindex(range(TREND_DAYS + 1)).drop(columns=["mid", "upto"]).fillna(0)
    days = {column: [float(v) for v in by_k[column]] for column in by_k.columns}      # index k = days ago
    figures = {
        "hotline": ("hotline", None, "count"),
        "grid_reported": ("grid_reported", None, "count"),
        "grid_closed": ("grid_closed", None, "count"),
        "ontime_rate": ("resolved_on_time", "resolved", "share"),
        "satisfaction": ("satisfied", "rated", "share"),
    }
    return {key: _kpi(key, days[num], days[den] if den else None, kind) for key, (num, den, kind) in figures.items()}


def _kpi(key: str, numerator: list[float], denominator: list[float] | None, kind: str) -> Kpi:
    """Return a Kpi from per-day numerators (and denominators: ratios are summed, then divided)."""
    def value(first: int, last: int) -> float | None:
        num = sum(numerator[first:last + 1])
        if denominator is None:
            return num / (last - first + 1)
        den = sum(denominator[first:last + 1])
        return num / den if den else None
    return Kpi(key, value(0, 0), value(1, 1), value(1, TREND_DAYS), kind)


def indicator_kpi(con: duckdb.DuckDBPyConnection, key: str, indicator_id: str, now_s: int, scale: float = 1.0) -> Kpi:
    """Return a city indicator's latest value as a Kpi, compared with its hourly snapshots of the
    same hour yesterday and on the 7 previous days (None where the history does not hold them)."""
    rows = con.execute(
        """WITH days AS (SELECT unnest(range(1, $days + 1)) AS k)
           SELECT 0 AS k, v.value FROM indicator_latest v JOIN admin_units u ON u.code = v.unit_code
           WHERE u.level = 'city' AND v.indicator_id = $id
           UNION ALL
           SELECT d.k, arg_min(h.value, abs(epoch(h.as_of) - ($now - d.k * 86400))) FROM days d
           JOIN indicator_history h ON h.indicator_id = $id
            AND h.as_of BETWEEN to_timestamp($now - d.k * 86400 - 1800) AND to_timestamp($now - d.k * 86400 + 1800)
           JOIN admin_units u ON u.code = h.unit_code AND u.level = 'city'
           GROUP BY d.k""", {"days": TREND_DAYS, "id": indicator_id, "now": now_s}).fetchall()
    by_k = {int(k): float(v) / scale for k, v in rows if v is not None}
    week = [by_k[k] for k in range(1, TREND_DAYS + 1) if k in by_k]
    return Kpi(key, by_k.get(0), by_k.get(1), sum(week) / len(week) if week else None, "share")


def alert_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Return the number of active (firing or recovering) alerts per severity."""
    rows = con.execute("SELECT severity, count(*) FROM alerts WHERE state IN (SELECT unnest($states)) GROUP BY severity",
                       {"states": list(ACTIVE_STATES)}).fetchall()
    counts = {severity: 0 for severity in SEVERITY_RANK}
    counts.update({severity: int(n) for severity, n in rows})
    return counts


def open_alerts(con: duckdb.DuckDBPyConnection, limit: int = 12) -> pd.DataFrame:
    """Return the open alerts, most severe and newest first, with the unit's name."""
    return con.execute(
        """SELECT a.alert_id, a.indicator_id, a.unit_code, u.name_zh AS unit_zh, u.name_en AS unit_en, a.level,
                  a.state, a.severity, a.value, a.threshold, epoch(a.started_at)::BIGINT AS started_s,
                  epoch(a.fired_at)::BIGINT AS fired_s
           FROM alerts a LEFT JOIN admin_units u ON u.code = a.unit_code
           WHERE a.state IN (SELECT unnest($states))
           ORDER BY CASE a.severity WHEN 'red' THEN 0 WHEN 'orange' THEN 1 WHEN 'yellow' THEN 2 ELSE 3 END,
                    CASE a.state WHEN 'pending' THEN 1 ELSE 0 END, coalesce(a.fired_at, a.started_at) DESC, a.alert_id
           LIMIT $limit""",
        {"states": list(OPEN_STATES), "limit": limit}).df()


def grid_alert_severity(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every grid with the rank (0 none … 4 red) of the worst active alert on it, its community or street."""
    return con.execute(
        """WITH active AS (
             SELECT unit_code, max(CASE severity WHEN 'red' THEN 4 WHEN 'orange' THEN 3 WHEN 'yellow' THEN 2
                                                 WHEN 'blue' THEN 1 ELSE 0 END) AS rank
             FROM alerts WHERE state IN (SELECT unnest($states)) GROUP BY unit_code)
           SELECT g.code, greatest(coalesce(a.rank, 0), coalesce(c.rank, 0), coalesce(s.rank, 0)) AS rank
           FROM admin_units g
           LEFT JOIN active a ON a.unit_code = g.code
           LEFT JOIN active c ON c.unit_code = g.community_code
           LEFT JOIN active s ON s.unit_code = g.street_code
           WHERE g.level = 'grid' ORDER BY g.code""",
        {"states": list(ACTIVE_STATES)}).df()


def grid_values(con: duckdb.DuckDBPyConnection, indicator_id: str) -> pd.DataFrame:
    """Return every grid with the latest value of one indicator (NaN where it has none)."""
    return con.execute(
        """SELECT g.code, v.value FROM admin_units g
           LEFT JOIN indicator_latest v ON v.unit_code = g.code AND v.indicator_id = $id
           WHERE g.level = 'grid' ORDER BY g.code""", {"id": indicator_id}).df()


def city_values(con: duckdb.DuckDBPyConnection, indicator_ids: list[str]) -> dict[str, float | None]:
    """Return the city-level latest value of each indicator (None where it has none)."""
    rows = con.execute(
        """SELECT v.indicator_id, v.value FROM indicator_latest v JOIN admin_units u ON u.code = v.unit_code
           WHERE u.level = 'city' AND v.indicator_id IN (SELECT unnest($ids))""", {"ids": indicator_ids}).fetchall()
    found = {i: (None if v is None else float(v)) for i, v in rows}
    return {i: found.get(i) for i in indicator_ids}


def recent_events(con: duckdb.DuckDBPyConnection, now_s: int, window_s: int = 3600) -> pd.DataFrame:
    """Return the events received in the last ``window_s`` seconds with coordinates, newest first."""
    return con.execute(
        """SELECT source, category_code, lon, lat, epoch(received_at)::BIGINT AS received_s
           FROM events WHERE received_at > $since AND received_at <= $now AND lon IS NOT NULL AND lat IS NOT NULL
           ORDER BY received_at DESC""", {"since": utc(now_s - window_s), "now": utc(now_s)}).df()


def newest_events(con: duckdb.DuckDBPyConnection, now_s: int, limit: int = 12) -> pd.DataFrame:
    """Return the newest events for the ticker: category, unit, time, status, a masked description."""
    frame = con.execute(
        """SELECT e.source, e.event_id, e.category_code, c.name_zh AS category_zh, c.name_en AS category_en,
                  coalesce(m.name_zh, g.name_zh) AS unit_zh, coalesce(m.name_en, g.name_en) AS unit_en,
                  epoch(e.received_at)::BIGINT AS received_s, e.status, e.description, e.caller_name
           FROM events e
           LEFT JOIN event_categories c ON c.code = e.category_code
           LEFT JOIN admin_units g ON g.code = e.grid_code
           LEFT JOIN admin_units m ON m.code = g.community_code
           WHERE e.received_at > $since AND e.received_at <= $now
           ORDER BY e.received_at DESC, e.event_id LIMIT $limit""",
        {"since": utc(now_s - DAY_S), "now": utc(now_s), "limit": limit}).df()
    frame["description"] = [mask_text(d if isinstance(d, str) else None, (n,) if isinstance(n, str) else ())
                            for d, n in zip(frame["description"], frame["caller_name"])]
    return frame.drop(columns="caller_name")


def air_by_station(con: duckdb.DuckDBPyConnection, now_s: int, tz: str) -> pd.DataFrame:
    """Return each air station's hourly AQI from its latest hour within 3 hours (national and micro)."""
    readings = con.execute(
        """WITH latest AS (
             SELECT r.sensor_id, max(r.ts) AS ts FROM readings r JOIN sensors s USING (sensor_id)
             WHERE s.kind IN (SELECT unnest($kinds)) AND r.ts <= $now AND r.ts > $since GROUP BY r.sensor_id)
           SELECT s.sensor_id, s.kind, s.name_zh, s.name_en, s.lon, s.lat, r.ts, r.metric, r.value
           FROM readings r JOIN latest l ON l.sensor_id = r.sensor_id AND l.ts = r.ts JOIN sensors s ON s.sensor_id = r.sensor_id
           WHERE r.quality = 'ok' AND r.value IS NOT NULL""",
        {"kinds": list(AIR_KINDS), "now": utc(now_s), "since": utc(now_s - 3 * 3600)}).df()
    columns = ["sensor_id", "kind", "name_zh", "name_en", "lon", "lat", "ts"]
    wide = readings.pivot_table(index=columns, columns="metric", values="value", aggfunc="first").reset_index()
    rows = []
    for record in wide.to_dict("records"):
        values = {AIR_KEYS[m]: float(record[m]) for m in AIR_KEYS if m in record and pd.notna(record[m])}
        result = aqi.aqi(values, on=record["ts"].to_pydatetime().astimezone(ZoneInfo(tz)).date(), mode="hourly")
        rows.append([record[c] for c in columns[:-1]] + [result.aqi, result.color, result.category, result.category_en])
    return pd.DataFrame(rows, columns=["sensor_id", "kind", "name_zh", "name_en", "lon", "lat", "aqi", "color",
                                       "category_zh", "category_en"])


def road_speeds(con: duckdb.DuckDBPyConnection, now_s: int) -> pd.DataFrame:
    """Return each road segment's latest speed within the last hour, slowest first."""
    return con.execute(
        """SELECT s.sensor_id, s.name_zh, s.name_en, s.lon, s.lat, arg_max(r.value, r.ts) AS speed_kmh
           FROM readings r JOIN sensors s USING (sensor_id)
           WHERE s.kind = 'traffic' AND r.metric = 'speed_kmh' AND r.quality = 'ok' AND r.value IS NOT NULL
             AND r.ts <= $now AND r.ts > $since
           GROUP BY ALL ORDER BY speed_kmh, s.sensor_id""", {"now": utc(now_s), "since": utc(now_s - 3600)}).df()


def crowd_hotspots(con: duckdb.DuckDBPyConnection, limit: int = 5) -> pd.DataFrame:
    """Return the grids with the most people per km² in the last hour, with their people count."""
    return con.execute(
        """SELECT d.unit_code AS code, u.name_zh, u.name_en, c.name_zh AS community_zh, c.name_en AS community_en,
                  d.value AS per_km2, p.value AS people
           FROM indicator_latest d JOIN admin_units u ON u.code = d.unit_code
           LEFT JOIN admin_units c ON c.code = u.community_code
           LEFT JOIN indicator_latest p ON p.unit_code = d.unit_code AND p.indicator_id = 'crowding.people.sum.last_hour'
           WHERE d.indicator_id = 'crowding.people.per_km2.last_hour' AND d.level = 'grid' AND d.value IS NOT NULL
           ORDER BY d.value DESC, d.unit_code LIMIT $limit""", {"limit": limit}).df()


def top_categories_today(con: duckdb.DuckDBPyConnection, now_s: int, tz: str, source: str | None,
                         limit: int = 6) -> pd.DataFrame:
    """Return today's most frequent event categories (of one source, or all)."""
    return con.execute(
        """SELECT e.category_code, c.name_zh, c.name_en, count(*) AS n
           FROM events e LEFT JOIN event_categories c ON c.code = e.category_code
           WHERE e.received_at >= $mid AND e.received_at <= $now AND ($source IS NULL OR e.source = $source)
           GROUP BY ALL ORDER BY n DESC, e.category_code LIMIT $limit""",
        {"mid": utc(local_midnight_s(now_s, tz)), "now": utc(now_s), "source": source, "limit": limit}).df()


def districts_today(con: duckdb.DuckDBPyConnection, now_s: int, tz: str, source: str) -> pd.DataFrame:
    """Return per district: cases of one source received and closed today, and open overdue now."""
    return cases_by_district(con, utc(local_midnight_s(now_s, tz)), utc(now_s), source)


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


def newest_data(con: duckdb.DuckDBPyConnection, now_s: int, family: str) -> pd.DataFrame:
    """Return the newest instant of each source of one family (events, sensors or indicators)."""
    params = {} if family == "indicators" else {"since": utc(now_s - FRESHNESS_LOOKBACK_S), "now": utc(now_s)}
    return con.execute(NEWEST_SQL[family], params).df()


def freshness(con: duckdb.DuckDBPyConnection | None, now_s: int, newest: list[pd.DataFrame] | None = None) -> pd.DataFrame:
    """Return per source (event channel, sensor kind, indicators) the age of its newest data and whether it is stale.

    ``newest`` are the ``newest_data`` frames of the three families when the caller already read them."""
    if newest is None:
        newest = [newest_data(con, now_s, family) for family in NEWEST_SQL]
    frame = pd.concat([f.astype({"newest_s": "float64", "interval_s": "float64"}) for f in newest], ignore_index=True)
    frame = frame[frame["newest_s"].notna() | (frame["family"] != "indicators")]
    frame["age_s"] = (now_s - frame["newest_s"]).clip(lower=0)
    frame["stale_after_s"] = [_stale_after(f, n, i) for f, n, i in zip(frame["family"], frame["name"], frame["interval_s"])]
    frame["stale"] = frame["age_s"].isna() | (frame["age_s"] > frame["stale_after_s"])
    known = pd.DataFrame({"family": "events", "name": list(EVENT_STALE_S)})
    missing = known[~known["name"].isin(frame["name"])].assign(newest_s=None, interval_s=None, age_s=None,
                                                                stale_after_s=None, stale=True)
    return pd.concat([frame, missing], ignore_index=True).sort_values(["family", "name"], ignore_index=True)


def _stale_after(family: str, name: str, interval_s) -> float:
    """Return after how many seconds a source's newest data counts as stale."""
    if family == "events":
        return float(EVENT_STALE_S.get(name, 6 * 3600))
    if family == "sensors":
        return max(2.0 * float(interval_s), 3600.0)
    return float(INDICATOR_STALE_S)
