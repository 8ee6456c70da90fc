"""SQL of the AQI inputs: each station's valid statistics first, then the area's (HJ 663—2013).

Two statements, one per report, each a single set-based pass over the readings source:

- ``daily_sql``: a day's concentrations per area and statistic (``so2_24h`` … ``o3_8h``, ``o3_1h``);
- ``hourly_sql``: the real-time concentrations per area and pollutant (1-hour value, 8-hour and
  24-hour moving means).

Both first reduce the readings to **station-hours** (a station's mean in one clock hour, so a
feed reporting more often than hourly still gives one value an hour), then compute each
**station's** statistic from its valid hours with the validity rules below, and only then combine
the stations of an area (a district, the city) by GROUPING SETS over the unit columns, so every
level comes from the same pass. An invalid station statistic is NULL and left out of the area's
mean (``avg`` ignores NULL); an area with no valid station has no value for that statistic.

Validity rules (docs/AQI.md gives the clauses):

- a 24-hour mean needs at least ``MIN_HOURS_24H`` valid hourly values (GB 3095—2012 §8 Table 4);
- an 8-hour moving mean needs at least ``MIN_HOURS_8H`` valid hours among its 8 clock hours
  (GB 3095—2012 Table 4): counted by clock hour, never by rows, so a gap cannot stretch it;
- the day's O3 maximum 8-hour mean is taken over the windows ending 08:00 … 24:00 (HJ 663—2013:
  8时至24时, i.e. windows inside the day, slots 0–7 … 16–23) and needs ``MIN_O3_WINDOWS`` valid
  8-hour means, unless the maximum exceeds ``O3_8H_LIMIT`` (then it stands, HJ 663—2013);
- the day's O3 maximum 1-hour mean (HJ 633—2012's daily report reads it) is taken from stations
  with ``MIN_HOURS_24H`` valid O3 hours that day: no clause found sets its minimum, and without one
  a day of a few hours would be rated on O3 alone (docs/AQI.md).

Hour slots are integers counted from the day's first instant (daily) or back from ``$now``
(real-time), in microseconds, so they are the same in any time zone and across DST days.
Only catalog text goes into the SQL; instants are the bound parameters $start, $end and $now.
"""

from __future__ import annotations

from indicators.model import LEVELS, Indicator
from indicators.sources import SOURCES, UNIT_COLUMNS

MIN_HOURS_24H = 20        # GB 3095—2012 Table 4: 24-hour mean, at least 20 hourly values a day
MIN_HOURS_8H = 6          # GB 3095—2012 Table 4: 8-hour mean, at least 6 hourly values in 8 hours
MIN_O3_WINDOWS = 14       # HJ 663—2013: O3 daily maximum 8-hour mean, at least 14 valid 8-hour means
O3_8H_LIMIT = 160         # GB 3095—2012 Table 1 grade II O3 daily maximum 8-hour mean, µg/m³
FIRST_WINDOW_END = 7      # the first window ends with the day's 8th hour (08:00, 8时)
HOUR_US = 3_600_000_000
AQI_METRICS = "('so2', 'no2', 'pm10', 'co', 'o3', 'pm25')"
DAILY_MEANS = ("so2", "no2", "pm10", "co", "pm25")


def area_levels(indicator: Indicator) -> tuple[str, ...]:
    """Return the indicator's levels in hierarchy order (the areas its stations are combined into)."""
    return tuple(level for level in LEVELS if level in indicator.levels)


def _unit_columns(levels: tuple[str, ...]) -> str:
    return ", ".join(UNIT_COLUMNS[level] for level in levels)


def _grouping(levels: tuple[str, ...], *keys: str) -> tuple[str, str, str]:
    """Return (GROUPING SETS, level expression, unit expression) for ``keys`` within each level's unit."""
    sets = ", ".join("(" + ", ".join((*keys, UNIT_COLUMNS[lv])) + ")" for lv in levels)
    level = " ".join(f"WHEN GROUPING({UNIT_COLUMNS[lv]}) = 0 THEN '{lv}'" for lv in levels)
    unit = " ".join(f"WHEN GROUPING({UNIT_COLUMNS[lv]}) = 0 THEN {UNIT_COLUMNS[lv]}" for lv in levels)
    return sets, f"CASE {level} END", f"CASE {unit} END"


def _station_hours(row_filter: str, levels: tuple[str, ...], slot: str, span: str) -> str:
    """Return the CTE body of each station's mean per hour slot (the rows ``row_filter`` keeps)."""
    return f"""SELECT sensor_id, {_unit_columns(levels)}, metric, {slot} AS slot, avg(value) AS v, max(ts) AS newest
           FROM ({SOURCES['readings'].sql()}) AS base
           WHERE {span} AND ({row_filter}) AND metric IN {AQI_METRICS}
           GROUP BY ALL"""


def hourly_sql(indicator: Indicator) -> str:
    """Return the real-time SQL of an AQI indicator (its filter, its levels)."""
    return real_time_sql(indicator.measure_filter(), area_levels(indicator))


def daily_sql(indicator: Indicator) -> str:
    """Return the daily SQL of an AQI indicator (its filter, its levels)."""
    return day_sql(indicator.measure_filter(), area_levels(indicator))


