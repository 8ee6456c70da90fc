"""HJ 633-2012 AQI: every breakpoint of Table 1, interpolation, the table notes, levels."""

import math

import pytest

from indicators import aqi

BREAKPOINT_CASES = [
    (pollutant, period, concentration, aqi.IAQI_STEPS[i])
    for (pollutant, period), points in aqi.BREAKPOINTS_2012.items()
    for i, concentration in enumerate(points)
]


@pytest.mark.parametrize("pollutant,period,concentration,expected", BREAKPOINT_CASES)
def test_every_breakpoint_maps_to_its_index(pollutant, period, concentration, expected):
    assert aqi.iaqi(pollutant, concentration, period) == expected


@pytest.mark.parametrize("pollutant,period,concentration,expected", [
    ("pm25", "24h", 55, 75),          # (100-50)/(75-35)*(55-35)+50
    ("pm25", "24h", 36, 52),          # 51.25 rounds up
    ("pm10", "24h", 151, 101),        # 100.5 rounds up
    ("co", "24h", 2.04, 50),          # CO compared at 0.1 mg/m³: 2.0
    ("co", "24h", 2.05, 53),          # 2.1 -> 52.5 -> 53
    ("o3", "1h", 170, 63),            # 62.5 -> 63
])
def test_interpolation_and_rounding(pollutant, period, concentration, expected):
    assert aqi.iaqi(pollutant, concentration, period) == expected


def test_above_table_top():
    assert aqi.iaqi("pm25", 999, "24h") == 500
    assert aqi.iaqi("so2", 801, "1h") is None
    assert aqi.iaqi("o3", 801, "8h") is None


def test_missing_and_invalid_values():
    assert aqi.iaqi("pm25", None, "24h") is None
    assert aqi.iaqi("pm25", math.nan, "24h") is None
    with pytest.raises(ValueError):
        aqi.iaqi("pm25", -1, "24h")
    with pytest.raises(ValueError):
        aqi.iaqi("pm25", 10, "1h")
    with pytest.raises(ValueError):
        aqi.iaqi("pm25", 10, "24h", standard="HJ633-1999")


def test_hourly_aqi_primary_pollutant_and_level():
    result = aqi.aqi({"so2_1h": 10, "no2_1h": 40, "co_1h": 0.8, "o3_1h": 60, "pm10_1h": 120, "pm25_1h": 80})
    assert result.aqi == 107
    assert result.primary_pollutants == ("pm25",)
    assert (result.level, result.category, result.color) == (3, "轻度污染", "#FF7E00")


def test_no_primary_pollutant_when_excellent():
    result = aqi.aqi({"pm25_1h": 20, "pm10_1h": 30})
    assert result.aqi == 30 and result.primary_pollutants == () and result.category == "优"


def test_table_notes_so2_and_o3():
    hourly = aqi.aqi({"so2_1h": 900, "so2_24h": 500})
    assert hourly.aqi == aqi.iaqi("so2", 500, "24h")
    daily = aqi.aqi({"o3_8h": 900, "o3_1h": 1100}, mode="daily")
    assert daily.aqi == aqi.iaqi("o3", 1100, "1h")


def test_nothing_known_gives_none():
    assert aqi.aqi({}).aqi is None


@pytest.mark.parametrize("value,level", [(0, 1), (50, 1), (51, 2), (100, 2), (101, 3), (150, 3),
                                         (151, 4), (200, 4), (201, 5), (300, 5), (301, 6), (500, 6)])
def test_level_boundaries(value, level):
    assert aqi.level_of(value)[0] == level
