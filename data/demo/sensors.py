"""The demo city's sensor network: air stations, gauges, road segments, meters and crowd counts.

``build_sensors`` places every sensor in a grid of the demo geography and returns the rows of
the ``sensors`` table. The geography is any object with ``grids()``, ``venue_grid_index``,
``features``, ``units`` and ``sample_points(grid_index, rng)`` (see data/demo/geography.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from data.clock import DAY_S, HOUR_S, local_day_index
from data.demo import rand
from data.demo.clock import day_window
from data.demo.scales import Scale
from data.demo.sensor_names import place_names, road_segment_names

AIR_METRICS = ("so2", "no2", "pm10", "co", "o3", "pm25")
METRICS = AIR_METRICS + ("water_level_m", "rain_mm", "speed_kmh", "noise_db", "load_mw", "people")
SENSOR_COLUMNS = ("sensor_id", "kind", "name_zh", "name_en", "grid_code", "lon", "lat", "metrics",
                  "interval_min", "installed_at", "retired_at")


@dataclass(frozen=True)
class SensorKind:
    """One kind of sensor: its id prefix, metrics, cadence and how long ago such sites were built."""

    kind: str
    id_prefix: str
    id_width: int
    metrics: tuple[str, ...]
    interval_min: int | None          # None: the scale sets it
    installed_days_before: tuple[int, int]   # before the history starts


KINDS = (
    SensorKind("air_national", "AQ-N-", 2, AIR_METRICS, 60, (800, 3000)),
    SensorKind("air_micro", "AQ-M-", 3, AIR_METRICS, 60, (60, 1200)),
    SensorKind("water_level", "WL-", 2, ("water_level_m",), 60, (400, 3000)),
    SensorKind("rainfall", "RG-", 2, ("rain_mm",), 60, (400, 3000)),
    SensorKind("traffic", "TR-", 3, ("speed_kmh",), None, (200, 1500)),
    SensorKind("noise", "NZ-", 2, ("noise_db",), 60, (300, 2000)),
    SensorKind("power", "PW-", 2, ("load_mw",), 60, (1000, 5000)),
    SensorKind("crowd", "CROWD-", 0, ("people",), None, (30, 200)),
)
KIND_BY_NAME = {k.kind: k for k in KINDS}
MICRO_INSTALLED_DURING_HISTORY = 0.05   # network expansion: a few micro stations are new


def build_sensors(seed: int, scale: Scale, geo, anchor_s: int, tz: str) -> pd.DataFrame:
    """Return the sensors table (columns SENSOR_COLUMNS) of the demo city at ``scale``."""
    grids = geo.grids()
    history_start_s = history_start(scale, anchor_s, tz)
    sites = {
        "air_national": _air_national_sites(seed, scale, grids, geo),
        "air_micro": _weighted_sites(seed, "air_micro", scale.n_air_micro, grids, grids["population"], geo),
        "water_level": _water_level_sites(seed, scale, grids, geo),
        "rainfall": _weighted_sites(seed, "rainfall", scale.n_rainfall, grids, grids["area_km2"], geo),
        "traffic": _traffic_sites(seed, scale, grids, geo),
        "noise": _weighted_sites(seed, "noise", scale.n_noise, grids, grids["population"], geo),
        "power": _power_sites(seed, scale, grids, geo),
        "crowd": _crowd_sites(grids, geo.units),
    }
    frames = [_finish(KIND_BY_NAME[kind], frame, grids, scale, seed, history_start_s)
              for kind, frame in sites.items()]
    return pd.concat(frames, ignore_index=True)[list(SENSOR_COLUMNS)]


def history_start(scale: Scale, anchor_s: int, tz: str) -> int:
    """Return the local midnight ``scale.days`` days before the anchor's day (epoch s)."""
    return day_window(local_day_index(anchor_s, tz) - scale.days, tz, 0, 2**62).day_start_s


def grid_urbanness(grids: pd.DataFrame) -> np.ndarray:
    """Return 0 (rural, ~300 people/km²) .. 1 (dense core, ~30,000 people/km²) per grid."""
    density = grids["population"].to_numpy(float) / np.maximum(grids["area_km2"].to_numpy(float), 1e-3)
    return np.clip((np.log10(np.maximum(density, 1.0)) - 2.5) / 2.0, 0.0, 1.0)


def sensor_ids(kind: SensorKind, n: int) -> np.ndarray:
    """Return the ids of n sensors of a kind: AQ-N-01, AQ-M-001, TR-001 ..."""
    width = max(kind.id_width, len(str(n)))
    return np.char.add(kind.id_prefix, np.char.zfill((np.arange(n) + 1).astype(str), width))


