"""What each kind of sensor measures over one day: numpy models over a sites x instants matrix.

Every model takes the day's inputs (weather, rain history, seed), the sites of its kind (a
frame with the sensors' columns plus ``urban``, ``population``, ``venue_km``...), the day's
timeline and a random stream of the day, and returns {metric: float array (sites, instants)}.
Per-site character (a station that reads high, a fast road) comes from streams keyed by the
seed only, so it is the same every day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.demo import rand
from data.demo.weather import WeatherDay


@dataclass(frozen=True)
class Timeline:
    """The reading instants of one kind over a day and what the models need to know about them."""

    ts: np.ndarray           # int64 epoch seconds
    hour: np.ndarray         # local fractional hour, 0..24
    workday: np.ndarray      # bool: Monday..Friday
    weather_idx: np.ndarray  # index of each instant's hour in the WeatherDay


@dataclass(frozen=True)
class DayInputs:
    """Everything about a day that is the same for all sensors."""

    seed: int
    weather: WeatherDay
    rain_history: np.ndarray   # hourly city rain: the days before, then this day's hours
    winter: float              # 1 in mid-January, 0 in mid-July
    summer_wet: float          # 1 at the height of the plum-rain / typhoon season, 0 in winter


def bump(hour: np.ndarray, peak: float, width: float) -> np.ndarray:
    """Return a Gaussian bump around a local hour, wrapping round midnight."""
    distance = (hour - peak + 12.0) % 24.0 - 12.0
    return np.exp(-0.5 * (distance / width) ** 2)


def daytime(hour: np.ndarray, start: float, end: float, edge: float) -> np.ndarray:
    """Return ~1 between start and end hours and ~0 outside, with soft edges."""
    return 1.0 / (1.0 + np.exp(-(hour - start) / edge)) / (1.0 + np.exp(-(end - hour) / edge))


def _site_factors(seed: int, kind: str, sigma, shape) -> np.ndarray:
    return rand.stream(seed, f"readings.site.{kind}").lognormal(0.0, sigma, size=shape)


def _weather(inputs: DayInputs, tl: Timeline, field: str) -> np.ndarray:
    return getattr(inputs.weather, field)[tl.weather_idx]


AIR_SITE_SPREAD = {"so2": 0.4, "no2": 0.18, "pm10": 0.08, "co": 0.15, "o3": 0.12, "pm25": 0.15}


def air(inputs: DayInputs, sites: pd.DataFrame, tl: Timeline, rng) -> dict[str, np.ndarray]:
    """Return the six pollutants of air stations (µg/m³; CO mg/m³), rounded as published."""
    n, metrics = len(sites), tuple(AIR_SITE_SPREAD)
    spread = np.array(list(AIR_SITE_SPREAD.values()))[:, None]
    site = _site_factors(inputs.seed, "air", spread, (len(metrics), n))[..., None]
    sigma = np.where(sites["kind"].to_numpy() == "air_micro", 0.2, 0.1)[:, None]   # cheap sensors are noisier
    noise = rng.lognormal(0.0, 1.0, size=(len(metrics), n, len(tl.ts))) ** sigma
    scatter = dict(zip(metrics, site * noise))
    urban = sites["urban"].to_numpy(float)[:, None]
    ugm3 = _particles(inputs, tl, scatter) | _gases(inputs, tl, urban, scatter)
    values = {m: np.maximum(np.rint(v), 2.0) for m, v in ugm3.items() if m != "co"}
    values["co"] = np.maximum(np.round(ugm3["co"], 2), 0.1)
    return values


def _particles(inputs: DayInputs, tl: Timeline, scatter: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    h, pollution, rain = tl.hour, _weather(inputs, tl, "pollution"), _weather(inputs, tl, "rain_mm")
    # Night and morning inversions trap particles; the afternoon mixing layer dilutes them.
    shape = 1.0 + 0.22 * np.cos(2 * np.pi * (h - 5) / 24) + 0.08 * bump(h, 8, 1.5)
    washout = 1.0 / (1.0 + 0.04 * rain)
    pm25 = 36 * (0.85 + 0.35 * inputs.winter) * pollution * shape * washout * scatter["pm25"]
    # Haze is mostly fine secondary aerosol, so PM10 runs closer to PM2.5 on bad days.
    coarse = 1.25 + 0.45 / np.maximum(pollution, 0.5)
    pm10 = np.maximum(pm25 * coarse * washout ** 0.5 * scatter["pm10"] ** 0.5, pm25 * 1.05)
    return {"pm25": pm25, "pm10": pm10}


def _gases(inputs: DayInputs, tl: Timeline, urban: np.ndarray,
           scatter: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    h, w = tl.hour, inputs.winter
    pollution, rain, temp = (_weather(inputs, tl, f) for f in ("pollution", "rain_mm", "temp_c"))
    rush = np.where(tl.workday, 1.0, 0.45)
    exhaust = rush * (0.55 * bump(h, 8, 1.3) + 0.65 * bump(h, 18.5, 1.6))
    no2 = 28 * (0.6 + 0.8 * urban) * (0.9 + 0.25 * w) * pollution ** 0.4 * (0.65 + exhaust - 0.1 * bump(h, 14, 2.5))
    co = 0.55 * (0.8 + 0.4 * w) * pollution ** 0.6 * (0.8 + 0.55 * exhaust)
    # Ozone is made by sunshine and heat in the afternoon and eaten by fresh NO at night downtown.
    sun = np.clip(0.35 + (temp - 5) / 25, 0.3, 1.5) * (0.25 + 1.25 * bump(h, 15, 3.2))
    o3 = 75 * sun * pollution ** -0.3 * (1.1 - 0.3 * urban) * np.exp(-0.03 * rain)
    so2 = 9 * (0.8 + 0.5 * w) * pollution ** 0.3 * (0.85 + 0.35 * bump(h, 10, 3))
    gases = {"so2": so2, "no2": no2, "co": co, "o3": o3}
    return {m: v * scatter[m] for m, v in gases.items()}


def rainfall(inputs: DayInputs, sites: pd.DataFrame, tl: Timeline, rng) -> dict[str, np.ndarray]:
    """Return hourly rain at each gauge (mm), patchy around the city mean."""
    n = len(sites)
    site = _site_factors(inputs.seed, "rainfall", 0.1, (n, 1))
    city = _weather(inputs, tl, "rain_mm")
    patchy = np.minimum(rng.lognormal(0.0, 0.25, size=(n, len(tl.ts))), 1.6)   # cells, not cloudbursts
    return {"rain_mm": np.round(city * site * patchy, 1)}


WATER_KERNEL_H = 240
TIDE_PERIOD_S = 44_712


def _water_kernel() -> np.ndarray:
    """Return the river's response to one mm of rain, per hour after it fell (sums to 1)."""
    t = np.arange(WATER_KERNEL_H, dtype=float)
    quick = t ** 2 * np.exp(-t / 4.0)            # gamma(3, 4 h): runoff peaks ~8 h later
    slow = np.exp(-t / 60.0)                     # baseflow recedes over days
    return 0.6 * quick / quick.sum() + 0.4 * slow / slow.sum()


