"""A feed's invalid-value codes are declared in its ingest mapping and leave the AQI by their quality.

Beijing's feed (``beijing_aq``) declares 999, its PM analysers' ceiling, as ``suspect``; a real
957 µg/m³ on a fireworks night is a reading like any other. A day of that feed is ingested through
the mapping and the AQI inputs are read back: the 999 hour is gone, the 957 hour is kept, and no
value is cut by its size.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from data.ingest import pipeline
from data.ingest.mapping import load_mapping
from indicators import aqi, aqi_values
from indicators.aqi_sql import real_time_sql
from indicators.catalog import load_catalog
from indicators.engine import load_units
from indicators.windows import JUST_BEFORE
from tests.indicators.aqi_store import DAY, EAST, TZ, build_store, grid_of, local_hour, midnight_after

CATALOG = load_catalog()
DAILY, HOURLY = CATALOG["air.aqi.daily.yesterday"], CATALOG["air.aqi.hourly.last_hour"]
HEADER = '"No","year","month","day","hour","PM2.5","PM10","SO2","NO2","CO","O3","TEMP","PRES","DEWP","RAIN","wd","WSPM","station"'
PM25 = {**{h: 80 for h in range(24)}, 20: 957, 21: 999}       # fireworks at 20:00, the error code at 21:00


def feed_csv() -> bytes:
    """Return one day of Dongsi in the UCI file's layout (CO in µg/m³)."""
    rows = [f'{h + 1},{DAY.year},{DAY.month},{DAY.day},{h},{PM25[h]},120,8,40,900,60,20,1000,5,0,"N",1.5,"Dongsi"'
            for h in range(24)]
    return "\n".join([HEADER, *rows, ""]).encode()


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    con = build_store(tmp_path_factory.mktemp("feed") / "aqi.duckdb")
    con.execute("INSERT INTO sensors VALUES ('1003A', 'air_national', '东四', 'Dongsi', ?, 116.4, 39.9, "
                "['so2','no2','pm10','co','o3','pm25'], 60, NULL, NULL)", [grid_of("S1")])
    summary = pipeline.ingest_bytes(con, "readings", feed_csv(), "csv", load_mapping("beijing_aq"), "dongsi.csv",
                                    now=pd.Timestamp("2025-07-01", tz="UTC"))
    assert summary.accepted == 6 * 24
    yield con
    con.close()


@pytest.mark.parametrize("hour, quality", [(20, "ok"), (21, "suspect"), (22, "ok")])
def test_the_mapping_flags_the_code_not_the_large_value(con, hour, quality):
    got = con.execute("SELECT value, quality FROM readings WHERE metric = 'pm25' AND ts = ?",
                      [local_hour(hour)]).fetchone()
    assert got == (PM25[hour], quality)


@pytest.mark.parametrize("hour, pm25_1h, expected_aqi", [
    (20, 957.0, 500),                        # kept: above the PM2.5 column, IAQI 500
    (21, None, "without pm25"),              # the error code's hour: no PM2.5 this hour
    (22, 80.0, "with pm25"),
])
def test_an_hour_with_the_error_code_has_no_pm25_in_the_real_time_aqi(con, hour, pm25_1h, expected_aqi):
    now = local_hour(hour) + timedelta(minutes=30)
    rows = con.execute(real_time_sql(HOURLY.measure_filter(), ("city", "district")), {"now": now}).df()
    by_metric = rows[rows["unit_code"] == EAST].set_index("metric")["v1h"]
    assert (None if pd.isna(by_metric.get("pm25")) else by_metric["pm25"]) == pm25_1h
    others = {"pm10_1h": 120, "so2_1h": 8, "no2_1h": 40, "co_1h": 0.9, "o3_1h": 60}
    if expected_aqi == "without pm25":
        expected_aqi = aqi.aqi(others, on=DAY).aqi
    elif expected_aqi == "with pm25":
        expected_aqi = aqi.aqi({**others, "pm25_1h": pm25_1h}, on=DAY).aqi
    values = aqi_values.evaluate(con, [HOURLY], int(now.timestamp()), TZ, load_units(con))
    assert values.loc[values["unit_code"] == EAST, "value"].iloc[0] == expected_aqi


def test_the_daily_mean_keeps_957_and_leaves_out_999(con):
    end = midnight_after()
    rows = aqi_values.day_concentrations(con, DAILY.measure_filter(), ("city", "district"),
                                         end - 86400 - JUST_BEFORE, end - JUST_BEFORE)
    pm25 = rows.loc[(rows["unit_code"] == EAST) & (rows["key"] == "pm25_24h"), "v"].iloc[0]
    assert pm25 == pytest.approx((22 * 80 + 957) / 23)
