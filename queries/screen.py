"""What the wall screen (/screen) reads: headline figures with their trends, the map's layers,
the newest events, active alerts, sensors now and the age of every source's newest data.

Each function is one small query over the store with bound parameters; results are fetched
whole. Today's headline figures compare "today so far" with the same hours yesterday and with
the mean of the same hours on the 7 previous days. Each query declares the families of data it
reads (``@reads``, queries/reads.py), so the screen's cache knows when to read it again. Each figure counts an event on the day of
one of its instants (received, resolved or closed): the instants of today and of the 7 days
before are read apart (DuckDB's zone maps find them without scanning older rows), so a caller
can keep the previous days' instants, which new data does not change, and read only today's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd

from access.privacy import mask_text
from data.clock import DAY_S, EPOCH, local_midnight_s, same_time_days_before, utc
from data.statuses import VOID_IN
from data.text import inert_frame
from indicators import aqi
from indicators.model import SEVERITIES
from queries.reads import reads
from queries.screen_names import TickerNames, ticker_names

TREND_DAYS = 7                          # the 7-day average: the same hours on the 7 previous days
ACTIVE_STATES = ("firing", "recovering")
OPEN_STATES = ("pending", "firing", "recovering")
AIR_KINDS = ("air_national", "air_micro")
AIR_KEYS = {"so2": "so2_1h", "no2": "no2_1h", "co": "co_1h", "o3": "o3_1h", "pm10": "pm10_1h", "pm25": "pm25_1h"}
CONGESTED_KMH = 20.0                    # a road segment below this speed is congested


@dataclass(frozen=True)
class Kpi:
    """One headline figure: today so far, the same hours yesterday, the 7-day mean of those hours."""

    key: str
    today: float | None
    yesterday: float | None
    avg_7d: float | None
    kind: str                           # count, share (0..1) or few (a handful: compared by difference)


# Each headline count: the instant it is counted at and the flag of the cases it counts (None: every case).
FIGURES = {
    "hotline": ("received", "hotline"),
    "grid_reported": ("received", "grid"),
    "grid_closed": ("closed", "grid"),
    "rated": ("closed", "rated"),
    "satisfied": ("closed", "satisfied"),
    "resolved": ("resolved", None),
    "resolved_on_time": ("resolved", "on_time"),
}
# Each instant is read by its own range scan (a range on one column lets DuckDB's zone maps skip the
# row groups outside it; three ranges joined by OR made every read scan the whole table), with the
# flags the figures counted at that instant take. A void case (cancelled or merged, data/statuses.py)
# is received, never resolved nor closed.
NOT_VOID = f"(status IS NULL OR status NOT IN {VOID_IN})"
INSTANT_SQL = {
    "received": """SELECT epoch_us(received_at) AS received, coalesce(ch.role = 'hotline', false) AS hotline,
                          coalesce(ch.role = 'grid', false) AS grid
                   FROM events LEFT JOIN channels ch ON ch.code = events.source
                   WHERE received_at >= $since AND received_at <= $until""",
    "closed": f"""SELECT epoch_us(closed_at) AS closed, coalesce(ch.role = 'grid', false) AS grid,
                         satisfaction IS NOT NULL AS rated, coalesce(satisfaction >= 4, false) AS satisfied
                  FROM events LEFT JOIN channels ch ON ch.code = events.source
                  WHERE closed_at >= $since AND closed_at <= $until AND {NOT_VOID}""",
    "resolved": f"""SELECT epoch_us(resolved_at) AS resolved,
                           coalesce(due_at IS NULL OR resolved_at <= due_at, false) AS on_time
                    FROM events WHERE resolved_at >= $since AND resolved_at <= $until AND {NOT_VOID}""",
}


@dataclass(frozen=True)
class FigureInstants:
    """The instants (epoch µs, sorted) at which each headline figure counted a case within [first, last]."""

    first_us: int
    last_us: int
    instants: dict[str, np.ndarray]

    def count(self, figure: str, start_us: int, end_us: int) -> int:
        """Return how many of the figure's instants lie within [start_us, end_us]."""
        values = self.instants[figure]
        return int(np.searchsorted(values, end_us, "right") - np.searchsorted(values, start_us, "left"))


def utc_us(epoch_us: int) -> datetime:
    """Return an epoch instant in microseconds as an aware UTC datetime, exactly."""
    return EPOCH + timedelta(microseconds=int(epoch_us))