def water_level(inputs: DayInputs, sites: pd.DataFrame, tl: Timeline, rng) -> dict[str, np.ndarray]:
    """Return river stage (m above the gauge datum): rain routed through a lagged response, plus tide."""
    n = len(sites)
    site_rng = rand.stream(inputs.seed, "readings.site.water_level")
    datum, gain = site_rng.uniform(2.5, 5.0, n), 0.09 * site_rng.lognormal(0, 0.2, n)
    lag = site_rng.integers(0, 4, n)
    tide_m, tide_phase = site_rng.uniform(0.03, 0.2, n), site_rng.uniform(0, 2 * np.pi, n)
    response = np.convolve(inputs.rain_history, _water_kernel())[: len(inputs.rain_history)]
    n_today = len(inputs.weather.rain_mm)
    hour_idx = len(inputs.rain_history) - n_today + tl.weather_idx
    routed = response[np.maximum(hour_idx[None, :] - lag[:, None], 0)]
    # The lower river feels the sea's semi-diurnal tide (period 12.42 h), continuous across days.
    tide = tide_m[:, None] * np.cos(2 * np.pi * tl.ts[None, :] / TIDE_PERIOD_S + tide_phase[:, None])
    level = datum[:, None] + 0.4 * inputs.summer_wet + gain[:, None] * routed + tide
    return {"water_level_m": np.round(level + rng.normal(0, 0.01, size=level.shape), 2)}


def traffic(inputs: DayInputs, sites: pd.DataFrame, tl: Timeline, rng) -> dict[str, np.ndarray]:
    """Return segment speeds (km/h): rush-hour dips on workdays, slower downtown, in rain, near a crowd."""
    n = len(sites)
    urban = sites["urban"].to_numpy(float)[:, None]
    free_flow = (70 - 35 * urban) * _site_factors(inputs.seed, "traffic", 0.08, (n, 1))
    h = tl.hour
    weekday_rush = bump(h, 8, 0.9) + 0.85 * bump(h, 18, 1.1)
    weekend_outings = 0.35 * bump(h, 11, 2.5) + 0.35 * bump(h, 17, 2)
    rush = np.where(tl.workday, weekday_rush, weekend_outings)
    congestion = 1 - (0.25 + 0.35 * urban) * np.minimum(rush, 1.0)
    wet = 1 - 0.25 * np.minimum(_weather(inputs, tl, "rain_mm") / 15.0, 1.0)
    near_venue = np.where(sites["venue_km"].to_numpy(float) < 2.0, np.exp(-sites["venue_km"].to_numpy(float)), 0.0)
    crowd = 1 - 0.45 * near_venue[:, None] * _weather(inputs, tl, "surge")
    speed = free_flow * congestion * wet * crowd * rng.lognormal(0, 0.08, size=(n, len(tl.ts)))
    return {"speed_kmh": np.maximum(np.round(speed, 1), 3.0)}


