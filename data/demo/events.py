"""The demo city's events (cases): when they arrive, where, from whom, and how they are handled.

Arrivals are Poisson counts per (hour, source, category): the city's daily volume times each
source's hourly profile and weekday factor, times the category's driver (rain, pollution, night,
heat, cold). During the crowd surge, crowd categories also arrive at the venue grid. The whole
local day is always generated from streams keyed by (seed, purpose, day) and then cut to the keep
window, so a partial day equals the same rows of the full day.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data.clock import HOUR_S
from data.demo import rand
from data.demo.categories import CATEGORIES, DRIVERS, category_array, category_places, source_category_cells
from data.demo.clock import DayWindow, local_hour_weekday
from data.demo.lifecycle import events_as_of, plan_life_cycles  # noqa: F401  (events_as_of is public here)
from data.demo.people import caller_names, caller_phones, descriptions, text_labels
from data.demo.scales import Scale
from data.demo.sources import SOURCE_IDS, SOURCES, source_array
from data.demo.weather import WeatherDay

ArrayLike = np.ndarray | pd.api.extensions.ExtensionArray

PLAN_COLUMNS = ("source", "event_id", "category_code", "grid_code", "lon", "lat", "received_at", "accepted_at",
                "dispatched_at", "resolved_at", "closed_at", "due_at", "status", "handling_level", "department",
                "satisfaction", "is_repeat", "description", "caller_name", "caller_phone", "updated_at")

DAY_SPREAD = 0.06          # lognormal sigma of the whole city's volume from one day to the next
RAIN_GAIN_PER_MM = 0.5     # rain-driven categories: +50% per mm/h, so a 50 mm/h storm gives ~25x
RAIN_CAP_MM = 60.0
WET_GAIN_PER_MM = 0.08     # wet-weather categories (accidents, blocked drains) rise at most 2.5x
WET_CAP = 1.5
POLLUTION_EXPONENT = 1.2   # complaints grow a little faster than particulate levels
HOT_C, HEAT_GAIN_PER_C = 30.0, 0.12
COLD_C, COLD_GAIN_PER_C = 3.0, 0.08
VENUE_GAIN = 60.0          # crowd categories at the venue at the surge's peak, vs the whole city's normal
# Night-driven categories (noise, nightlife disputes) by local hour, before scaling to a mean of 1.
NIGHT_SHAPE = np.array([2.2, 2.0, 1.5, 1.0, 0.7, 0.5, 0.5, 0.5, 0.6, 0.6, 0.6, 0.6,
                        0.7, 0.7, 0.7, 0.7, 0.8, 0.9, 1.1, 1.4, 1.8, 2.2, 2.5, 2.4])


def plan_events(seed: int, scale: Scale, geo, day: DayWindow, anchor_s: int, tz: str,
                weather: WeatherDay) -> pd.DataFrame:
    """Return every event received in the day's keep window, with its whole planned life cycle."""
    del anchor_s  # the episodes reach events through the weather (rain, pollution, surge)
    columns = _whole_day(seed, scale, geo, day, tz, weather)
    rank, source_index, received = columns.pop("rank"), columns.pop("source_index"), columns["received_at"]
    kept = np.flatnonzero((received >= day.keep_start_s) & (received < day.keep_end_s))
    # Time order, ties by source and then id, so rows append in the order DuckDB scans best.
    order = kept[np.lexsort((rank[kept], source_index[kept], received[kept]))]
    frame = pd.DataFrame({name: values[order] for name, values in columns.items()})
    return frame.assign(status="closed", updated_at=frame["closed_at"])[list(PLAN_COLUMNS)]


def _whole_day(seed: int, scale: Scale, geo, day: DayWindow, tz: str, weather: WeatherDay) -> dict[str, ArrayLike]:
    """Return the columns of every event of the local day, plus each one's source index and rank in it."""
    source, category, received, at_venue = _arrivals(seed, scale, day, tz, weather)
    rank = _rank_within_source(source)
    grids = geo.grids()
    grid = _choose_grids(rand.stream(seed, "events.grids", day.day_index), category, at_venue, grids,
                         geo.venue_grid_index)
    points = geo.sample_points(grid, rand.stream(seed, "events.points", day.day_index))
    lon, lat = (np.asarray(a, dtype="float64") for a in points)
    people_rng = rand.stream(seed, "events.people", day.day_index)
    names, phones = caller_names(people_rng, len(source)), caller_phones(people_rng, len(source))
    is_repeat, root = _repeat_roots(rand.stream(seed, "events.repeats", day.day_index), source, rank)
    category, grid, lon, lat, names, phones = (a[root] for a in (category, grid, lon, lat, names, phones))
    life = plan_life_cycles(rand.stream(seed, "events.life", day.day_index), source, category, received)
    texts = descriptions(people_rng, category_array("template"), category, _place_names(geo, grids), grid,
                         is_repeat)
    return {
        "source": text_labels(SOURCE_IDS, source), "event_id": _event_ids(source, rank, day.day_index),
        "category_code": text_labels(category_array("code"), category),
        "grid_code": text_labels(grids["code"], grid), "lon": lon, "lat": lat, "received_at": received, **life,
        "department": text_labels(category_array("department"), category), "is_repeat": is_repeat,
        "description": texts, "caller_name": names, "caller_phone": phones, "rank": rank, "source_index": source,
    }


def _arrivals(seed: int, scale: Scale, day: DayWindow, tz: str,
              weather: WeatherDay) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (source, category, received_at, at_venue) of the day's events, sorted by source and time."""
    rng = rand.stream(seed, "events.arrivals", day.day_index)
    cell_source, cell_category, cell_at_venue, rates = _arrival_rates(rng, scale, tz, weather)
    counts = rng.poisson(rates)
    hour, cell = np.divmod(np.repeat(np.arange(counts.size), counts.ravel()), rates.shape[1])
    received = weather.hour_start_s[hour] + rng.integers(0, HOUR_S, size=len(hour))
    source, category = cell_source[cell], cell_category[cell]
    order = np.lexsort((category, received, source))
    return source[order], category[order], received[order], cell_at_venue[cell][order]