@reads('events')
def figure_instants(con: duckdb.DuckDBPyConnection, first_us: int, last_us: int) -> FigureInstants:
    """Read every headline figure's instants within [first_us, last_us]."""
    bounds = {"since": utc_us(first_us), "until": utc_us(last_us)}
    read = {instant: {name: np.asarray(values) for name, values in con.execute(sql, bounds).fetchnumpy().items()}
            for instant, sql in INSTANT_SQL.items()}
    instants = {}
    for name, (instant, flag) in FIGURES.items():
        values = read[instant][instant].astype(np.int64)
        chosen = (values >= first_us) & (values <= last_us)
        if flag is not None:
            chosen &= read[instant][flag].astype(bool)
        instants[name] = np.sort(values[chosen])
    return FigureInstants(first_us, last_us, instants)


def day_spans(now_s: int, tz: str) -> list[tuple[int, int, int]]:
    """Return (k, local midnight, instant) in seconds for today (k = 0) and the same local hours on the 7 days
    before (calendar days of the city: a day across a clock change is 23 or 25 hours)."""
    instants = [same_time_days_before(now_s, k, tz) for k in range(TREND_DAYS + 1)]
    return [(k, local_midnight_s(instant, tz), instant) for k, instant in enumerate(instants)]


def past_range(now_s: int, tz: str) -> tuple[int, int]:
    """Return [first, last] µs of the days before today that the trends read: 7 midnights ago until today's."""
    spans = day_spans(now_s, tz)
    return min(mid for _k, mid, _upto in spans) * 1_000_000, spans[0][1] * 1_000_000 - 1


@reads('events')
def past_instants(con: duckdb.DuckDBPyConnection, now_s: int, tz: str) -> FigureInstants:
    """Read the headline figures' instants on the 7 days before today (they change only with late data)."""
    return figure_instants(con, *past_range(now_s, tz))


@reads('events')
def headline_kpis(con: duckdb.DuckDBPyConnection, now_s: int, tz: str,
                  past: FigureInstants | None = None, read_today=None) -> dict[str, Kpi]:
    """Return today's headline figures with yesterday's and the 7-day mean for the same hours.

    Today's instants are read from the store (by ``read_today(con, first_us, last_us)`` when the
    caller keeps them: queries/today_instants.py); the previous days' come from ``past`` when the
    caller keeps them (``past_instants`` of the same day), else they are read too. Each day's count
    is the number of instants within [that day's midnight, the same time of day]."""
    spans = day_spans(now_s, tz)
    today = (read_today or figure_instants)(con, spans[0][1] * 1_000_000, now_s * 1_000_000)
    past = past if past is not None else past_instants(con, now_s, tz)
    bounds = [(mid * 1_000_000, upto * 1_000_000) for _k, mid, upto in spans]          # index k = days ago
    days = {name: [float(past.count(name, lo, hi) + today.count(name, lo, hi)) for lo, hi in bounds]
            for name in FIGURES}
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


@reads('indicators', 'geometry')
def indicator_kpi(con: duckdb.DuckDBPyConnection, key: str, indicator_id: str, now_s: int, scale: float = 1.0) -> Kpi:
    """Return a city indicator's latest value as a Kpi, compared with its hourly snapshots of the
    same hour yesterday and on the 7 previous days (None where the history does not hold them)."""
    rows = con.execute(
        """WITH days AS (SELECT unnest(range(1, $days + 1)) AS k)
           SELECT 0 AS k, v.value FROM indicator_latest v JOIN admin_units u ON u.code = v.unit_code
           WHERE u.level = 'city' AND v.indicator_id = $id
           UNION ALL
           SELECT d.k, arg_min(h.value, abs(epoch(h.as_of) - ($now - d.k * 86400))) FROM days d
           JOIN indicator_history_all h ON h.indicator_id = $id
            AND h.as_of BETWEEN to_timestamp($now - d.k * 86400 - 1800) AND to_timestamp($now - d.k * 86400 + 1800)
           JOIN admin_units u ON u.code = h.unit_code AND u.level = 'city'
           GROUP BY d.k""", {"days": TREND_DAYS, "id": indicator_id, "now": now_s}).fetchall()
    by_k = {int(k): float(v) / scale for k, v in rows if v is not None}
    week = [by_k[k] for k in range(1, TREND_DAYS + 1) if k in by_k]
    return Kpi(key, by_k.get(0), by_k.get(1), sum(week) / len(week) if week else None, "share")