def _site_frame(ids, name_zh, name_en, grid_index, lon, lat) -> pd.DataFrame:
    return pd.DataFrame({"sensor_id": ids, "name_zh": name_zh, "name_en": name_en,
                         "grid_index": np.asarray(grid_index, dtype="int64"), "lon": lon, "lat": lat})


def _choose_grids(weights, n: int, rng: np.random.Generator) -> np.ndarray:
    """Pick n grids with probability ~ weights, distinct while there are enough of them."""
    w = np.asarray(weights, dtype=float)
    w = np.maximum(w, 0) + 1e-9 * max(w.max(), 1.0)     # every grid stays possible
    return rng.choice(len(w), size=n, replace=n > len(w), p=w / w.sum())


def _named_sites(kind: str, grid_index, geo, rng, zh_suffix: str, en_suffix: str) -> pd.DataFrame:
    lon, lat = geo.sample_points(np.asarray(grid_index), rng)
    zh, en = place_names(len(grid_index), rng)
    ids = sensor_ids(KIND_BY_NAME[kind], len(grid_index))
    return _site_frame(ids, np.char.add(zh, zh_suffix), np.char.add(en, en_suffix), grid_index, lon, lat)


_NAME_SUFFIXES = {
    "air_national": ("国控站", " national air station"),
    "air_micro": ("微型站", " micro air station"),
    "water_level": ("水位站", " water-level gauge"),
    "rainfall": ("雨量站", " rain gauge"),
    "noise": ("噪声监测点", " noise station"),
}


def _weighted_sites(seed: int, kind: str, n: int, grids: pd.DataFrame, weights, geo) -> pd.DataFrame:
    rng = rand.stream(seed, f"sensors.{kind}")
    chosen = _choose_grids(weights, n, rng)
    return _named_sites(kind, chosen, geo, rng, *_NAME_SUFFIXES[kind])


def _air_national_sites(seed: int, scale: Scale, grids: pd.DataFrame, geo) -> pd.DataFrame:
    # National control stations sit in the built-up area, not in the fields.
    weights = grids["population"].to_numpy(float) * (0.1 + grid_urbanness(grids)) ** 2
    return _weighted_sites(seed, "air_national", scale.n_air_national, grids, weights, geo)


def _traffic_sites(seed: int, scale: Scale, grids: pd.DataFrame, geo) -> pd.DataFrame:
    rng = rand.stream(seed, "sensors.traffic")
    weights = grids["population"].to_numpy(float) ** 0.7 * (0.3 + grid_urbanness(grids))
    chosen = _choose_grids(weights, scale.n_traffic, rng)
    lon, lat = geo.sample_points(chosen, rng)
    zh, en = road_segment_names(scale.n_traffic, rng)
    return _site_frame(sensor_ids(KIND_BY_NAME["traffic"], scale.n_traffic), zh, en, chosen, lon, lat)


def _water_level_sites(seed: int, scale: Scale, grids: pd.DataFrame, geo) -> pd.DataFrame:
    """Gauges spread along the river, upstream to downstream; anywhere if there is no river."""
    rng = rand.stream(seed, "sensors.water_level")
    river = _river(geo.features)
    n = scale.n_water_level
    along = _points_along(river, grids, n, rng) if river is not None else None
    if along is None:
        return _named_sites("water_level", _choose_grids(grids["area_km2"], n, rng), geo, rng,
                            *_NAME_SUFFIXES["water_level"])
    zh, en = place_names(n, rng)
    ids = sensor_ids(KIND_BY_NAME["water_level"], n)
    return _site_frame(ids, np.char.add(zh, "水位站"), np.char.add(en, " water-level gauge"), *along)


def _river(features: pd.DataFrame):
    """Return all river geometry as one area (a centre line gets ~200 m banks), or None."""
    rivers = features.loc[features["kind"] == "river", "geometry"].to_numpy()
    if not len(rivers):
        return None
    river = shapely.union_all(rivers)
    return river if river.area > 0 else river.buffer(0.002)


