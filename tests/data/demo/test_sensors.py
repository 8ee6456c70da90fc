"""Sensors and readings of the demo city, on a small square-grid fake geography and real weather."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pytest
import shapely

from data.clock import DAY_S, HOUR_S, local_day_index, parse_instant
from data.demo.clock import day_window, day_windows, local_hour_weekday
from data.demo.readings import describe_defects, generate_readings
from data.demo.scales import SCALES
from data.demo.sensors import KIND_BY_NAME, METRICS, build_sensors, history_start
from data.demo.weather import episodes, weather_for_day

TZ = "Asia/Shanghai"
SEED = 7
CELL_DEG = 0.01


@dataclass
class FakeGeography:
    """Square grids in two districts, dense in the middle, a river across, a venue east of centre."""

    cols: int = 6
    rows: int = 5
    lon0: float = 119.40
    lat0: float = 32.15

    @cached_property
    def _grids(self) -> pd.DataFrame:
        col, row = np.tile(np.arange(self.cols), self.rows), np.repeat(np.arange(self.rows), self.cols)
        west, south = self.lon0 + col * CELL_DEG, self.lat0 + row * CELL_DEG
        centre = np.hypot(col - (self.cols - 1) / 2, row - (self.rows - 1) / 2)
        district = np.where(col < self.cols / 2, "321102", "321111")
        seq = np.char.zfill((np.arange(len(col)) + 1).astype(str), 3)
        area = (CELL_DEG * 111.32 * np.cos(np.radians(south))) * (CELL_DEG * 110.57)
        return pd.DataFrame({
            "code": np.char.add(np.char.add(district, "001001"), seq),
            "population": np.rint(area * 30_000 * np.exp(-centre / 1.2)).astype(int) + 200,
            "area_km2": area,
            "centroid_lon": west + CELL_DEG / 2, "centroid_lat": south + CELL_DEG / 2,
            "district_code": district,
            "name_zh": np.char.add(np.char.add("第", seq), "网格"), "name_en": np.char.add("Grid ", seq),
            "geometry": shapely.box(west, south, west + CELL_DEG, south + CELL_DEG),
        })

    def grids(self) -> pd.DataFrame:
        return self._grids

    @property
    def venue_grid_index(self) -> int:
        return (self.rows // 2) * self.cols + self.cols // 2 + 1

    @property
    def features(self) -> pd.DataFrame:
        river_lat = self.lat0 + 1.5 * CELL_DEG
        river = shapely.box(self.lon0, river_lat, self.lon0 + self.cols * CELL_DEG, river_lat + 0.003)
        venue = shapely.centroid(self._grids["geometry"].iloc[self.venue_grid_index])
        park = shapely.box(self.lon0, self.lat0, self.lon0 + CELL_DEG, self.lat0 + CELL_DEG)
        return pd.DataFrame({"feature_id": ["R1", "V1", "P1"], "kind": ["river", "venue", "industrial_park"],
                             "name_zh": ["云江", "体育中心", "新区工业园"],
                             "name_en": ["Yun River", "Sports Centre", "New Area Industrial Park"],
                             "geometry": [river, venue, park]})

    @property
    def units(self) -> pd.DataFrame:
        return pd.DataFrame({"code": ["321100", "321102", "321111", "321102001001", "321111001001"],
                             "level": ["city", "district", "district", "community", "community"],
                             "name_zh": ["云江市", "东岚区", "西湖区", "槐盛社区", "杏丰村"],
                             "name_en": ["Yunjiang", "Donglan District", "Xihu District", "Huaisheng Community",
                                         "Xingfeng Village"]})

    def sample_points(self, grid_index: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        bounds = shapely.bounds(self._grids["geometry"].to_numpy()[np.asarray(grid_index)])
        u, v = rng.random(len(bounds)), rng.random(len(bounds))
        return bounds[:, 0] + u * (bounds[:, 2] - bounds[:, 0]), bounds[:, 1] + v * (bounds[:, 3] - bounds[:, 1])


SCALE = SCALES["tiny"]
ANCHOR = parse_instant("2025-01-20T10:30:00", TZ)


@pytest.fixture(scope="module")
def geo() -> FakeGeography:
    return FakeGeography()


@pytest.fixture(scope="module")
def sensors(geo) -> pd.DataFrame:
    return build_sensors(SEED, SCALE, geo, ANCHOR, TZ)


def _day(day, geo, sensors):
    return generate_readings(SEED, SCALE, geo, sensors, day, ANCHOR, TZ, weather_for_day(SEED, day, ANCHOR, TZ))


@pytest.fixture(scope="module")
def readings(geo, sensors) -> pd.DataFrame:
    """The whole history up to the anchor, with local hour and weekday of every reading."""
    days = day_windows(history_start(SCALE, ANCHOR, TZ), ANCHOR, TZ)
    frame = pd.concat([_day(d, geo, sensors) for d in days], ignore_index=True)
    hour, weekday = local_hour_weekday(frame["ts"].to_numpy(), TZ)
    return frame.assign(hour=np.floor(hour).astype(int), workday=weekday < 5)


def _series(readings, metric, kinds=None, sensors=None) -> pd.DataFrame:
    rows = readings[readings["metric"] == metric]
    if kinds is not None:
        rows = rows[rows["sensor_id"].isin(sensors.loc[sensors["kind"].isin(kinds), "sensor_id"])]
    return rows


def _clean_pm(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[rows["value"] < 900]


# ---- the sensors table ----

def test_sensor_counts_per_kind_follow_the_scale(sensors, geo):
    counts = sensors["kind"].value_counts()
    expected = {"air_national": SCALE.n_air_national, "air_micro": SCALE.n_air_micro,
                "water_level": SCALE.n_water_level, "rainfall": SCALE.n_rainfall, "traffic": SCALE.n_traffic,
                "noise": SCALE.n_noise, "power": SCALE.n_power, "crowd": len(geo.grids())}
    assert counts.to_dict() == expected


def test_sensor_table_matches_the_schema(sensors, geo):
    assert list(sensors.columns) == ["sensor_id", "kind", "name_zh", "name_en", "grid_code", "lon", "lat",
                                     "metrics", "interval_min", "installed_at", "retired_at"]
    assert sensors["sensor_id"].is_unique
    assert sensors["installed_at"].dtype == np.int64 and sensors["retired_at"].dtype == np.float64
    assert sensors["retired_at"].isna().all()
    assert set(sensors["grid_code"]) <= set(geo.grids()["code"])
    for kind, spec in KIND_BY_NAME.items():
        mine = sensors[sensors["kind"] == kind]
        assert all(list(m) == list(spec.metrics) for m in mine["metrics"])
    assert sensors.loc[sensors["kind"] == "traffic", "interval_min"].eq(SCALE.traffic_interval_min).all()
    assert sensors.loc[sensors["kind"] == "air_micro", "interval_min"].eq(60).all()


def test_sensor_ids_and_names_read_like_the_real_network(sensors, geo):
    ids = sensors.set_index("kind")["sensor_id"]
    assert ids["air_national"].iloc[0] == "AQ-N-01" and ids["air_micro"].iloc[0] == "AQ-M-001"
    assert list(ids["crowd"]) == list("CROWD-" + geo.grids()["code"])
    assert sensors["name_zh"].str.contains(r"[\u4e00-\u9fff]").all()
    assert sensors["name_en"].str.fullmatch(r"[A-Za-z0-9 .'-]+").all()
    assert sensors.loc[sensors["kind"] == "traffic", "name_zh"].str.fullmatch(r".+(路|大道|街)\d+段").all()
    assert sensors.loc[sensors["kind"] == "water_level", "name_zh"].str.endswith("水位站").all()
    assert sensors.loc[sensors["kind"] == "power", "name_zh"].str.fullmatch(r"(东岚区|西湖区)\d+号变电站").all()
    crowd = sensors[sensors["kind"] == "crowd"]
    assert crowd["name_zh"].str.fullmatch(r"(槐盛社区|杏丰村)第\d+网格人流监测").all()
    assert crowd["name_en"].iloc[0] == "Huaisheng Community Grid 001 crowd count"


def test_sensors_sit_inside_their_grid_and_gauges_in_the_river(sensors, geo):
    grids = geo.grids().set_index("code")
    points = shapely.points(sensors["lon"], sensors["lat"])
    cells = grids.loc[sensors["grid_code"], "geometry"].to_numpy()
    assert shapely.covers(cells, points).all()
    river = geo.features.loc[geo.features["kind"] == "river", "geometry"].iloc[0]
    gauges = points[(sensors["kind"] == "water_level").to_numpy()]
    assert shapely.covers(river, gauges).all()


def test_installations_mostly_before_the_history(sensors):
    before = sensors["installed_at"] < history_start(SCALE, ANCHOR, TZ)
    assert before[sensors["kind"] != "air_micro"].all()
    assert before.mean() > 0.9


# ---- readings: shape of the table ----

def test_readings_table_is_cheap_and_in_time_order(readings, sensors):
    for column in ("sensor_id", "metric", "quality"):
        assert isinstance(readings[column].dtype, pd.CategoricalDtype)
    assert readings["ts"].dtype == np.int64 and readings["value"].dtype == np.float64
    suspect = readings["quality"] == "suspect"
    assert set(readings["quality"]) <= {"ok", "suspect"}
    assert (readings.loc[suspect, "value"] == 999).all() and readings.loc[suspect, "metric"].isin(["pm25", "pm10"]).all()
    assert not ((readings["value"] == 999) & ~suspect & readings["metric"].isin(["pm25", "pm10"])).any()
    assert readings["ts"].is_monotonic_increasing
    key = readings[["ts", "sensor_id", "metric"]].astype({"sensor_id": str, "metric": str})
    assert not key.duplicated().any()
    assert (key.iloc[1:].to_numpy() >= key.iloc[:-1].to_numpy()).any(axis=1).all()
    per_sensor = readings.groupby("sensor_id", observed=True)["metric"].agg(lambda m: set(m.astype(str)))
    expected = sensors.set_index("sensor_id")["metrics"].map(set)
    assert all(per_sensor[s] <= expected[s] for s in per_sensor.index[:50])


@pytest.mark.parametrize("metric, low, high", [
    ("so2", 2, 60), ("no2", 5, 150), ("pm10", 3, 700), ("co", 0.1, 4), ("o3", 2, 200), ("pm25", 3, 450),
    ("rain_mm", 0, 90), ("water_level_m", 1.5, 12), ("speed_kmh", 3, 110), ("noise_db", 35, 80),
    ("load_mw", 5, 800), ("people", 5, 80_000),
])
def test_values_are_plausible(readings, metric, low, high):
    values = readings.loc[readings["metric"] == metric, "value"]
    values = values[values < 900] if metric in ("pm25", "pm10") else values
    assert values.between(low, high).mean() > 0.995, values.describe()


# ---- readings: the signal ----

def test_no2_peaks_at_rush_hours_and_o3_in_the_afternoon(readings):
    workday = readings[readings["workday"]]
    no2 = workday[workday["metric"] == "no2"].groupby("hour")["value"].mean()
    assert no2[[8, 18, 19]].min() > 1.2 * no2[[3, 13]].max()
    o3 = readings[readings["metric"] == "o3"].groupby("hour")["value"].mean()
    assert o3.idxmax() in range(13, 18)
    assert o3[[14, 15, 16]].mean() > 2.0 * o3[[4, 5, 6]].mean()


def test_particles_higher_at_night_than_in_the_afternoon(readings):
    pm = _clean_pm(readings[readings["metric"] == "pm25"]).groupby("hour")["value"].mean()
    assert pm[[2, 3, 4, 5, 6]].mean() > 1.2 * pm[[14, 15, 16]].mean()


def test_pollution_episode_shows_in_pm25(readings):
    start, end = episodes(ANCHOR, TZ).pollution
    pm = _clean_pm(readings[readings["metric"] == "pm25"])
    inside = pm["ts"].between(start + 36 * HOUR_S, end - 1)
    ordinary = ~pm["ts"].between(start - DAY_S, end + DAY_S)
    assert pm.loc[inside, "value"].mean() > 3.0 * pm.loc[ordinary, "value"].mean()
    assert 150 <= pm.loc[inside, "value"].median() <= 300
    daily = pm[ordinary].groupby(pm["ts"] // DAY_S)["value"].mean()
    assert daily.between(15, 75).mean() > 0.8     # mostly AQI 优/良 days



def test_rainstorm_fills_gauges_and_raises_the_river_later(readings):
    start, end = episodes(ANCHOR, TZ).rainstorm
    rain = readings[readings["metric"] == "rain_mm"]
    storm_rain = rain[rain["ts"].between(start, end - 1)].groupby("ts")["value"].mean()
    assert storm_rain.max() > 30
    level = readings[readings["metric"] == "water_level_m"].groupby("ts")["value"].mean()
    before = level[level.index < start].iloc[-24:].mean()
    peak_ts = level.idxmax()
    assert level.max() - before > 1.0
    assert peak_ts - storm_rain.idxmax() >= 4 * HOUR_S
    three_days_on = level[level.index >= peak_ts + 3 * DAY_S].iloc[:24].mean()
    assert three_days_on < level.max() - 0.5 * (level.max() - before)   # recedes over days


def test_traffic_slows_at_rush_hour_on_workdays(readings):
    speed = readings[readings["metric"] == "speed_kmh"]
    by_hour = speed.groupby(["workday", "hour"])["value"].mean()
    assert by_hour[True][[8, 18]].max() < 0.85 * by_hour[True][3]
    assert by_hour[False][8] > by_hour[True][8] * 1.1


def test_noise_louder_by_day_and_downtown(readings, sensors, geo):
    noise = readings[readings["metric"] == "noise_db"]
    by_hour = noise.groupby("hour")["value"].mean()
    assert by_hour[[10, 14, 18]].mean() > by_hour[[1, 3]].mean() + 8


def test_power_load_follows_the_daily_cycle(readings):
    load = readings[readings["metric"] == "load_mw"].groupby("hour")["value"].mean()
    assert load[[19, 20, 21]].mean() > 1.3 * load[[3, 4]].mean()


def test_crowd_surge_at_the_venue(readings, geo):
    codes = geo.grids()["code"]
    venue = "CROWD-" + codes.iloc[geo.venue_grid_index]
    far = "CROWD-" + codes.iloc[0]
    start, end = episodes(ANCHOR, TZ).crowd_surge
    people = readings[readings["metric"] == "people"].assign(in_surge=lambda f: f["ts"].between(start, end - 1))
    people["sensor_id"] = people["sensor_id"].astype(str)
    assert people.loc[people["in_surge"], "workday"].all()
    usual = people[~people["in_surge"] & people["workday"]].groupby(["sensor_id", "hour"])["value"].mean()
    during = people[people["in_surge"]].set_index(["sensor_id", "hour"])["value"]
    rise = (during - usual.reindex(during.index)).groupby(level="sensor_id").max()
    usual = usual.groupby(level="sensor_id").mean()
    assert 25_000 <= rise[venue] <= 55_000
    neighbours = rise.drop(venue).nlargest(3)
    assert (neighbours > 300).all() and neighbours.max() < 0.3 * rise[venue]
    assert abs(rise[far]) < 0.3 * usual[far] + 50


def test_crowd_moves_downtown_by_day(readings, geo):
    grids = geo.grids()
    density = grids["population"] / grids["area_km2"]
    core, suburb = "CROWD-" + grids["code"][density.idxmax()], "CROWD-" + grids["code"][density.idxmin()]
    workday = readings[readings["workday"] & (readings["metric"] == "people")]
    daytime = workday["hour"].between(10, 16)
    mean = workday.groupby([workday["sensor_id"].astype(str), daytime])["value"].mean()
    assert mean[core, True] > 1.3 * mean[core, False]
    assert mean[suburb, True] < 0.8 * mean[suburb, False]


# ---- readings: the flaws of real feeds ----

def _expected_rows(sensors, defects) -> int:
    days = day_windows(history_start(SCALE, ANCHOR, TZ), ANCHOR, TZ)
    total = 0
    for day in days:      # one loop per day over a whole-table computation
        step = sensors["interval_min"].to_numpy() * 60
        first = np.maximum(day.keep_start_s, sensors["installed_at"].to_numpy())
        last = np.where(sensors["sensor_id"] == defects.offline_sensor_id,
                        np.minimum(day.keep_end_s, defects.offline_from_s), day.keep_end_s)
        slots = np.maximum(np.ceil((last - day.day_start_s) / step) - np.ceil((first - day.day_start_s) / step), 0)
        total += int((slots * sensors["metrics"].map(len).to_numpy()).sum())
    return total


def test_gaps_at_a_plausible_rate(readings, sensors):
    defects = describe_defects(SEED, SCALE, sensors, ANCHOR, TZ)
    missing = 1 - len(readings) / _expected_rows(sensors, defects)
    assert 0.003 < missing < 0.03


def test_some_hourly_sensor_has_a_multi_hour_gap(readings, sensors):
    hourly = sensors.loc[(sensors["interval_min"] == 60) & (sensors["kind"] != "crowd"), "sensor_id"]
    stamps = readings.loc[readings["sensor_id"].isin(hourly), ["sensor_id", "ts"]].drop_duplicates()
    stamps = stamps.sort_values(["sensor_id", "ts"])
    step = stamps.groupby("sensor_id", observed=True)["ts"].diff()
    assert (step >= 3 * HOUR_S).sum() >= 1


def test_stuck_station_repeats_itself(readings, sensors):
    defects = describe_defects(SEED, SCALE, sensors, ANCHOR, TZ)
    mine = readings[readings["sensor_id"] == defects.stuck_sensor_id]
    during = mine[mine["ts"].between(defects.stuck_start_s, defects.stuck_end_s - 1)]
    assert 40 * HOUR_S <= defects.stuck_end_s - defects.stuck_start_s <= 72 * HOUR_S
    assert len(during) > 30 * 6
    assert during.groupby("metric", observed=True)["value"].nunique().eq(1).all()
    assert during.groupby("metric", observed=True)["value"].first().to_dict() == pytest.approx(defects.stuck_values)
    before = mine[mine["ts"] < defects.stuck_start_s]
    assert before.groupby("metric", observed=True)["value"].nunique().gt(5).all()


def test_offline_station_never_comes_back(readings, sensors):
    defects = describe_defects(SEED, SCALE, sensors, ANCHOR, TZ)
    assert defects.offline_sensor_id != defects.stuck_sensor_id
    mine = readings[readings["sensor_id"] == defects.offline_sensor_id]
    assert ANCHOR - defects.offline_from_s > 2 * DAY_S
    assert (mine["ts"] < defects.offline_from_s).sum() > 100
    assert (mine["ts"] >= defects.offline_from_s).sum() == 0
    assert np.isnan(sensors.set_index("sensor_id").loc[defects.offline_sensor_id, "retired_at"])


def test_pm_spikes_present_but_rare(readings):
    pm = readings[readings["metric"].isin(["pm25", "pm10"])].sort_values(["sensor_id", "metric", "ts"])
    series = pm.groupby(["sensor_id", "metric"], observed=True)["value"]
    neighbours = np.fmax(series.shift(1), series.shift(-1))
    spikes = (pm["value"] >= 999).sum()
    jumps = ((pm["value"] > 5 * neighbours) & (pm["value"] < 999)).sum()
    assert spikes >= 1 and jumps >= 1
    assert (spikes + jumps) / len(pm) < 0.002


# ---- determinism and partial days ----

def test_same_seed_same_city(geo, sensors):
    pd.testing.assert_frame_equal(build_sensors(SEED, SCALE, geo, ANCHOR, TZ), sensors)
    day = day_window(local_day_index(ANCHOR, TZ) - 3, TZ, 0, 2**62)
    pd.testing.assert_frame_equal(_day(day, geo, sensors), _day(day, geo, sensors))
    other = build_sensors(SEED + 1, SCALE, geo, ANCHOR, TZ)
    assert not np.allclose(other["lon"], sensors["lon"])


def test_partial_day_equals_the_same_rows_of_the_full_day(geo, sensors):
    full_day = day_window(local_day_index(ANCHOR, TZ) - 3, TZ, 0, 2**62)
    cut = (full_day.day_start_s + 5 * HOUR_S + 600, full_day.day_start_s + 13 * HOUR_S + 1800)
    partial_day = day_window(full_day.day_index, TZ, *cut)
    full, partial = _day(full_day, geo, sensors), _day(partial_day, geo, sensors)
    expected = full[full["ts"].between(cut[0], cut[1] - 1)].reset_index(drop=True)
    assert len(partial) > 1000
    pd.testing.assert_frame_equal(partial, expected)


def test_metric_categories_are_fixed(readings):
    assert list(readings["metric"].cat.categories) == list(METRICS)
