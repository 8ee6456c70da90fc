"""The demo city 云江市: five levels of admin units tiling one outline, and its map features.

Grids are the Voronoi cells of seeds spaced by population (small in the urban core, large
in the country), clipped to the city outline. Communities, streets and districts are unions
of whole grids grouped by weighted k-means inside their parent, so every level tiles the
city and every unit nests exactly in its parent. Districts never cross the river 云江: each
takes grids from one bank only (by the side of the centreline a grid's centroid lies on);
grids themselves are not cut by the water.

Codes follow GB/T 30428: city 990100, districts 990102.., street = district + 3 digits,
community = street + 3, grid = community + 3 (15 digits). Ancestor columns hold ancestors
only: a street row has city_code and district_code, and NULL street_code/community_code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry import Polygon

from data.demo import names, rand
from data.demo.geo_layout import (LOCAL_CRS, CityPlan, allocate, grid_seeds, largest_part, make_plan,
                                  partition, voronoi_cells)
from data.demo.scales import Scale
from data.levels import LEVELS

CITY_CODE = 990100
FIRST_DISTRICT_CODE = 990102
ANCESTOR_COLUMNS = ("city_code", "district_code", "street_code", "community_code")
UNIT_COLUMNS = ("code", "level", "level_no", "name_zh", "name_en", "parent_code", *ANCESTOR_COLUMNS,
                "area_km2", "population", "households", "centroid_lon", "centroid_lat", "geometry")
FEATURE_COLUMNS = ("feature_id", "kind", "name_zh", "name_en", "geometry")
URBAN_STREET_DENSITY = 2_000      # people/km² above which a street is a 街道, else a 镇
URBAN_COMMUNITY_DENSITY = 1_500   # people/km² above which a community is a 社区, else a 村
POOL_SIZE = 32                    # interior points kept per grid for sample_points


@dataclass(frozen=True, eq=False)
class Geography:
    """The demo city's admin units (all five levels) and map features, geometry in WGS84."""

    units: pd.DataFrame
    features: pd.DataFrame

    def grids(self) -> pd.DataFrame:
        """Return the grid rows ordered by code, index 0..n-1 (the grid index)."""
        return self._grid_frame.copy(deep=False)

    @cached_property
    def _grid_frame(self) -> pd.DataFrame:
        return self.units[self.units["level"] == "grid"].sort_values("code").reset_index(drop=True)

    @cached_property
    def venue_grid_index(self) -> int:
        """Return the grid index of the grid holding the event venue."""
        venue = self.features.loc[self.features["kind"] == "venue", "geometry"].iloc[0]
        inside = shapely.contains_xy(self._grid_frame["geometry"].to_numpy(), venue.x, venue.y)
        return int(np.flatnonzero(inside)[0])

    @cached_property
    def _sample_pool(self) -> tuple[np.ndarray, np.ndarray]:
        geoms = self._grid_frame["geometry"].to_numpy()
        return interior_pool(geoms, rand.stream(0, "geography.sample_pool", len(geoms)))

    def sample_points(self, grid_index: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Return (lon, lat) of one random point strictly inside each given grid (vectorised)."""
        pool_xy, pool_radius = self._sample_pool
        grid_index = np.asarray(grid_index, dtype=np.int64)
        slot = rng.integers(0, POOL_SIZE, size=grid_index.size)
        # A jitter shorter than the distance to the boundary cannot leave the grid.
        reach = 0.9 * pool_radius[grid_index, slot] * np.sqrt(rng.random(grid_index.size))
        angle = rng.uniform(0, 2 * np.pi, grid_index.size)
        base = pool_xy[grid_index, slot]
        return base[:, 0] + reach * np.cos(angle), base[:, 1] + reach * np.sin(angle)


def interior_pool(geoms: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Return (xy (n, POOL_SIZE, 2), distance to boundary (n, POOL_SIZE)) of points inside each geometry."""
    shapely.prepare(geoms)
    pool = np.empty((len(geoms), POOL_SIZE, 2))
    missing = np.arange(len(geoms))
    for tries in (4, 16, 64):   # few rounds: only thin slivers need the later ones
        found, points = _rejection_round(geoms[missing], tries * POOL_SIZE, rng)
        pool[missing[found]] = points
        missing = missing[~found]
    fallback = shapely.get_coordinates(shapely.point_on_surface(geoms[missing]))
    pool[missing] = fallback[:, None, :]
    flat = shapely.points(pool.reshape(-1, 2))
    radius = shapely.distance(np.repeat(shapely.boundary(geoms), POOL_SIZE), flat)
    return pool, radius.reshape(len(geoms), POOL_SIZE)


def _rejection_round(geoms: np.ndarray, tries: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    bounds = shapely.bounds(geoms)
    u = rng.random((len(geoms), tries, 2))
    x = bounds[:, [0]] + u[..., 0] * (bounds[:, [2]] - bounds[:, [0]])
    y = bounds[:, [1]] + u[..., 1] * (bounds[:, [3]] - bounds[:, [1]])
    inside = shapely.contains_xy(geoms[:, None], x, y)
    found = inside.sum(axis=1) >= POOL_SIZE
    first = np.argsort(~inside[found], axis=1, kind="stable")[:, :POOL_SIZE]
    rows = np.arange(found.sum())[:, None]
    return found, np.stack([x[found][rows, first], y[found][rows, first]], axis=-1)


def build_geography(scale: Scale, seed: int) -> Geography:
    """Return the demo city's geography for a scale and seed (deterministic)."""
    plan = make_plan(scale.n_grids, scale.n_streets, 1 if scale.n_districts <= 2 else 2,
                     rand.stream(seed, "geography.plan"))
    outline = to_wgs84(plan.outline)
    seeds = grid_seeds(plan, scale.n_grids, rand.stream(seed, "geography.seeds"))
    # Clipping in lon/lat keeps every grid exactly inside the stored outline: a segment
    # straight in metres bends by ~1 cm in lon/lat, so clipping first would not.
    grids = shapely.intersection(to_wgs84(voronoi_cells(seeds, plan.outline)), outline)
    cells = to_local(grids)
    xy = shapely.get_coordinates(shapely.centroid(cells))
    population, households = grid_population(plan, cells, xy, scale.population, rand.stream(seed, "geography.people"))
    codes = grid_codes(plan, cells, xy, population, scale, rand.stream(seed, "geography.hierarchy"))
    order = np.argsort(codes)
    units = units_frame(outline, codes[order], grids[order], population[order], households[order],
                        rand.stream(seed, "geography.names"))
    geography = Geography(units, features_frame(plan, outline))
    geography.sample_points(np.zeros(1, np.int64), rand.stream(seed, "geography.warm_up"))
    return geography


def grid_population(plan: CityPlan, cells: np.ndarray, xy: np.ndarray, total: int,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Return (population, households) per grid: density x land area, summing to ``total``."""
    land_km2 = shapely.area(cells) / 1e6
    wet = shapely.STRtree(cells).query(plan.river.polygon, predicate="intersects")
    land_km2[wet] -= shapely.area(shapely.intersection(cells[wet], plan.river.polygon)) / 1e6
    land_km2 = np.maximum(land_km2, 0.0)
    density = plan.land_density(xy[:, 0], xy[:, 1])
    population = round_to_total(density * land_km2 * rng.lognormal(0, 0.2, len(cells)), total)
    urbanness = np.clip(np.log(density / plan.rural_density) / np.log(1 / plan.rural_density), 0, 1)
    household_size = (2.9 - 0.5 * urbanness) * rng.lognormal(0, 0.04, len(cells))
    return population, np.rint(population / household_size).astype(np.int64)


def round_to_total(raw: np.ndarray, total: int) -> np.ndarray:
    """Return non-negative integers proportional to raw that sum exactly to total."""
    scaled = raw * (total / raw.sum())
    counts = np.floor(scaled).astype(np.int64)
    counts[np.argsort(counts - scaled, kind="stable")[: total - counts.sum()]] += 1
    return counts


def grid_codes(plan: CityPlan, cells: np.ndarray, xy: np.ndarray, population: np.ndarray,
               scale: Scale, rng: np.random.Generator) -> np.ndarray:
    """Return each grid's 15-digit code (int) after grouping grids into the upper levels."""
    bank = (~plan.river.left_bank(xy[:, 0], xy[:, 1])).astype(np.int64)
    area = shapely.area(cells)
    people = population + 1.0
    density = people / area
    # k-means puts seeds at (weight per area)**0.5: pop x density gives districts of similar
    # population (small in the core), pop x density**0.5 gives core streets fewer people than towns.
    district = split(xy, people * density, bank, scale.n_districts, rng)
    street = split(xy, people * np.sqrt(density), district, scale.n_streets, rng)
    community = split(xy, people, street, scale.n_communities, rng)
    d_xy, s_xy, c_xy = (group_centroid(xy, area, label) for label in (district, street, community))
    d_code = FIRST_DISTRICT_CODE + rank_within(np.zeros(len(d_xy), np.int64), np.hypot(*d_xy.T))
    s_code = child_codes(d_code, parent_of(street, district), s_xy, d_xy)
    c_code = child_codes(s_code, parent_of(community, street), c_xy, s_xy)
    return child_codes(c_code, community, xy, c_xy)


def split(xy: np.ndarray, weight: np.ndarray, parent: np.ndarray, total: int, rng: np.random.Generator) -> np.ndarray:
    """Return group ids splitting each parent's grids into ~total groups overall."""
    grids_per_parent = np.bincount(parent)
    k = allocate(total, grids_per_parent.astype(float), grids_per_parent)
    return partition(xy, weight, parent, k, rng)


def group_centroid(xy: np.ndarray, area: np.ndarray, label: np.ndarray) -> np.ndarray:
    """Return the area-weighted centroid of each group's grid centroids (= the union's centroid)."""
    total = np.bincount(label, area)
    return np.column_stack([np.bincount(label, area * xy[:, 0]), np.bincount(label, area * xy[:, 1])]) / total[:, None]


def parent_of(child: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Return, per child group id, the parent group id (from any grid of the child)."""
    mapping = np.empty(child.max() + 1, dtype=np.int64)
    mapping[child] = parent
    return mapping


def rank_within(parent: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Return each item's 0-based rank by key among items with the same parent."""
    order = np.lexsort((key, parent))
    sorted_parent = parent[order]
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - np.searchsorted(sorted_parent, sorted_parent, side="left")
    return rank


def child_codes(parent_code: np.ndarray, parent: np.ndarray, xy: np.ndarray, parent_xy: np.ndarray) -> np.ndarray:
    """Return parent code + 3-digit sequence, numbered clockwise from north around the parent."""
    offset = xy - parent_xy[parent]
    sequence = rank_within(parent, np.mod(np.arctan2(offset[:, 0], offset[:, 1]), 2 * np.pi)) + 1
    if sequence.max() > 999:
        raise ValueError("more than 999 children under one unit do not fit a 3-digit code")
    return parent_code[parent] * 1000 + sequence


def units_frame(outline: Polygon, grid_code: np.ndarray, grids: np.ndarray, population: np.ndarray,
                households: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Return the admin_units rows of all five levels from WGS84 grids, each level ordered by code."""
    levels = [(grid_code, grids, population, households)]
    for _ in range(3):
        code, geoms, people, homes = levels[0]
        parent_code, parent = np.unique(code // 1000, return_inverse=True)
        levels.insert(0, (parent_code, union_groups(geoms, parent), np.bincount(parent, people).astype(np.int64),
                          np.bincount(parent, homes).astype(np.int64)))
    city = (np.array([CITY_CODE]), np.array([outline]), np.array([population.sum()]), np.array([households.sum()]))
    frames = [level_frame(level_no, *level, rng) for level_no, level in enumerate([city, *levels])]
    units = pd.concat(frames, ignore_index=True)
    text = ["code", "level", "name_zh", "name_en", "parent_code", *ANCESTOR_COLUMNS]
    return units.astype(dict.fromkeys(text, "str") | {"level_no": "int8"})


def union_groups(geoms: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Return the union of each group's geometries, in group order (geometries tile exactly)."""
    frame = gpd.GeoDataFrame({"group": group}, geometry=geoms)
    return frame.dissolve(by="group", method="coverage").geometry.to_numpy()


def level_frame(level_no: int, code: np.ndarray, geoms: np.ndarray, population: np.ndarray,
                households: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Return one level's admin_units rows from WGS84 geometries."""
    local = to_local(geoms)
    area_km2 = shapely.area(local) / 1e6
    name_zh, name_en = level_names(level_no, code, population / area_km2, rng)
    lon, lat = to_wgs84_xy(shapely.get_coordinates(shapely.centroid(local)))
    columns = {
        "code": code.astype(str), "level": LEVELS[level_no], "level_no": level_no,
        "name_zh": name_zh, "name_en": name_en, **ancestor_columns(code, level_no),
        "area_km2": area_km2, "population": population.astype(np.int64),
        "households": households.astype(np.int64), "centroid_lon": lon, "centroid_lat": lat,
        "geometry": geoms,
    }
    columns["parent_code"] = columns[ANCESTOR_COLUMNS[level_no - 1]] if level_no else None
    return pd.DataFrame(columns)[list(UNIT_COLUMNS)]


def ancestor_columns(code: np.ndarray, level_no: int) -> dict[str, object]:
    """Return the ancestor code columns of one level's units (None at and below its own level)."""
    columns: dict[str, object] = {}
    for ancestor_no, column in enumerate(ANCESTOR_COLUMNS):
        if ancestor_no >= level_no:
            columns[column] = None
        elif ancestor_no == 0:
            columns[column] = str(CITY_CODE)
        else:
            columns[column] = (code // 1000 ** (level_no - ancestor_no)).astype(str)
    return columns


def level_names(level_no: int, code: np.ndarray, density: np.ndarray,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Return (zh, en) names of one level's units, urban or rural by population density."""
    if level_no == 0:
        return np.array([names.CITY_NAME_ZH]), np.array([names.CITY_NAME_EN])
    if level_no == 4:
        return names.grid_names(code % 1000)
    parent = np.zeros(len(code), np.int64) if level_no == 1 else code // 1000
    threshold = URBAN_STREET_DENSITY if level_no == 2 else URBAN_COMMUNITY_DENSITY
    return names.unit_names(LEVELS[level_no], parent, density >= threshold, rng)


_TO_WGS84 = pyproj.Transformer.from_crs(LOCAL_CRS, "EPSG:4326", always_xy=True)
_TO_LOCAL = pyproj.Transformer.from_crs("EPSG:4326", LOCAL_CRS, always_xy=True)


def to_wgs84_xy(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (lon, lat) of local-metre coordinates."""
    return _TO_WGS84.transform(xy[:, 0], xy[:, 1])


def to_wgs84(geoms):
    """Return geometries converted from local metres to WGS84 lon/lat."""
    return shapely.transform(geoms, lambda xy: np.column_stack(to_wgs84_xy(xy)))


def to_local(geoms):
    """Return geometries converted from WGS84 lon/lat to local equal-area metres."""
    return shapely.transform(geoms, lambda xy: np.column_stack(_TO_LOCAL.transform(xy[:, 0], xy[:, 1])))


def features_frame(plan: CityPlan, outline: Polygon) -> pd.DataFrame:
    """Return the map_features rows: the river, the venue and the industrial parks (WGS84)."""
    park_names = (("云江经济技术开发区", "Yunjiang Economic and Technological Development Zone"),
                  ("云江高新技术产业园", "Yunjiang High-tech Industrial Park"))
    river = largest_part(shapely.intersection(to_wgs84(plan.river.polygon), outline))
    rows = [("river_yun", "river", "云江", "Yun River", river),
            ("venue_olympic_centre", "venue", "云江奥体中心", "Yunjiang Olympic Sports Centre", to_wgs84(plan.venue))]
    rows += [(f"industrial_park_{i + 1}", "industrial_park", zh, en, to_wgs84(park))
             for i, ((zh, en), park) in enumerate(zip(park_names, plan.parks))]
    return pd.DataFrame(rows, columns=list(FEATURE_COLUMNS))
