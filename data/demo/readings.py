"""One local day of sensor readings for the demo city, with the flaws of real feeds.

The whole local day is generated from streams keyed by (seed, purpose, day_index) and then
cut to the keep window, so a partial day (the live simulator) equals the same rows of the
full day (a build). Besides the signal (data/demo/readings_models.py) the feed has what
real feeds have: random missing readings, a few multi-hour gaps, PM spikes (999, the analyser's
error code, flagged 'suspect' as a real feed's mapping flags it, or a tenfold jump), one micro station stuck on the same values for a couple of days and one that went
offline some days before "now" and never came back (its retired_at stays NULL).
``describe_defects`` says which, so they can be checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import numpy as np
import pandas as pd

from data.clock import HOUR_S, local_day_index
from data.demo import rand
from data.demo.clock import DayWindow, day_window, local_hour_weekday
from data.demo.readings_models import MODELS, WATER_KERNEL_H, DayInputs, Timeline
from data.demo.scales import Scale
from data.demo.sensors import AIR_METRICS, METRICS, grid_urbanness, history_start
from data.demo.weather import WeatherDay, weather_for_day

QUALITIES = ("ok", "suspect", "invalid")
# The demo feed's error codes, flagged 'suspect' at the source as a real feed's ingest mapping flags
# them (`suspect: [999]`): the analyser's ceiling is no concentration, a tenfold jump below it is kept.
ERROR_CODES = {"pm25": 999.0, "pm10": 999.0}
FAMILIES = {                      # model -> the sensor kinds it drives
    "air": ("air_national", "air_micro"),
    "water_level": ("water_level",),
    "rainfall": ("rainfall",),
    "traffic": ("traffic",),
    "noise": ("noise",),
    "power": ("power",),
    "crowd": ("crowd",),
}
# (share of readings randomly missing, multi-hour outages per sensor-day)
GAP_RATES = {
    "air_national": (0.004, 0.004), "air_micro": (0.015, 0.01), "water_level": (0.008, 0.005),
    "rainfall": (0.008, 0.005), "traffic": (0.012, 0.004), "noise": (0.01, 0.005),
    "power": (0.004, 0.003), "crowd": (0.005, 0.0003),
}
SURGE_NEIGHBOUR_KM = 2.0
SURGE_NEIGHBOUR_SHARE = 0.25      # of the venue's surge, spread over grids within 2 km
STUCK_TYPICAL = {"so2": 9.0, "no2": 33.0, "pm10": 71.0, "co": 0.74, "o3": 58.0, "pm25": 42.0}


@dataclass(frozen=True)
class SensorDefects:
    """Which air micro station is stuck (and when), and which went offline for good (and when)."""

    stuck_sensor_id: str | None
    stuck_start_s: int
    stuck_end_s: int
    stuck_values: dict[str, float]
    offline_sensor_id: str | None
    offline_from_s: int


def describe_defects(seed: int, scale: Scale, sensors: pd.DataFrame, anchor_s: int, tz: str) -> SensorDefects:
    """Return the stuck and the offline station of a build; both ran normally before the history."""
    rng = rand.stream(seed, "readings.defects")
    established = sensors["installed_at"] < history_start(scale, anchor_s, tz)
    micro = sensors.loc[(sensors["kind"] == "air_micro") & established]
    if len(micro) < 2:
        return SensorDefects(None, 0, 0, {}, None, 0)
    stuck_id, offline_id = rng.choice(np.sort(micro["sensor_id"].to_numpy().astype(str)), 2, replace=False)
    anchor_day = local_day_index(anchor_s, tz)
    stuck_start = day_window(anchor_day - 10, tz, 0, 2**62).day_start_s + int(rng.integers(8, 18)) * HOUR_S
    stuck_end = stuck_start + int(rng.integers(44, 60)) * HOUR_S
    offline_from = day_window(anchor_day - 5, tz, 0, 2**62).day_start_s + int(rng.integers(0, 24)) * HOUR_S
    values = {m: round(v * float(rng.lognormal(0, 0.15)), 2 if m == "co" else 0) for m, v in STUCK_TYPICAL.items()}
    return SensorDefects(str(stuck_id), stuck_start, stuck_end, values, str(offline_id), offline_from)


def generate_readings(seed: int, scale: Scale, geo, sensors: pd.DataFrame, day: DayWindow,
                      anchor_s: int, tz: str, weather: WeatherDay) -> pd.DataFrame:
    """Return the readings of ``day`` inside its keep window, sorted by (ts, sensor_id, metric)."""
    sites = site_table(sensors, geo.grids(), geo.venue_grid_index)
    categories = np.sort(sites["sensor_id"].to_numpy().astype(str))
    sites["rank"] = np.searchsorted(categories, sites["sensor_id"].to_numpy().astype(str))
    inputs = _day_inputs(seed, day, anchor_s, tz, weather)
    defects = describe_defects(seed, scale, sensors, anchor_s, tz)
    parts = [_family_rows(family, sites[sites["kind"].isin(kinds)], inputs, day, tz, defects)
             for family, kinds in FAMILIES.items() if sites["kind"].isin(kinds).any()]
    sensor, ts, metric, value = (np.concatenate(column) for column in zip(*parts))
    keep = (ts >= day.keep_start_s) & (ts < day.keep_end_s)
    sensor, ts, metric, value = sensor[keep], ts[keep], metric[keep], value[keep]
    order = np.argsort(((ts - day.day_start_s) * len(categories) + sensor) * len(METRICS) + metric)
    return _frame(sensor[order], ts[order], metric[order], value[order], categories)


def site_table(sensors: pd.DataFrame, grids: pd.DataFrame, venue_grid_index: int) -> pd.DataFrame:
    """Return the sensors with what the models need from their grid and district."""
    grid = pd.Index(grids["code"].astype(str)).get_indexer(sensors["grid_code"].astype(str))
    district = grids["district_code"].to_numpy().astype(str)
    district_pop = grids.groupby("district_code")["population"].sum()
    substations = pd.Series(district[grid[(sensors["kind"] == "power").to_numpy()]]).value_counts()
    venue_lon, venue_lat = (grids[c].to_numpy(float)[venue_grid_index] for c in ("centroid_lon", "centroid_lat"))
    return sensors.assign(
        urban=grid_urbanness(grids)[grid],
        population=grids["population"].to_numpy(float)[grid],
        venue_km=_km(sensors["lon"].to_numpy(float), sensors["lat"].to_numpy(float), venue_lon, venue_lat),
        surge_share=_surge_share(grids, venue_grid_index)[grid],
        district_population=district_pop.reindex(district[grid]).to_numpy(float),
        district_substations=substations.reindex(district[grid]).fillna(1).to_numpy(float),
    )


def _km(lon: np.ndarray, lat: np.ndarray, lon0: float, lat0: float) -> np.ndarray:
    """Return distances (km) from (lon0, lat0); flat-earth is plenty inside one city."""
    dx = (lon - lon0) * 111.32 * np.cos(np.radians(lat0))
    return np.hypot(dx, (lat - lat0) * 110.57)


def _surge_share(grids: pd.DataFrame, venue: int) -> np.ndarray:
    """Return each grid's share of the venue's crowd surge: all of it at the venue, a little next door."""
    lon, lat = grids["centroid_lon"].to_numpy(float), grids["centroid_lat"].to_numpy(float)
    km = _km(lon, lat, lon[venue], lat[venue])
    weight = np.where(km < SURGE_NEIGHBOUR_KM, np.exp(-km / 0.8), 0.0)
    weight[venue] = 0.0
    share = SURGE_NEIGHBOUR_SHARE * weight / weight.sum() if weight.sum() > 0 else weight
    share[venue] = 1.0
    return share


def _day_inputs(seed: int, day: DayWindow, anchor_s: int, tz: str, weather: WeatherDay) -> DayInputs:
    history_days = range(day.day_index - WATER_KERNEL_H // 24, day.day_index)
    rain = np.concatenate([_city_rain(seed, d, anchor_s, tz) for d in history_days] + [weather.rain_mm])
    day_of_year = (date(1970, 1, 1) + timedelta(days=day.day_index)).timetuple().tm_yday
    winter = 0.5 + 0.5 * np.cos(2 * np.pi * (day_of_year - 15) / 365.25)
    summer_wet = max(0.0, np.cos(2 * np.pi * (day_of_year - 185) / 365.25)) ** 2
    return DayInputs(seed, weather, rain, float(winter), float(summer_wet))


@lru_cache(maxsize=256)
def _city_rain(seed: int, day_index: int, anchor_s: int, tz: str) -> np.ndarray:
    """Return a past day's hourly city rain (the river remembers ten days of it)."""
    rain = weather_for_day(seed, day_window(day_index, tz, 0, 2**62), anchor_s, tz).rain_mm.copy()
    rain.setflags(write=False)
    return rain


