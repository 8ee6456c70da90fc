"""The real Beijing Dongsi station: the engine's daily AQI equals the AQI module's day by day.

Four years of hourly data (2013-2017, so HJ 633-2012 applies) are loaded into a store with
one station in one grid; the engine computes the daily AQI for every day; an independent
pandas computation over the CSV, with the validity rules of docs/AQI.md (20 hours for a daily
mean; 8-hour O3 means over clock hours with 6 valid hours, 14 of the windows ending 08:00-24:00
or a maximum above 160; the O3 1-hour maximum of a day of 20 O3 hours), feeds the module directly. CO arrives in µg/m³ and is converted to
mg/m³ as the AQI tables want it. No value is cut by its size (PM10 reaches 955, O3 1071).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
import shapely

from data import db, writer
from indicators import aqi
from indicators.catalog import Catalog, Domain
from indicators.engine import Engine
from indicators.model import Indicator, IndicatorType, Measure, Window

CSV = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "real" / "beijing_aq_dongsi"
       / "PRSA_Data_Dongsi_20130301-20170228.csv")
TZ = "Asia/Shanghai"
LON, LAT = 116.4174, 39.9289
METRICS = {"PM2.5": "pm25", "PM10": "pm10", "SO2": "so2", "NO2": "no2", "CO": "co", "O3": "o3"}

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not CSV.exists(), reason=f"real data not found at {CSV}")]


def hourly_frame() -> pd.DataFrame:
    """Return the station's hourly concentrations, long form, CO in mg/m³, NA dropped."""
    raw = pd.read_csv(CSV, na_values=["NA"])
    local = pd.to_datetime(raw[["year", "month", "day", "hour"]]).dt.tz_localize(TZ)
    long = raw.assign(ts=local).melt(id_vars=["ts"], value_vars=list(METRICS), var_name="metric", value_name="value")
    long["metric"] = long["metric"].map(METRICS)
    long.loc[long["metric"] == "co", "value"] /= 1000
    return long.dropna(subset=["value"])


def build_store(path: Path, readings: pd.DataFrame):
    con = db.open_store(path)
    square = shapely.box(LON - 0.02, LAT - 0.02, LON + 0.02, LAT + 0.02)
    codes = ["110000", "110101", "110101001", "110101001001", "110101001001001"]
    levels = ["city", "district", "street", "community", "grid"]
    units = pd.DataFrame({
        "code": codes, "level": levels, "level_no": range(5), "name_zh": ["北京市", "东城区", "街道", "社区", "网格"],
        "name_en": ["Beijing", "Dongcheng", "Street", "Community", "Grid"], "parent_code": [None] + codes[:-1],
        "city_code": [None] + ["110000"] * 4, "district_code": [None, None] + ["110101"] * 3,
        "street_code": [None] * 3 + ["110101001"] * 2, "community_code": [None] * 4 + ["110101001001"],
        "area_km2": 19.0, "population": 1000, "households": 400, "centroid_lon": LON, "centroid_lat": LAT,
        "geometry": [square] * 5})
    writer.append_frame(con, "admin_units", units)
    con.execute("INSERT INTO sensors VALUES ('1003A', 'air_national', '东四', 'Dongsi', '110101001001001', ?, ?, "
                "['so2','no2','pm10','co','o3','pm25'], 60, NULL, NULL)", [LON, LAT])
    frame = readings.assign(sensor_id="1003A", quality="ok")
    frame["ts"] = frame["ts"].dt.tz_convert("UTC")
    writer.append_frame(con, "readings", frame[["sensor_id", "ts", "metric", "value", "quality"]])
    return con


def daily_aqi_indicator() -> Indicator:
    return Indicator(id="air.aqi.daily_aqi.yesterday", name_zh="昨日AQI", name_en="AQI yesterday", domain="air",
                     subject="aqi", definition="Daily AQI.", unit="", type=IndicatorType.AQI, source="readings",
                     window=Window.YESTERDAY, measure=Measure("avg", "value", "kind = 'air_national'"),
                     aqi_mode="daily", levels=("city", "district"))


def module_daily_aqi(readings: pd.DataFrame) -> pd.Series:
    """Return the module's AQI per local day from the station's valid daily statistics."""
    wide = readings.pivot_table(index="ts", columns="metric", values="value")
    local = wide.index.tz_convert(TZ)
    results = {}
    for today, hours in wide.groupby(local.date):
        by_hour = hours.set_axis(hours.index.tz_convert(TZ).hour).reindex(range(24))
        conc = {f"{m}_24h": by_hour[m].mean() if by_hour[m].count() >= 20 else None
                for m in ("so2", "no2", "co", "pm10", "pm25")}
        windows = by_hour["o3"].rolling(8, min_periods=6).mean()[7:]
        best = windows.max()
        conc["o3_8h"] = best if windows.count() >= 14 or best > 160 else None
        conc["o3_1h"] = by_hour["o3"].max() if by_hour["o3"].count() >= 20 else None
        conc = {k: (None if v is None or pd.isna(v) else float(v)) for k, v in conc.items()}
        results[today] = aqi.aqi(conc, on=today, mode="daily").aqi
    return pd.Series(results)


def test_engine_daily_aqi_equals_the_modules_day_by_day(tmp_path):
    readings = hourly_frame()
    con = build_store(tmp_path / "beijing.duckdb", readings)
    indicator = daily_aqi_indicator()
    engine = Engine(Catalog((indicator,), (Domain("air", "空气", "Air", {"aqi": ("AQI", "AQI")}),)), TZ)
    expected = module_daily_aqi(readings)
    days = [d for d in expected.index if d > expected.index[0]]
    engine_values = {}
    for day in days:
        midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), ZoneInfo(TZ))
        values = engine.evaluate(con, int(midnight.timestamp()))
        engine_values[day] = values.loc[values["level"] == "city", "value"].iloc[0]
    got = pd.Series(engine_values)
    assert len(got) > 1400
    mismatched = got[(got != expected.reindex(got.index)) & ~(got.isna() & expected.reindex(got.index).isna())]
    assert mismatched.empty, mismatched.head()
    assert aqi.standard_for(date(2015, 1, 1)) == "HJ633-2012"
    assert np.nanmax(got.to_numpy(dtype=float)) > 300      # Beijing's winter episodes are in there