def noise(inputs: DayInputs, sites: pd.DataFrame, tl: Timeline, rng) -> dict[str, np.ndarray]:
    """Return hourly Leq (dB(A)): quiet nights, busy days, louder downtown and in rain."""
    n = len(sites)
    urban = sites["urban"].to_numpy(float)[:, None]
    offset = rand.stream(inputs.seed, "readings.site.noise").normal(0, 2.0, size=(n, 1))
    day = daytime(tl.hour, 6.5, 22.5, 0.8) * np.where(tl.workday, 1.0, 0.9)
    rain = 1.5 * (_weather(inputs, tl, "rain_mm") > 0.5)
    level = 44 + 8 * urban + (12 + 4 * urban) * day + rain + offset + rng.normal(0, 1.2, size=(n, len(tl.ts)))
    return {"noise_db": np.round(np.clip(level, 30, 95), 1)}


def power(inputs: DayInputs, sites: pd.DataFrame, tl: Timeline, rng) -> dict[str, np.ndarray]:
    """Return substation load (MW): a daily cycle raised by air conditioning and heating."""
    n = len(sites)
    base = sites["district_population"].to_numpy(float) * 0.0009 / sites["district_substations"].to_numpy(float)
    base = base[:, None] * _site_factors(inputs.seed, "power", 0.2, (n, 1))
    h = tl.hour
    cycle = 0.62 + 0.2 * bump(h, 10.5, 2.5) + 0.1 * bump(h, 15, 3) + 0.3 * bump(h, 20, 2.2)
    temp = _weather(inputs, tl, "temp_c")
    climate = 1 + 0.03 * np.maximum(temp - 24, 0) + 0.015 * np.maximum(14 - temp, 0)
    load = base * cycle * np.where(tl.workday, 1.0, 0.9) * climate * rng.lognormal(0, 0.03, size=(n, len(tl.ts)))
    return {"load_mw": np.round(load, 2)}


def crowd(inputs: DayInputs, sites: pd.DataFrame, tl: Timeline, rng) -> dict[str, np.ndarray]:
    """Return people present per grid: commuters move downtown by day; the venue fills on surge."""
    n = len(sites)
    population = sites["population"].to_numpy(float)
    day_factor = _day_factor(inputs.seed, population, sites["urban"].to_numpy(float))
    h = tl.hour
    at_work = np.where(tl.workday, daytime(h, 7.8, 18.5, 0.7), 0.55 * daytime(h, 9.5, 20.5, 1.0))
    present = population[:, None] * (0.97 * (1 - at_work) + day_factor[:, None] * at_work)
    present = np.maximum(present, 5.0) * rng.lognormal(0, 0.04, size=(n, len(tl.ts)))
    size = rand.stream(inputs.seed, "readings.surge_size").uniform(30_000, 50_000)
    surge = size * sites["surge_share"].to_numpy(float)[:, None] * _weather(inputs, tl, "surge")
    return {"people": np.rint(present + surge)}


def _day_factor(seed: int, population: np.ndarray, urban: np.ndarray) -> np.ndarray:
    """Return daytime / night-time presence per grid; the city's daytime total stays ~5% above night."""
    rng = rand.stream(seed, "readings.site.crowd")
    # Offices and shops fill the densest quarter of the city, plus a few business parks elsewhere.
    density_rank = np.argsort(np.argsort(urban + rng.normal(0, 0.05, len(urban)))) / max(len(urban) - 1, 1)
    downtown = np.clip((density_rank - 0.75) / 0.25 + rng.normal(0, 0.1, len(urban)), 0, 1)
    business_park = np.where(rng.random(len(urban)) < 0.04, rng.uniform(0.4, 0.9, len(urban)), 0.0)
    commercial = np.maximum(downtown, business_park)
    pull = (population * commercial).sum()
    scale = min(0.6 * population.sum() / pull, 4.0) if pull > 0 else 0.0
    return 0.45 + scale * commercial


MODELS = {"air": air, "rainfall": rainfall, "water_level": water_level, "traffic": traffic,
          "noise": noise, "power": power, "crowd": crowd}