def _timeline(day: DayWindow, interval_min: int, tz: str, weather: WeatherDay) -> Timeline:
    step = interval_min * 60
    ts = day.day_start_s + step * np.arange((day.day_end_s - day.day_start_s) // step, dtype="int64")
    hour, weekday = local_hour_weekday(ts, tz)
    return Timeline(ts, hour, weekday < 5, weather.hour_index(ts))


def _family_rows(family: str, sites: pd.DataFrame, inputs: DayInputs, day: DayWindow, tz: str,
                 defects: SensorDefects) -> tuple[np.ndarray, ...]:
    """Return (sensor rank, ts, metric code, value) of one model's sensors over the whole day."""
    tl = _timeline(day, int(sites["interval_min"].iloc[0]), tz, inputs.weather)
    values = MODELS[family](inputs, sites, tl, rand.stream(inputs.seed, f"readings.{family}", day.day_index))
    if family == "air":
        _add_spikes(values, rand.stream(inputs.seed, "readings.spikes", day.day_index))
        _hold_stuck(values, sites, tl, defects)
    present = _reporting(sites, tl, defects) & ~_gaps(inputs.seed, family, sites, tl, day)
    return _long_form(sites["rank"].to_numpy(), tl.ts, values, present)


def _add_spikes(values: dict[str, np.ndarray], rng: np.random.Generator) -> None:
    """Put a few impossible PM values (999, the analyser's ceiling, or a tenfold jump) in place."""
    n_sites, n_times = values["pm25"].shape
    k = rng.poisson(0.4 + 0.01 * n_sites)
    site, when = rng.integers(0, n_sites, k), rng.integers(0, n_times, k)
    metric, ceiling = rng.choice(["pm25", "pm10"], k), rng.random(k) < 0.5
    for m in ("pm25", "pm10"):
        hit = metric == m
        spiked = np.minimum(values[m][site[hit], when[hit]] * 10, 999.0)
        values[m][site[hit], when[hit]] = np.where(ceiling[hit], 999.0, spiked)


def _hold_stuck(values: dict[str, np.ndarray], sites: pd.DataFrame, tl: Timeline, defects: SensorDefects) -> None:
    row = np.flatnonzero(sites["sensor_id"].to_numpy().astype(str) == defects.stuck_sensor_id)
    during = (tl.ts >= defects.stuck_start_s) & (tl.ts < defects.stuck_end_s)
    for m in AIR_METRICS:
        values[m][np.ix_(row, np.flatnonzero(during))] = defects.stuck_values.get(m, np.nan)


def _reporting(sites: pd.DataFrame, tl: Timeline, defects: SensorDefects) -> np.ndarray:
    """Return (sites, instants): installed, not retired, not the station that silently went offline."""
    installed = sites["installed_at"].to_numpy("int64")[:, None] <= tl.ts
    retired_at = np.nan_to_num(sites["retired_at"].to_numpy(float), nan=np.inf)
    offline = sites["sensor_id"].to_numpy().astype(str) == defects.offline_sensor_id
    gone_at = np.where(offline, defects.offline_from_s, retired_at)
    return installed & (tl.ts < gone_at[:, None])


def _gaps(seed: int, family: str, sites: pd.DataFrame, tl: Timeline, day: DayWindow) -> np.ndarray:
    """Return (sites, instants) of readings lost: scattered drops plus a few 2-8 hour outages."""
    rng = rand.stream(seed, f"readings.gaps.{family}", day.day_index)
    p_missing, outages = (sites["kind"].map({k: rates[i] for k, rates in GAP_RATES.items()}).to_numpy(float)
                          for i in (0, 1))
    flaky = rand.stream(seed, f"readings.site.gaps.{family}").lognormal(-0.125, 0.5, len(sites))
    lost = rng.random((len(sites), len(tl.ts))) < (p_missing * flaky)[:, None]
    k = rng.poisson(outages.sum())
    who = rng.choice(len(sites), k, p=outages / outages.sum())
    step_h = (tl.ts[1] - tl.ts[0]) / HOUR_S if len(tl.ts) > 1 else 1.0
    start, length = rng.integers(0, len(tl.ts), k), np.ceil(rng.uniform(2, 8, k) / step_h)
    slot = np.arange(len(tl.ts))
    np.logical_or.at(lost, who, (slot >= start[:, None]) & (slot < (start + length)[:, None]))
    return lost


def _long_form(ranks: np.ndarray, ts: np.ndarray, values: dict[str, np.ndarray],
               present: np.ndarray) -> tuple[np.ndarray, ...]:
    rows, cols = np.nonzero(present)
    codes = np.array([METRICS.index(m) for m in values], dtype="int64")
    return (np.tile(ranks[rows], len(values)), np.tile(ts[cols], len(values)),
            np.repeat(codes, len(rows)), np.concatenate([v[rows, cols] for v in values.values()]))


def _frame(sensor, ts, metric, value, categories) -> pd.DataFrame:
    return pd.DataFrame({
        "sensor_id": pd.Categorical.from_codes(sensor, categories=pd.Index(categories, dtype="str")),
        "ts": ts.astype("int64"),
        "metric": pd.Categorical.from_codes(metric, categories=pd.Index(METRICS, dtype="str")),
        "value": value.astype("float64"),
        "quality": pd.Categorical.from_codes(_quality_codes(metric, value),
                                             categories=pd.Index(QUALITIES, dtype="str")),
    })


def _quality_codes(metric: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Return each reading's quality code: 'suspect' where the value is the feed's error code, else 'ok'."""
    codes = np.zeros(len(value), dtype="int8")
    for name, error in ERROR_CODES.items():
        codes[(metric == METRICS.index(name)) & (value == error)] = QUALITIES.index("suspect")
    return codes