@reads('alerts')
def alert_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Return the number of active (firing or recovering) alerts per severity."""
    rows = con.execute("SELECT severity, count(*) FROM alerts WHERE state IN (SELECT unnest($states)) GROUP BY severity",
                       {"states": list(ACTIVE_STATES)}).fetchall()
    counts = {severity: 0 for severity in SEVERITIES}
    counts.update({severity: int(n) for severity, n in rows})
    return counts


@reads('alerts')
def urgent_alerts_kpi(con: duckdb.DuckDBPyConnection, now_s: int) -> Kpi:
    """Return the red and orange alerts active now, with how many were active at this time yesterday and on
    average at this time on the 7 previous days (each alert's last transition before then, from the history;
    an alert closed by hand counts until its closing)."""
    instants = [utc(now_s - k * DAY_S) for k in range(1, TREND_DAYS + 1)]
    rows = con.execute(
        """WITH instants AS (SELECT unnest(range(1, $days + 1)) AS k, unnest($at) AS upto),
           states AS (
             SELECT i.k, h.alert_id, arg_max(h.to_state, h.history_id) AS state,
                    arg_max(h.severity, h.history_id) AS severity, any_value(i.upto) AS upto
             FROM instants i JOIN alert_history h ON h.occurred_at <= i.upto AND h.alert_id IS NOT NULL
             GROUP BY i.k, h.alert_id)
           SELECT s.k, count(*) FROM states s LEFT JOIN alerts a USING (alert_id)
           WHERE s.state IN (SELECT unnest($states)) AND s.severity IN ('red', 'orange')
             AND (a.closed_at IS NULL OR a.closed_at > s.upto)
           GROUP BY s.k""", {"days": TREND_DAYS, "at": instants, "states": list(ACTIVE_STATES)}).fetchall()
    then = dict(rows)
    counts = alert_counts(con)
    past = [float(then.get(k, 0)) for k in range(1, TREND_DAYS + 1)]
    return Kpi("alerts", float(counts["red"] + counts["orange"]), past[0], sum(past) / len(past), "few")


@reads('alerts', 'geometry')
def open_alerts(con: duckdb.DuckDBPyConnection, limit: int = 12) -> pd.DataFrame:
    """Return the open alerts, most severe and newest first, with the unit's name."""
    return con.execute(
        """SELECT a.alert_id, a.indicator_id, a.unit_code, u.name_zh AS unit_zh, u.name_en AS unit_en, a.level,
                  a.state, a.severity, a.value, a.threshold, epoch(a.started_at)::BIGINT AS started_s,
                  epoch(a.fired_at)::BIGINT AS fired_s
           FROM alerts a LEFT JOIN admin_units u ON u.code = a.unit_code
           WHERE a.state IN (SELECT unnest($states))
           ORDER BY coalesce(list_position($severities, a.severity), 1) DESC,
                    CASE a.state WHEN 'pending' THEN 1 ELSE 0 END, coalesce(a.fired_at, a.started_at) DESC, a.alert_id
           LIMIT $limit""",
        {"states": list(OPEN_STATES), "severities": list(SEVERITIES), "limit": limit}).df()