def _points_along(river, grids: pd.DataFrame, n: int, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Return (grid index, lon, lat) of n points in the river and in a grid, evenly spaced along it."""
    candidates = _random_points_in(river, 200 * n, rng)
    tree = shapely.STRtree(grids["geometry"].to_numpy())
    point_idx, grid_idx = tree.query(candidates, predicate="intersects")
    if not len(point_idx):
        return None
    first = np.unique(point_idx, return_index=True)[1]
    points, owner = candidates[point_idx[first]], grid_idx[first]
    x, y = shapely.get_x(points), shapely.get_y(points)
    along = x if np.ptp(x) >= np.ptp(y) else y
    order = np.argsort(along)
    pick = order[np.linspace(0, len(order) - 1, n).round().astype(int)]
    return owner[pick], x[pick], y[pick]


def _random_points_in(polygon, count: int, rng) -> np.ndarray:
    minx, miny, maxx, maxy = polygon.bounds
    found = np.empty(0, dtype=object)
    while len(found) < count:   # rejection sampling: a thin river fills little of its box
        pts = shapely.points(rng.uniform(minx, maxx, 4 * count), rng.uniform(miny, maxy, 4 * count))
        found = np.concatenate([found, pts[shapely.contains_xy(polygon, shapely.get_x(pts), shapely.get_y(pts))]])
    return found[:count]


def _power_sites(seed: int, scale: Scale, grids: pd.DataFrame, geo) -> pd.DataFrame:
    """Substations shared out over districts by population, numbered within each district."""
    rng = rand.stream(seed, "sensors.power")
    district_pop = grids.groupby("district_code", sort=True)["population"].sum()
    counts = _allocate(scale.n_power, district_pop.to_numpy(float))
    district = np.repeat(district_pop.index.to_numpy(), counts)
    number = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    in_district = grids["district_code"].to_numpy()[None, :] == district[:, None]
    weights = in_district * (grids["population"].to_numpy(float)[None, :] + 1.0)
    cumulative = np.cumsum(weights, axis=1)
    draw = rng.random(len(district)) * cumulative[:, -1]
    chosen = (cumulative < draw[:, None]).sum(axis=1)
    lon, lat = geo.sample_points(chosen, rng)
    names = _district_names(geo.units).reindex(district)
    zh = names["name_zh"].to_numpy().astype(str) + number.astype(str) + "号变电站"
    en = names["name_en"].to_numpy().astype(str) + " substation " + number.astype(str)
    return _site_frame(sensor_ids(KIND_BY_NAME["power"], len(district)), zh, en, chosen, lon, lat)


def _allocate(n: int, shares: np.ndarray) -> np.ndarray:
    """Split n into integer counts proportional to shares (largest remainder), each >= 1 if n allows."""
    floor = 1 if n >= len(shares) else 0
    rest = n - floor * len(shares)
    exact = rest * shares / shares.sum()
    counts = np.floor(exact).astype(int)
    counts[np.argsort(counts - exact)[: rest - counts.sum()]] += 1
    return counts + floor


def _district_names(units: pd.DataFrame) -> pd.DataFrame:
    districts = units.loc[units["level"] == "district", ["code", "name_zh", "name_en"]]
    return districts.set_index("code")


def _crowd_sites(grids: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """One crowd count (phone signalling) per grid, at the grid's centroid."""
    codes = grids["code"].to_numpy().astype(str)
    # Grid names (第3网格) repeat in every community, so the community's name goes first.
    communities = units.loc[units["level"] == "community"].set_index("code").reindex(pd.Index(codes).str[:12])
    zh = communities["name_zh"].fillna("").to_numpy().astype(str) + grids["name_zh"].to_numpy().astype(str)
    en = communities["name_en"].fillna("").to_numpy().astype(str) + " " + grids["name_en"].to_numpy().astype(str)
    lon, lat = grids["centroid_lon"].to_numpy(float), grids["centroid_lat"].to_numpy(float)
    return _site_frame(np.char.add("CROWD-", codes), np.char.add(zh, "人流监测"),
                       np.char.add(np.char.strip(en), " crowd count"), np.arange(len(grids)), lon, lat)


def _finish(kind: SensorKind, sites: pd.DataFrame, grids: pd.DataFrame, scale: Scale, seed: int,
            history_start_s: int) -> pd.DataFrame:
    n = len(sites)
    scaled = {"traffic": scale.traffic_interval_min, "crowd": scale.crowd_interval_min}
    interval = kind.interval_min or scaled[kind.kind]
    installed_rng = rand.stream(seed, f"sensors.installed.{kind.kind}")
    metrics = list(kind.metrics)
    return sites.drop(columns="grid_index").assign(
        kind=kind.kind,
        grid_code=grids["code"].to_numpy().astype(str)[sites["grid_index"].to_numpy()],
        metrics=[metrics] * n,
        interval_min=np.full(n, interval, dtype="int64"),
        installed_at=_installed_at(kind, n, scale, installed_rng, history_start_s),
        retired_at=np.full(n, np.nan),
    )


def _installed_at(kind: SensorKind, n: int, scale: Scale, rng, history_start_s: int) -> np.ndarray:
    """Return installation instants: a working day, office hours, long before the history starts."""
    lo, hi = kind.installed_days_before
    days_before = rng.integers(lo, hi, size=n)
    if kind.kind == "air_micro":
        new = rng.random(n) < MICRO_INSTALLED_DURING_HISTORY
        days_before = np.where(new, -rng.integers(5, max(6, scale.days // 2), size=n), days_before)
    hour = rng.integers(9, 17, size=n)
    return (history_start_s - days_before * DAY_S + hour * HOUR_S).astype("int64")
