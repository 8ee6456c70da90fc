"""The demo city's weather and its episodes, shared by the event and sensor generators.

Weather is a pure function of (seed, local day, anchor): the same day looks the same
whether it is generated in a full build or later by the live simulator. Three episodes
sit at fixed offsets before the anchor ("now" of the build) so that every scale, even
``tiny`` with 21 days, shows them:

- a multi-day pollution episode (PM2.5/PM10 several times normal), ended by rain;
- a rainstorm (tens of mm per hour) that raises rivers and waterlogging reports;
- a crowd surge at the event venue on one evening.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.clock import DAY_S, HOUR_S, local_day_index
from data.demo import rand
from data.demo.clock import DayWindow, day_window

POLLUTION_START_DAYS_BEFORE = 16     # episode starts at local midnight of anchor_day - 16
POLLUTION_LENGTH_H = 108             # 4.5 days
RAINSTORM_DAYS_BEFORE = 8            # anchor_day - 8, from 14:00 local
RAINSTORM_START_HOUR = 14
RAINSTORM_LENGTH_H = 20
RAINSTORM_PEAK_MM_H = 55.0
SURGE_DAYS_BEFORE = 3                # anchor_day - 3, 18:00-23:00 local
SURGE_START_HOUR = 18
SURGE_LENGTH_H = 5


@dataclass(frozen=True)
class Episodes:
    """The instants ([start, end) epoch seconds) of the three built-in episodes."""

    pollution: tuple[int, int]
    rainstorm: tuple[int, int]
    crowd_surge: tuple[int, int]


@dataclass(frozen=True)
class WeatherDay:
    """Hourly weather over one local day; index i covers [hour_start_s[i], +1h)."""

    hour_start_s: np.ndarray   # int64
    temp_c: np.ndarray
    rain_mm: np.ndarray        # city-wide mean rainfall in the hour, mm
    pollution: np.ndarray      # multiplier on particulate levels, 1 = ordinary day
    storm: np.ndarray          # bool: inside the rainstorm episode
    surge: np.ndarray          # 0..1 crowd surge intensity at the venue

    def hour_index(self, epoch_s: np.ndarray) -> np.ndarray:
        """Return, for instants inside this day, the index of their hour."""
        idx = (np.asarray(epoch_s, dtype="int64") - self.hour_start_s[0]) // HOUR_S
        return np.clip(idx, 0, len(self.hour_start_s) - 1)


def episodes(anchor_s: int, tz: str) -> Episodes:
    """Return the episode windows for a build anchored at ``anchor_s``."""
    anchor_day = local_day_index(anchor_s, tz)

    def window(days_before: int, start_hour: int, length_h: int) -> tuple[int, int]:
        start = day_window(anchor_day - days_before, tz, 0, 2**62).day_start_s + start_hour * HOUR_S
        return start, start + length_h * HOUR_S

    return Episodes(
        pollution=window(POLLUTION_START_DAYS_BEFORE, 0, POLLUTION_LENGTH_H),
        rainstorm=window(RAINSTORM_DAYS_BEFORE, RAINSTORM_START_HOUR, RAINSTORM_LENGTH_H),
        crowd_surge=window(SURGE_DAYS_BEFORE, SURGE_START_HOUR, SURGE_LENGTH_H),
    )


def weather_for_day(seed: int, day: DayWindow, anchor_s: int, tz: str) -> WeatherDay:
    """Return the hourly weather of a local day (independent of the keep window)."""
    hours = day.day_start_s + HOUR_S * np.arange(day.n_hours, dtype="int64")
    mid = hours + HOUR_S // 2
    eps = episodes(anchor_s, tz)
    storm = _inside(mid, eps.rainstorm)
    rain = np.maximum(_background_rain(seed, day), _storm_rain(mid, eps.rainstorm))
    rain = np.where(_inside(mid, eps.pollution), 0.0, rain)          # stagnant air: no rain
    rain = np.where(_just_after(mid, eps.pollution, 6), 6.0, rain)   # the cold front that clears it
    pollution = _pollution(seed, day, mid, eps.pollution) * np.where(rain > 0.5, 0.6, 1.0)
    return WeatherDay(
        hour_start_s=hours,
        temp_c=_temperature(seed, day, hours),
        rain_mm=rain,
        pollution=pollution,
        storm=storm,
        surge=_surge(mid, eps.crowd_surge),
    )


def _inside(t: np.ndarray, window: tuple[int, int]) -> np.ndarray:
    return (t >= window[0]) & (t < window[1])


def _just_after(t: np.ndarray, window: tuple[int, int], hours: int) -> np.ndarray:
    return (t >= window[1]) & (t < window[1] + hours * HOUR_S)


def _temperature(seed: int, day: DayWindow, hours: np.ndarray) -> np.ndarray:
    day_of_year = (day.day_index + 0) % 365.25
    seasonal = 16.5 - 12.0 * np.cos(2 * np.pi * (day_of_year - 15) / 365.25)
    daily_offset = rand.stream(seed, "weather.temp", day.day_index).normal(0, 2.0)
    hour_of_day = (hours - day.day_start_s) / HOUR_S
    diurnal = 4.0 * np.cos(2 * np.pi * (hour_of_day - 14) / 24)
    return seasonal + daily_offset + diurnal


def _background_rain(seed: int, day: DayWindow) -> np.ndarray:
    rng = rand.stream(seed, "weather.rain", day.day_index)
    rain = np.zeros(day.n_hours)
    if rng.random() < 0.28:
        start = int(rng.integers(0, day.n_hours))
        length = int(rng.integers(2, 10))
        intensity = rng.gamma(1.5, 1.6)
        rain[start:start + length] = intensity * rng.uniform(0.4, 1.3, size=len(rain[start:start + length]))
    return rain


def _storm_rain(mid: np.ndarray, window: tuple[int, int]) -> np.ndarray:
    """A bell-shaped storm peaking a third of the way in."""
    length = window[1] - window[0]
    peak = window[0] + length / 3
    shape = np.exp(-0.5 * ((mid - peak) / (length / 5)) ** 2)
    return np.where(_inside(mid, window), 2.0 + RAINSTORM_PEAK_MM_H * shape, 0.0)


def _pollution(seed: int, day: DayWindow, mid: np.ndarray, window: tuple[int, int]) -> np.ndarray:
    # Day-to-day variation, smoothed over neighbouring days so it has no jumps at midnight.
    draws = [rand.stream(seed, "weather.pollution", day.day_index + k).lognormal(0, 0.3) for k in (-1, 0, 1)]
    frac = (mid - day.day_start_s) / DAY_S
    base = np.where(frac < 0.5, draws[0] * (0.5 - frac) + draws[1] * (0.5 + frac),
                    draws[1] * (1.5 - frac) + draws[2] * (frac - 0.5))
    ramp = np.clip((mid - window[0]) / (36 * HOUR_S), 0, 1)          # builds up over 1.5 days
    episode = np.where(_inside(mid, window), 1.0 + 4.0 * ramp, 1.0)
    return base * episode


def _surge(mid: np.ndarray, window: tuple[int, int]) -> np.ndarray:
    length = window[1] - window[0]
    pos = (mid - window[0]) / length
    return np.where(_inside(mid, window), np.sin(np.pi * np.clip(pos, 0, 1)) ** 0.5, 0.0)