@reads('alerts', 'geometry')
def grid_alert_severity(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every grid with the rank (0 none … 4 red) of the worst active alert on it or on any unit it
    lies in (community, street, district, the city): a red city draws every grid red."""
    return con.execute(
        """WITH active AS (
             SELECT unit_code, max(coalesce(list_position($severities, severity), 0)) AS rank
             FROM alerts WHERE state IN (SELECT unnest($states)) GROUP BY unit_code)
           SELECT g.code, greatest(coalesce(a.rank, 0), coalesce(c.rank, 0), coalesce(s.rank, 0),
                                   coalesce(d.rank, 0), coalesce(y.rank, 0)) AS rank
           FROM admin_units g
           LEFT JOIN active a ON a.unit_code = g.code
           LEFT JOIN active c ON c.unit_code = g.community_code
           LEFT JOIN active s ON s.unit_code = g.street_code
           LEFT JOIN active d ON d.unit_code = g.district_code
           LEFT JOIN active y ON y.unit_code = g.city_code
           WHERE g.level = 'grid' ORDER BY g.code""",
        {"states": list(ACTIVE_STATES), "severities": list(SEVERITIES)}).df()


@reads('geometry')
def top_units(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the units of the first level below the city (the districts, or a flat city's grids) and their centres."""
    return con.execute(
        """SELECT code, level, name_zh, name_en, centroid_lon AS lon, centroid_lat AS lat FROM admin_units
           WHERE level_no = (SELECT min(level_no) FROM admin_units WHERE level <> 'city') ORDER BY code""").df()


@reads('geometry')
def grid_centroids(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every grid's code and centroid (lon, lat), ordered by code."""
    return con.execute("SELECT code, centroid_lon AS lon, centroid_lat AS lat FROM admin_units "
                       "WHERE level = 'grid' ORDER BY code").df()


def nearest_station_aqi(grids: pd.DataFrame, stations: pd.DataFrame) -> np.ndarray:
    """Return per grid the AQI of the nearest station that has one now (NaN when none has).

    Distances are on the plane of degrees with longitude scaled by cos(latitude): within a city
    the error is far below the spacing of stations."""
    reporting = stations[stations["aqi"].notna()]
    if reporting.empty or grids.empty:
        return np.full(len(grids), np.nan)
    shrink = np.cos(np.radians(float(grids["lat"].mean())))
    dx = (grids["lon"].to_numpy()[:, None] - reporting["lon"].to_numpy()[None, :]) * shrink
    dy = grids["lat"].to_numpy()[:, None] - reporting["lat"].to_numpy()[None, :]
    nearest = np.argmin(dx * dx + dy * dy, axis=1)
    return reporting["aqi"].to_numpy(dtype=float)[nearest]


@reads('indicators', 'geometry')
def grid_values(con: duckdb.DuckDBPyConnection, indicator_id: str) -> pd.DataFrame:
    """Return every grid with the latest value of one indicator (NaN where it has none)."""
    return con.execute(
        """SELECT g.code, v.value FROM admin_units g
           LEFT JOIN indicator_latest v ON v.unit_code = g.code AND v.indicator_id = $id
           WHERE g.level = 'grid' ORDER BY g.code""", {"id": indicator_id}).df()


@reads('indicators', 'geometry')
def city_values(con: duckdb.DuckDBPyConnection, indicator_ids: list[str]) -> dict[str, float | None]:
    """Return the city-level latest value of each indicator (None where it has none)."""
    rows = con.execute(
        """SELECT v.indicator_id, v.value FROM indicator_latest v JOIN admin_units u ON u.code = v.unit_code
           WHERE u.level = 'city' AND v.indicator_id IN (SELECT unnest($ids))""", {"ids": indicator_ids}).fetchall()
    found = {i: (None if v is None else float(v)) for i, v in rows}
    return {i: found.get(i) for i in indicator_ids}


@reads('events')
def recent_events(con: duckdb.DuckDBPyConnection, now_s: int, window_s: int = 3600) -> pd.DataFrame:
    """Return the events received in the last ``window_s`` seconds with coordinates, newest first."""
    return con.execute(
        """SELECT source, ch.role AS channel, category_code, lon, lat, epoch(received_at)::BIGINT AS received_s
           FROM events LEFT JOIN channels ch ON ch.code = events.source WHERE received_at > $since AND received_at <= $now AND lon IS NOT NULL AND lat IS NOT NULL
           ORDER BY received_at DESC""", {"since": utc(now_s - window_s), "now": utc(now_s)}).df()


TICKER_TEXT_LIMIT = 200      # characters of one text on the wall's ticker
TICKER_COLUMNS = ["source", "channel_zh", "channel_en", "event_id", "category_code", "category_zh", "category_en", "unit_zh", "unit_en",
                  "received_s", "status", "description"]


@reads('events', 'geometry')
def newest_events(con: duckdb.DuckDBPyConnection, now_s: int, limit: int = 12,
                  names: TickerNames | None = None) -> pd.DataFrame:
    """Return the newest events for the ticker: category, unit, time, status, a masked description.

    Only the newest rows are read from ``events``; their names come from ``names`` (read when not given)."""
    names = names or ticker_names(con)
    rows = con.execute(
        """SELECT source, event_id, category_code, grid_code, epoch(received_at)::BIGINT, status, description, caller_name
           FROM events WHERE received_at > $since AND received_at <= $now
           ORDER BY received_at DESC, event_id LIMIT $limit""",
        {"since": utc(now_s - DAY_S), "now": utc(now_s), "limit": limit}).fetchall()
    out = []
    for source, event_id, category, grid, received_s, status, description, caller in rows:
        category_zh, category_en = names.categories.get(category, (None, None))
        unit_zh, unit_en = names.places.get(grid, (None, None))
        masked = mask_text(description if isinstance(description, str) else None,
                           (caller,) if isinstance(caller, str) else ())
        channel_zh, channel_en = names.channels.get(source, (source, source))
        out.append((source, channel_zh, channel_en, event_id, category, category_zh, category_en, unit_zh, unit_en,
                    received_s, status, masked))
    return inert_frame(pd.DataFrame(out, columns=TICKER_COLUMNS), TICKER_TEXT_LIMIT)


@reads('readings', 'geometry')
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


@reads('readings', 'geometry')
def road_speeds(con: duckdb.DuckDBPyConnection, now_s: int) -> pd.DataFrame:
    """Return each road segment's latest speed within the last hour, slowest first."""
    return con.execute(
        """SELECT s.sensor_id, s.name_zh, s.name_en, s.lon, s.lat, arg_max(r.value, r.ts) AS speed_kmh
           FROM readings r JOIN sensors s USING (sensor_id)
           WHERE s.kind = 'traffic' AND r.metric = 'speed_kmh' AND r.quality = 'ok' AND r.value IS NOT NULL
             AND r.ts <= $now AND r.ts > $since
           GROUP BY ALL ORDER BY speed_kmh, s.sensor_id""", {"now": utc(now_s), "since": utc(now_s - 3600)}).df()


@reads('indicators', 'geometry')
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