def _arrival_rates(rng: np.random.Generator, scale: Scale, tz: str,
                   weather: WeatherDay) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return per column (source, category, at the venue) and the expected count per (hour, column)."""
    src, cat, share = source_category_cells()
    hour, weekday = local_hour_weekday(weather.hour_start_s + HOUR_S // 2, tz)
    hour = hour.astype("int64")
    per_source = _source_rates(scale, hour, weekday) * rng.lognormal(0.0, DAY_SPREAD)
    base = per_source[:, src] * share
    city = base * _driver_factors(weather, hour)[:, cat]
    crowd = np.flatnonzero(category_array("driver")[cat] == "crowd")
    venue = base[:, crowd] * VENUE_GAIN * weather.surge[:, None]
    at_venue = np.arange(len(src) + len(crowd)) >= len(src)
    return np.concatenate([src, src[crowd]]), np.concatenate([cat, cat[crowd]]), at_venue, np.hstack([city, venue])


def _source_rates(scale: Scale, hour: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """Expected events per (hour, source) before category drivers."""
    profiles = np.stack([s.hourly_profile() for s in SOURCES])[:, hour]
    weekdays = np.stack([s.weekday_factors() for s in SOURCES])[:, weekday]
    return (scale.events_per_day / 24 * source_array("share")[:, None] * profiles * weekdays).T


def _driver_factors(weather: WeatherDay, hour: np.ndarray) -> np.ndarray:
    """Multiplier per (hour, category) from the category's driver."""
    rain = np.minimum(weather.rain_mm, RAIN_CAP_MM)
    ones = np.ones(len(hour))
    curves = {
        "none": ones, "crowd": ones,
        "rain": 1 + RAIN_GAIN_PER_MM * rain,
        "wet": 1 + np.minimum(WET_GAIN_PER_MM * rain, WET_CAP),
        "pollution": np.maximum(weather.pollution, 0.3) ** POLLUTION_EXPONENT,
        "heat": 1 + HEAT_GAIN_PER_C * np.maximum(weather.temp_c - HOT_C, 0),
        "cold": 1 + COLD_GAIN_PER_C * np.maximum(COLD_C - weather.temp_c, 0),
        "night": (NIGHT_SHAPE / NIGHT_SHAPE.mean())[hour],
    }
    driver_index = np.array([DRIVERS.index(c.driver) for c in CATEGORIES])
    return np.stack([curves[d] for d in DRIVERS])[driver_index].T


def _rank_within_source(source: np.ndarray) -> np.ndarray:
    """Position of each event among its source's events (input sorted by source)."""
    return np.arange(len(source)) - np.searchsorted(source, source, side="left")


def _choose_grids(rng: np.random.Generator, category: np.ndarray, at_venue: np.ndarray,
                  grids: pd.DataFrame, venue_grid: int) -> np.ndarray:
    """Grid index of each event: the venue for surge events, else by population and urban-ness."""
    weights = _grid_weights(grids)
    place = category_places()[category]
    grid = np.full(len(category), venue_grid, dtype="int64")
    for group in range(len(weights)):
        chosen = np.flatnonzero((place == group) & ~at_venue)
        grid[chosen] = rng.choice(len(grids), size=len(chosen), p=weights[group])
    return grid


def _grid_weights(grids: pd.DataFrame) -> np.ndarray:
    """Rows: grid probabilities for events anywhere, in urban places and in rural places."""
    population = grids["population"].to_numpy("float64")
    density = population / np.maximum(grids["area_km2"].to_numpy("float64"), 1e-6)
    urban = pd.Series(density).rank(pct=True).to_numpy()
    weights = np.stack([population, population * urban**2, population * (1 - urban) ** 2]) + 1e-9
    return weights / weights.sum(axis=1, keepdims=True)


def _repeat_roots(rng: np.random.Generator, source: np.ndarray, rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (is_repeat, index of the first report each event repeats, itself if none)."""
    n = len(source)
    is_repeat = (rng.random(n) < source_array("repeat_share")[source]) & (rank > 0)
    earlier = np.arange(n) - rank + (rng.random(n) * rank).astype("int64")
    root = np.where(is_repeat, earlier, np.arange(n))
    while not np.array_equal(root[root], root):   # a repeat of a repeat goes back to the first report
        root = root[root]
    return is_repeat, root


def _event_ids(source: np.ndarray, rank: np.ndarray, day_index: int) -> pd.api.extensions.ExtensionArray:
    """Ids like '12345-20261122-000123': source prefix, local date, sequence within the day."""
    stamp = (date(1970, 1, 1) + timedelta(days=day_index)).strftime("%Y%m%d")
    prefix = pa.array([f"{s.id_prefix}-{stamp}-" for s in SOURCES]).take(source)
    sequence = pc.utf8_lpad(pa.array(rank + 1).cast(pa.string()), 6, "0")
    return pd.array(pc.binary_join_element_wise(prefix, sequence, ""), dtype="str")


def _place_names(geo, grids: pd.DataFrame) -> np.ndarray:
    """The name per grid used in descriptions: its community's when the geography has admin units."""
    units = getattr(geo, "units", None)
    if units is None:
        return grids["name_zh"].to_numpy()
    communities = units.loc[units["level"] == "community"].set_index("code")["name_zh"]
    return grids["community_code"].map(communities).fillna(grids["name_zh"]).to_numpy()
