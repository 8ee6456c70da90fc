"""AQI indicators: city and district AQI from station readings, hourly (real-time) or daily.

The concentrations come from ``indicators/aqi_sql.py`` (each station's valid statistics first,
then the mean of an area's stations, HJ 663—2013), one statement per indicator; the index of
each area is then ``aqi.aqi`` of its few concentrations (one call per area, not per reading).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd

from data.clock import utc
from indicators import aqi
from indicators.aqi_sql import area_levels, day_sql, hourly_sql
from indicators.model import Indicator
from indicators.windows import span

POLLUTANTS = aqi.POLLUTANTS
COLUMNS = ["indicator_id", "level", "unit_code", "value", "numerator", "denominator", "data_age_s"]


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
        rows = day_concentrations(con, indicator.measure_filter(), area_levels(indicator), bounds.start_s, bounds.end_s)
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


def day_concentrations(con: duckdb.DuckDBPyConnection, row_filter: str, levels: tuple[str, ...],
                       start_s: float, end_s: float) -> pd.DataFrame:
    """Return each area's daily AQI inputs over the day (start_s, end_s] from the readings
    ``row_filter`` keeps: one row per (level, unit_code, key) with the concentration ``v`` (NaN
    where the validity rules leave none) and the newest reading's time ``newest``."""
    return con.execute(day_sql(row_filter, levels), {"start": utc(start_s), "end": utc(end_s)}).df()


def _hourly_aqi(rows: pd.DataFrame) -> tuple[dict, datetime]:
    by_metric = rows.set_index("metric")
    conc = {f"{m}_1h": _value(by_metric, m, "v1h") for m in POLLUTANTS}
    conc["o3_8h"] = _value(by_metric, "o3", "v8h")
    conc["so2_24h"] = _value(by_metric, "so2", "v24h")
    return conc, rows["newest"].max().to_pydatetime()


def _daily_aqi(rows: pd.DataFrame) -> tuple[dict, datetime]:
    """Return an area's daily concentrations by key (NULL statistics left out) and its newest reading."""
    valid = rows.dropna(subset=["v"])
    return dict(zip(valid["key"], valid["v"].astype(float))), rows["newest"].max().to_pydatetime()


def _value(frame: pd.DataFrame, metric: str, column: str) -> float | None:
    if metric not in frame.index:
        return None
    value = frame.at[metric, column]
    return None if pd.isna(value) else float(value)
