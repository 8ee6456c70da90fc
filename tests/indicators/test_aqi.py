"""AQI under HJ 633—2012 and HJ 633—2026: every breakpoint, rounding, table notes, modes, dates.

The expected tables below are typed in the regulations' own layout (one row per IAQI step)
independently of indicators/aqi.py, so a wrong number in the module fails here.
"""

import math
from datetime import date, datetime

import pytest

from indicators import aqi

S12, S26 = aqi.STANDARD_2012, aqi.STANDARD_2026
COLUMNS = [("so2", "24h"), ("so2", "1h"), ("no2", "24h"), ("no2", "1h"), ("pm10", "24h"),
           ("co", "24h"), ("co", "1h"), ("o3", "1h"), ("o3", "8h"), ("pm25", "24h")]
_ = None  # a short column has no breakpoint at this step

TABLE_1_2012 = [  # IAQI, SO2 24h, SO2 1h, NO2 24h, NO2 1h, PM10 24h, CO 24h, CO 1h, O3 1h, O3 8h, PM2.5 24h
    (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    (50, 50, 150, 40, 100, 50, 2, 5, 160, 100, 35),
    (100, 150, 500, 80, 200, 150, 4, 10, 200, 160, 75),
    (150, 475, 650, 180, 700, 250, 14, 35, 300, 215, 115),
    (200, 800, 800, 280, 1200, 350, 24, 60, 400, 265, 150),
    (300, 1600, _, 565, 2340, 420, 36, 90, 800, 800, 250),
    (400, 2100, _, 750, 3090, 500, 48, 120, 1000, _, 350),
    (500, 2620, _, 940, 3840, 600, 60, 150, 1200, _, 500),
]
TABLE_3_2026 = [  # same layout; PM10 and PM2.5 change at IAQI 100
    (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    (50, 50, 150, 40, 100, 50, 2, 5, 160, 100, 35),
    (100, 150, 500, 80, 200, 120, 4, 10, 200, 160, 60),
    (150, 475, 650, 180, 700, 250, 14, 35, 300, 215, 115),
    (200, 800, 800, 280, 1200, 350, 24, 60, 400, 265, 150),
    (300, 1600, _, 565, 2340, 420, 36, 90, 800, 800, 250),
    (400, 2100, _, 750, 3090, 500, 48, 120, 1000, _, 350),
    (500, 2620, _, 940, 3840, 600, 60, 150, 1200, _, 500),
]
TABLES = {S12: TABLE_1_2012, S26: TABLE_3_2026}

BREAKPOINT_CASES = [
    pytest.param(standard, pollutant, period, row[j + 1], row[0],
                 id=f"{standard}-{pollutant}-{period}-{row[0]}")
    for standard, table in TABLES.items()
    for row in table
    for j, (pollutant, period) in enumerate(COLUMNS)
    if row[j + 1] is not None
]


def _column(table, j):
    return tuple(row[j + 1] for row in table if row[j + 1] is not None)


@pytest.mark.parametrize("standard,breakpoints", [(S12, aqi.BREAKPOINTS_2012), (S26, aqi.BREAKPOINTS_2026)])
def test_module_tables_match_the_regulations(standard, breakpoints):
    expected = {column: _column(TABLES[standard], j) for j, column in enumerate(COLUMNS)}
    assert dict(breakpoints) == expected
    assert aqi.STANDARD_TABLES[standard].breakpoints == breakpoints


def test_2026_changes_only_pm_at_iaqi_100():
    changed = {k for k in aqi.BREAKPOINTS_2012 if aqi.BREAKPOINTS_2012[k] != aqi.BREAKPOINTS_2026[k]}
    assert changed == {("pm10", "24h"), ("pm25", "24h")}
    assert aqi.BREAKPOINTS_2026[("pm25", "24h")][2] == 60 and aqi.BREAKPOINTS_2026[("pm10", "24h")][2] == 120


def test_every_breakpoint_is_covered():
    assert len(BREAKPOINT_CASES) == 2 * sum(len(points) for points in aqi.BREAKPOINTS_2012.values()) == 150


@pytest.mark.parametrize("standard,pollutant,period,concentration,expected", BREAKPOINT_CASES)
def test_every_breakpoint_maps_to_its_index(standard, pollutant, period, concentration, expected):
    assert aqi.iaqi(pollutant, concentration, period, standard) == expected


@pytest.mark.parametrize("standard,pollutant,period,concentration,expected", [
    (S12, "pm25", "24h", 55, 75),        # (100-50)/(75-35)*(55-35)+50 = 75 exactly
    (S26, "pm25", "24h", 55, 90),        # 50/25*20+50 = 90
    (S12, "pm25", "24h", 36, 52),        # 51.25 carried up
    (S26, "pm25", "24h", 75, 114),       # 50/55*15+100 = 113.6 → 114
    (S12, "pm10", "24h", 151, 101),      # 100.5 → 101
    (S26, "pm10", "24h", 150, 112),      # 50/130*30+100 = 111.5 → 112
    (S26, "pm10", "24h", 100, 86),       # 50/70*50+50 = 85.7 → 86
    (S12, "so2", "24h", 500, 154),       # 50/325*25+150 = 153.8 → 154
    (S26, "so2", "1h", 300, 72),         # 50/350*150+50 = 71.4 → 72
    (S12, "no2", "1h", 350, 115),        # 50/500*150+100 = 115
    (S26, "no2", "24h", 100, 110),       # 50/100*20+100 = 110
    (S12, "co", "1h", 7.5, 75),          # 50/5*2.5+50 = 75
    (S26, "co", "24h", 3.3, 83),         # 25*1.3+50 = 82.5 → 83
    (S12, "o3", "1h", 170, 63),          # 62.5 → 63
    (S26, "o3", "8h", 500, 244),         # 100/535*235+200 = 243.9 → 244
    (S12, "pm25", "24h", 1, 2),          # 1.43 → 2
    (S26, "pm25", "24h", 420, 447),      # 100/150*70+400 = 446.7 → 447
])
def test_values_between_breakpoints(standard, pollutant, period, concentration, expected):
    assert aqi.iaqi(pollutant, concentration, period, standard) == expected


@pytest.mark.parametrize("standard,pollutant,concentration,expected", [
    (S12, "pm25", 35.4, 50),     # → 35
    (S12, "pm25", 35.5, 52),     # → 36 (half to even)
    (S12, "pm25", 36.5, 52),     # → 36 (half to even), not 37 → 53
    (S26, "pm25", 60.5, 100),    # → 60 (half to even), not 61 → 101
    (S26, "pm25", 60.51, 101),   # → 61
    (S26, "pm25", 61.5, 102),    # → 62: 50/55*2+100 = 101.8 → 102
    (S12, "co", 2.04, 50),       # → 2.0
    (S12, "co", 2.05, 50),       # → 2.0 (half to even)
    (S12, "co", 2.15, 55),       # → 2.2: 25*0.2+50 = 55
    (S26, "co", 2.25, 55),       # → 2.2
    (S26, "co", 2.26, 58),       # → 2.3: 57.5 → 58
])
def test_concentrations_are_rounded_half_to_even_before_rating(standard, pollutant, concentration, expected):
    assert aqi.iaqi(pollutant, concentration, "24h", standard) == expected


def test_iaqi_is_carried_up_not_rounded():
    assert aqi.iaqi("pm25", 36, "24h", S12) == 52          # 51.25
    assert aqi.iaqi("o3", 161, "8h", S12) == 101           # 100.9
    assert aqi.iaqi("no2", 201, "1h", S26) == 101          # 100.1
    assert aqi.iaqi("co", 14.1, "24h", S26) == 151         # 150.5


@pytest.mark.parametrize("standard", [S12, S26])
@pytest.mark.parametrize("pollutant,period,top", [
    ("so2", "24h", 2620), ("no2", "24h", 940), ("no2", "1h", 3840), ("pm10", "24h", 600),
    ("co", "24h", 60), ("co", "1h", 150), ("o3", "1h", 1200), ("pm25", "24h", 500)])
def test_above_a_full_column_the_index_is_500(standard, pollutant, period, top):
    step = 0.1 if pollutant == "co" else 1
    assert aqi.iaqi(pollutant, top + step, period, standard) == 500
    assert aqi.iaqi(pollutant, top * 10, period, standard) == 500


@pytest.mark.parametrize("standard,pollutant,period,expected", [
    (S12, "so2", "1h", None),    # Table 1 note 2: no IAQI from the 1-hour mean
    (S12, "o3", "8h", None),     # Table 1 note 3: no IAQI from the 8-hour mean
    (S26, "so2", "1h", 200),     # Table 3 note b
    (S26, "o3", "8h", 300),      # Table 3 note c
])
def test_above_the_short_columns(standard, pollutant, period, expected):
    assert aqi.iaqi(pollutant, 800, period, standard) == (200 if pollutant == "so2" else 300)
    assert aqi.iaqi(pollutant, 800.5, period, standard) == (200 if pollutant == "so2" else 300)  # → 800
    assert aqi.iaqi(pollutant, 801, period, standard) == expected
    assert aqi.iaqi(pollutant, 5000, period, standard) == expected


HOURLY_1H = {"so2_1h": 10, "no2_1h": 40, "co_1h": 0.8, "o3_1h": 60, "pm10_1h": 120, "pm25_1h": 80}


def test_hourly_aqi_2012():
    result = aqi.aqi(HOURLY_1H, date(2025, 6, 1), "hourly")
    assert result.standard == S12
    assert dict(result.indices) == {"so2": 4, "no2": 20, "co": 8, "o3": 19, "pm10": 85, "pm25": 107}
    assert (result.aqi, result.primary_pollutants) == (107, ("pm25",))
    assert (result.level, result.category, result.category_en, result.color) == (
        3, "轻度污染", "Lightly polluted", "#FF7E00")


def test_hourly_aqi_2026_same_air_rates_worse():
    result = aqi.aqi(HOURLY_1H, date(2026, 6, 1), "hourly")
    assert result.standard == S26
    assert dict(result.indices)["pm10"] == 100 and dict(result.indices)["pm25"] == 119
    assert (result.aqi, result.primary_pollutants, result.level) == (119, ("pm25",), 3)


@pytest.mark.parametrize("standard,key,value,expected", [
    (S12, "pm25_1h", 75, 100), (S26, "pm25_1h", 60, 100),      # PM 1-hour means on the 24h column
    (S12, "pm10_1h", 150, 100), (S26, "pm10_1h", 120, 100),
    (S12, "no2_1h", 200, 100), (S26, "no2_1h", 200, 100),        # gases on their 1h columns
    (S12, "so2_1h", 500, 100), (S26, "co_1h", 10, 100), (S26, "o3_1h", 200, 100),
])
def test_real_time_columns(standard, key, value, expected):
    assert aqi.aqi({key: value}, standard=standard).aqi == expected


@pytest.mark.parametrize("standard,key,value,expected", [
    (S12, "no2_24h", 80, 100), (S26, "so2_24h", 150, 100), (S26, "co_24h", 4, 100),
    (S12, "pm25_24h", 75, 100), (S26, "pm25_24h", 75, 114), (S26, "pm10_24h", 120, 100),
    (S12, "o3_8h", 160, 100), (S26, "o3_8h", 160, 100),
])
def test_daily_columns(standard, key, value, expected):
    assert aqi.aqi({key: value}, mode="daily", standard=standard).aqi == expected


def test_2012_daily_rates_ozone_on_both_its_daily_indicators():
    result = aqi.aqi({"o3_8h": 100, "o3_1h": 300}, mode="daily", standard=S12)   # 8h → 50, 1h → 150
    assert (result.aqi, result.primary_pollutants) == (150, ("o3",))
    assert aqi.aqi({"o3_8h": 215, "o3_1h": 160}, mode="daily", standard=S12).aqi == 150


def test_2012_hourly_takes_the_optional_ozone_8h_moving_mean():
    assert aqi.aqi({"o3_1h": 160, "o3_8h": 215}, standard=S12).aqi == 150
    assert aqi.aqi({"o3_1h": 160}, standard=S12).aqi == 50


def test_2012_note_2_reports_so2_from_its_24h_mean():
    result = aqi.aqi({"so2_1h": 900, "so2_24h": 500, "pm25_1h": 20}, standard=S12)
    assert dict(result.indices)["so2"] == 154 and result.primary_pollutants == ("so2",)
    assert aqi.aqi({"so2_1h": 400, "so2_24h": 2000}, standard=S12).aqi == 86   # 24h read only above 800
    with pytest.raises(ValueError, match="so2_24h"):
        aqi.aqi({"so2_1h": 900}, standard=S12)


def test_2012_note_3_reports_ozone_from_its_1h_mean():
    assert aqi.aqi({"o3_8h": 900, "o3_1h": 1100}, mode="daily", standard=S12).aqi == 450
    assert aqi.aqi({"o3_8h": 900, "o3_1h": 1100}, standard=S12).aqi == 450     # hourly as well
    with pytest.raises(ValueError, match="o3_1h"):
        aqi.aqi({"o3_8h": 900}, mode="daily", standard=S12)


def test_2026_notes_need_no_other_average():
    assert aqi.aqi({"so2_1h": 900}, standard=S26).aqi == 200
    assert aqi.aqi({"o3_8h": 900}, mode="daily", standard=S26).aqi == 300


@pytest.mark.parametrize("standard,mode,key,value", [
    (S26, "hourly", "o3_8h", 900), (S26, "hourly", "so2_24h", 900), (S26, "daily", "o3_1h", 1100),
])
def test_averages_a_standard_does_not_read_are_ignored(standard, mode, key, value):
    base = {"pm25_1h": 40} if mode == "hourly" else {"pm25_24h": 40}
    without = aqi.aqi(base, mode=mode, standard=standard)
    assert aqi.aqi({**base, key: value}, mode=mode, standard=standard) == without


@pytest.mark.parametrize("mode,key", [
    ("hourly", "pm25_24h"), ("hourly", "no2_24h"), ("hourly", "pm2.5_1h"), ("hourly", "PM25_1h"),
    ("daily", "so2_1h"), ("daily", "pm25_1h"), ("daily", "o3_24h"),
])
@pytest.mark.parametrize("standard", [S12, S26])
def test_keys_no_standard_reads_are_refused(standard, mode, key):
    with pytest.raises(ValueError, match="unknown keys"):
        aqi.aqi({key: 10}, mode=mode, standard=standard)


@pytest.mark.parametrize("day,standard", [
    (date(2013, 1, 1), S12), (date(2026, 2, 28), S12), (date(2026, 3, 1), S26), (date(2031, 1, 1), S26),
    (datetime(2026, 2, 28, 23, 59), S12), (datetime(2026, 3, 1, 0, 0), S26)])
def test_standard_chosen_by_date(day, standard):
    assert aqi.standard_for(day) == standard


def test_aqi_follows_the_date_unless_told_otherwise():
    day = {"pm25_24h": 75}
    assert aqi.aqi(day, date(2026, 2, 28), "daily").aqi == 100
    assert aqi.aqi(day, date(2026, 3, 1), "daily").aqi == 114
    assert aqi.aqi(day, date(2026, 3, 1), "daily", standard=S12).aqi == 100
    assert aqi.aqi(day, mode="daily").standard == S26               # no date: the standard in force now


def test_standard_for_needs_a_date():
    with pytest.raises(TypeError):
        aqi.standard_for("2026-03-01")
    with pytest.raises(TypeError):
        aqi.aqi({"pm25_1h": 10}, on="2026-03-01")


def test_primary_pollutants_tie_and_need_more_than_50():
    tie = aqi.aqi({"pm25_24h": 60, "pm10_24h": 120, "no2_24h": 40}, mode="daily", standard=S26)
    assert (tie.aqi, tie.primary_pollutants) == (100, ("pm10", "pm25"))
    low = aqi.aqi({"pm25_1h": 35, "pm10_1h": 50}, standard=S26)
    assert (low.aqi, low.primary_pollutants, low.category) == (50, (), "优")
    just = aqi.aqi({"pm25_1h": 36, "pm10_1h": 50}, standard=S26)
    assert (just.aqi, just.primary_pollutants, just.category) == (52, ("pm25",), "良")


def test_missing_values_are_skipped():
    result = aqi.aqi({"pm25_1h": None, "pm10_1h": math.nan, "no2_1h": 200}, standard=S26)
    assert (result.aqi, result.indices) == (100, (("no2", 100),))
    assert aqi.aqi({}) == aqi.AqiResult(None, (), None, None, None, None, S26, ())
    assert aqi.aqi({"pm25_1h": None}).aqi is None
    assert aqi.iaqi("pm25", None, "24h", S12) is None and aqi.iaqi("pm25", math.nan, "24h", S26) is None


@pytest.mark.parametrize("args,error", [
    (("pm25", 10, "24h", "HJ633-1999"), ValueError),
    (("pm25", 10, "24h", None), ValueError),
    (("pm2.5", 10, "24h", S12), ValueError),
    (("pm25", 10, "2h", S12), ValueError),
    (("pm25", 10, "1h", S26), ValueError),      # PM has no 1h column; real-time uses "24h"
    (("pm10", 10, "8h", S12), ValueError),
    (("co", 10, "8h", S26), ValueError),
    (("pm25", -1, "24h", S12), ValueError),
    (("pm25", math.inf, "24h", S26), ValueError),
    (("pm25", "12", "24h", S26), TypeError),
    (("pm25", True, "24h", S26), TypeError),
])
def test_invalid_iaqi_input(args, error):
    with pytest.raises(error):
        aqi.iaqi(*args)


def test_invalid_aqi_input():
    with pytest.raises(ValueError, match="mode"):
        aqi.aqi({"pm25_1h": 10}, mode="weekly")
    with pytest.raises(ValueError, match="standard"):
        aqi.aqi({"pm25_1h": 10}, standard="HJ633-2020")
    with pytest.raises(ValueError, match="negative"):
        aqi.aqi({"pm25_1h": -5})


LEVEL_ROWS = [(1, "优", "Excellent", "#00E400"), (2, "良", "Good", "#FFFF00"),
              (3, "轻度污染", "Lightly polluted", "#FF7E00"), (4, "中度污染", "Moderately polluted", "#FF0000"),
              (5, "重度污染", "Heavily polluted", "#99004C"), (6, "严重污染", "Severely polluted", "#7E0023")]


@pytest.mark.parametrize("value,expected", [
    (value, LEVEL_ROWS[i])
    for i, values in enumerate([(0, 50), (51, 100), (101, 150), (151, 200), (201, 300), (301, 500)])
    for value in values])
def test_levels_and_colours(value, expected):
    assert aqi.level_of(value) == expected


def test_colours_are_appendix_a_rgb():
    rgb = [(0, 228, 0), (255, 255, 0), (255, 126, 0), (255, 0, 0), (153, 0, 76), (126, 0, 35)]
    assert [row[5] for row in aqi.LEVELS] == rgb
    assert [row[4] for row in aqi.LEVELS] == ["#{:02X}{:02X}{:02X}".format(*c) for c in rgb]


def test_level_of_edges():
    assert aqi.level_of(None) is None
    with pytest.raises(ValueError):
        aqi.level_of(-1)