def real_time_sql(row_filter: str, levels: tuple[str, ...]) -> str:
    """Return SQL of each area's real-time inputs per pollutant at $now: the mean of its stations'
    1-hour values (``v1h``), of their valid 8-hour (``v8h``) and 24-hour (``v24h``) moving means."""
    sets, level, unit = _grouping(levels, "metric")
    slot = f"(epoch_us($now) - epoch_us(ts)) // {HOUR_US}"
    hours = _station_hours(row_filter, levels, slot, "ts > $now - INTERVAL 24 HOUR AND ts <= $now")
    return f"""WITH station_hours AS ({hours}),
         stations AS (
           SELECT sensor_id, {_unit_columns(levels)}, metric,
                  avg(v) FILTER (WHERE slot = 0) AS v1h,
                  CASE WHEN count(*) FILTER (WHERE slot < 8) >= {MIN_HOURS_8H}
                       THEN avg(v) FILTER (WHERE slot < 8) END AS v8h,
                  CASE WHEN count(*) >= {MIN_HOURS_24H} THEN avg(v) END AS v24h,
                  max(newest) AS newest
           FROM station_hours GROUP BY ALL)
       SELECT {level} AS level, {unit} AS unit_code, metric,
              avg(v1h) AS v1h, avg(v8h) AS v8h, avg(v24h) AS v24h, max(newest) AS newest
       FROM stations
       GROUP BY GROUPING SETS ({sets})"""


def day_sql(row_filter: str, levels: tuple[str, ...]) -> str:
    """Return SQL of each area's daily inputs over the day ($start, $end], one row per statistic
    (``key``): the mean of its stations' valid 24-hour means, the day's largest area 8-hour O3 mean
    (NULL when too few windows are valid) and the day's largest area 1-hour O3 mean (from stations
    with a full day's O3 hours)."""
    units = _unit_columns(levels)
    slot = f"(epoch_us(ts) - epoch_us($start) - 1) // {HOUR_US}"
    hours = _station_hours(row_filter, levels, slot, "ts > $start AND ts <= $end")
    return f"""WITH station_hours AS ({hours}),
         station_days AS (
           SELECT sensor_id, {units}, metric || '_24h' AS key,
                  CASE WHEN count(*) >= {MIN_HOURS_24H} THEN avg(v) END AS v, max(newest) AS newest
           FROM station_hours WHERE metric IN {_sql_list(DAILY_MEANS)} GROUP BY ALL),
         window_ends AS (
           SELECT unnest(range({FIRST_WINDOW_END}, (epoch_us($end) - epoch_us($start)) // {HOUR_US})) AS last_slot),
         station_o3_8h AS (
           SELECT h.sensor_id, {_prefixed(levels, 'h')}, w.last_slot, avg(h.v) AS v, max(h.newest) AS newest
           FROM station_hours h JOIN window_ends w ON h.slot BETWEEN w.last_slot - 7 AND w.last_slot
           WHERE h.metric = 'o3'
           GROUP BY ALL HAVING count(*) >= {MIN_HOURS_8H}),
         {_area_o3('o3_8h', 'station_o3_8h', 'last_slot', levels)},
         station_o3_days AS (
           SELECT * FROM station_hours WHERE metric = 'o3'
           QUALIFY count(*) OVER (PARTITION BY sensor_id) >= {MIN_HOURS_24H}),
         {_area_o3('o3_1h', 'station_o3_days', 'slot', levels)},
         area_days AS ({_area_means(levels)})
       SELECT level, unit_code, key, v, newest FROM area_days
       UNION ALL
       SELECT level, unit_code, 'o3_8h', CASE WHEN count(v) >= {MIN_O3_WINDOWS} OR max(v) > {O3_8H_LIMIT}
                                               THEN max(v) END, max(newest)
       FROM area_o3_8h GROUP BY level, unit_code
       UNION ALL
       SELECT level, unit_code, 'o3_1h', max(v), max(newest) FROM area_o3_1h GROUP BY level, unit_code"""


def _area_o3(name: str, relation: str, slot: str, levels: tuple[str, ...]) -> str:
    """Return the CTE ``area_<name>``: per area and hour slot, the mean of its stations' values."""
    sets, level, unit = _grouping(levels, slot)
    return f"""area_{name} AS (
           SELECT {level} AS level, {unit} AS unit_code, {slot}, avg(v) AS v, max(newest) AS newest
           FROM {relation} AS s GROUP BY GROUPING SETS ({sets}))"""


def _area_means(levels: tuple[str, ...]) -> str:
    """Return the SELECT of each area's daily means: the mean of its stations' valid daily means."""
    sets, level, unit = _grouping(levels, "key")
    return f"""SELECT {level} AS level, {unit} AS unit_code, key, avg(v) AS v, max(newest) AS newest
           FROM station_days GROUP BY GROUPING SETS ({sets})"""


def _prefixed(levels: tuple[str, ...], alias: str) -> str:
    return ", ".join(f"{alias}.{UNIT_COLUMNS[level]}" for level in levels)


def _sql_list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"
