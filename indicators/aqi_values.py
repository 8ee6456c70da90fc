"""AQI indicators: city and district AQI from station readings, hourly (real-time) or daily."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd

from data.clock import utc
from indicators import aqi
from indicators.model import LEVELS, Indicator
from indicators.sources import SOURCES, UNIT_COLUMNS
from indicators.windows import span

POLLUTANTS = aqi.POLLUTANTS
COLUMNS = ["indicator_id", "level", "unit_code", "value", "numerator", "denominator", "data_age_s"]


def _grouping(levels: tuple[str, ...], *keys: str) -> tuple[str, str, str]:
    sets = ", ".join("(" + ", ".join((*keys, UNIT_COLUMNS[lv])) + ")" for lv in levels)
    level = " ".join(f"WHEN GROUPING({UNIT_COLUMNS[lv]}) = 0 THEN '{lv}'" for lv in levels)
    unit = " ".join(f"WHEN GROUPING({UNIT_COLUMNS[lv]}) = 0 THEN {UNIT_COLUMNS[lv]}" for lv in levels)
    return sets, f"CASE {level} END", f"CASE {unit} END"


def hourly_sql(indicator: Indicator) -> str:
    """Return SQL of the unit means over the last 1, 8 and 24 hours, per pollutant."""
    sets, level, unit = _grouping(_levels(indicator), "metric")
    return f"""SELECT {level} AS level, {unit} AS unit_code, metric,
                  avg(value) FILTER (WHERE ts > $now - INTERVAL 1 HOUR) AS v1h,
                  avg(value) FILTER (WHERE ts > $now - INTERVAL 8 HOUR) AS v8h,
                  avg(value) AS v24h, max(ts) AS newest
           FROM ({SOURCES['readings'].sql()}) AS base
           WHERE ts > $now - INTERVAL 24 HOUR AND ts <= $now AND ({indicator.measure_filter()})
             AND metric IN ('so2', 'no2', 'pm10', 'co', 'o3', 'pm25')
           GROUP BY GROUPING SETS ({sets})"""


def daily_sql(indicator: Indicator) -> str:
    """Return SQL of the unit's hourly means per pollutant over the window's day."""
    sets, level, unit = _grouping(_levels(indicator), "metric", "hour")
    return f"""SELECT {level} AS level, {unit} AS unit_code, metric, date_trunc('hour', ts) AS hour,
                  avg(value) AS v, max(ts) AS newest
           FROM ({SOURCES['readings'].sql()}) AS base
           WHERE ts > $start AND ts <= $end AND ({indicator.measure_filter()})
             AND metric IN ('so2', 'no2', 'pm10', 'co', 'o3', 'pm25')
           GROUP BY GROUPING SETS ({sets})"""


def _levels(indicator: Indicator) -> tuple[str, ...]:
    return tuple(level for level in LEVELS if level in indicator.levels)


def evaluate(con: duckdb.DuckDBPyConnection, indicators: list[Indicator], at_s: int, tz: str,
             units: pd.DataFrame) -> pd.DataFrame:
    """Return the AQI of every unit at every declared level of each AQI indicator."""
    frames = [_with_every_unit(_one(con, ind, at_s, tz), ind, units) for ind in indicators]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)


def _with_every_unit(values: pd.DataFrame, indicator: Indicator, units: pd.DataFrame) -> pd.DataFrame:
    """Return a row for every unit of the declared levels; units without stations have no value."""
    expected = units.loc[units["level"].isin(indicator.levels), ["level", "unit_code"]]
    full = expected.merge(values.drop(columns="indicator_id"), on=["level", "unit_code"], how="left")
    full.insert(0, "indicator_id", indicator.id)
    return full[COLUMNS]


def _one(con, indicator: Indicator, at_s: int, tz: str) -> pd.DataFrame:
    if indicator.aqi_mode == "hourly":
        rows = con.execute(hourly_sql(indicator), {"now": utc(at_s)}).df()
        results = [_hourly_aqi(unit_rows) for _, unit_rows in rows.groupby(["level", "unit_code"])]
        on = datetime.fromtimestamp(at_s, ZoneInfo(tz)).date()
    else:
        bounds = span(indicator.window, at_s, tz)
        rows = con.execute(daily_sql(indicator), {"start": utc(bounds.start_s), "end": utc(bounds.end_s)}).df()
        results = [_daily_aqi(unit_rows) for _, unit_rows in rows.groupby(["level", "unit_code"])]
        on = datetime.fromtimestamp(bounds.start_s, ZoneInfo(tz)).date()
    keys = [key for key, _ in rows.groupby(["level", "unit_code"])]
    values = [aqi.aqi(conc, on=on, mode=indicator.aqi_mode).aqi for conc, _ in results]
    newest = [newest for _, newest in results]
    return pd.DataFrame({
        "indicator_id": indicator.id, "level": [k[0] for k in keys], "unit_code": [k[1] for k in keys],
        "value": pd.array(values, dtype="Float64").astype("float64"), "numerator": np.nan,
        "denominator": np.nan, "data_age_s": [at_s - n.timestamp() for n in newest],
    }, columns=COLUMNS)


def _hourly_aqi(rows: pd.DataFrame) -> tuple[dict, datetime]:
    by_metric = rows.set_index("metric")
    conc = {f"{m}_1h": _value(by_metric, m, "v1h") for m in POLLUTANTS}
    conc["o3_8h"] = _value(by_metric, "o3", "v8h")
    conc["so2_24h"] = _value(by_metric, "so2", "v24h")
    return conc, rows["newest"].max().to_pydatetime()


def _daily_aqi(rows: pd.DataFrame) -> tuple[dict, datetime]:
    hourly = rows.set_index(["hour", "metric"])["v"].unstack("metric").sort_index()
    conc = {f"{m}_24h": float(hourly[m].mean()) if m in hourly else None for m in POLLUTANTS}
    if "o3" in hourly:
        conc["o3_1h"] = float(hourly["o3"].max())
        eight = hourly["o3"].rolling(8, min_periods=6).mean().max()
        conc["o3_8h"] = None if np.isnan(eight) else float(eight)
    return {k: v for k, v in conc.items() if k != "o3_24h"}, rows["newest"].max().to_pydatetime()


def _value(frame: pd.DataFrame, metric: str, column: str) -> float | None:
    if metric not in frame.index:
        return None
    value = frame.at[metric, column]
    return None if pd.isna(value) else float(value)
