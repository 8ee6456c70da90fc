"""The demo city's geography: nesting, tiling, codes, population, river, names, sampling.

Geometry tolerances: a child must lie within its parent grown by 1e-7 degrees (~1 cm);
areas that should match (union vs city, sum of parts vs whole) agree to 1e-6 of the city area.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from data.demo.geography import build_geography
from data.demo.scales import get_scale

MIGRATION = Path(__file__).resolve().parents[3] / "data" / "migrations" / "0001_initial.sql"
NEST_TOLERANCE_DEG = 1e-7
AREA_TOLERANCE = 1e-6
CODE_LENGTH = {"city": 6, "district": 6, "street": 9, "community": 12, "grid": 15}
ANCESTORS = ("city_code", "district_code", "street_code", "community_code")
LEVEL_NAMES = ("city", "district", "street", "community", "grid")
GEOD = pyproj.Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def geo():
    return build_geography(get_scale("tiny"), 11)


@pytest.fixture(scope="module")
def units(geo):
    return geo.units


def level(units: pd.DataFrame, name: str) -> pd.DataFrame:
    return units[units["level"] == name]


def table_columns(table: str) -> list[str]:
    sql = MIGRATION.read_text()
    body = re.search(rf"CREATE TABLE {table} \((.*?)\n\);", sql, re.S).group(1)
    return [line.split()[0] for line in body.strip().splitlines() if not line.strip().startswith("--")]


def test_frames_have_the_schema_columns(geo):
    assert list(geo.units.columns) == table_columns("admin_units")
    assert list(geo.features.columns) == table_columns("map_features")


def test_rows_are_ordered_by_level_then_code(units):
    key = units["level_no"].astype(str) + "-" + units["code"]
    assert key.is_monotonic_increasing
    assert units["level"].tolist()[:3] == ["city", "district", "district"]


def test_counts_follow_the_scale(units):
    scale = get_scale("tiny")
    counts = units["level"].value_counts()
    assert counts["city"] == 1 and counts["district"] == scale.n_districts
    assert abs(counts["street"] - scale.n_streets) <= 1
    assert abs(counts["community"] - scale.n_communities) <= 0.1 * scale.n_communities
    assert abs(counts["grid"] - scale.n_grids) <= 0.05 * scale.n_grids


def test_codes_are_unique_with_level_lengths_and_parent_prefixes(units):
    assert units["code"].is_unique
    assert (units["code"].str.len() == units["level"].map(CODE_LENGTH)).all()
    assert units["code"].str.fullmatch(r"\d+").all()
    children = units[units["level_no"] >= 2]
    assert [c.startswith(p) for c, p in zip(children["code"], children["parent_code"])] == [True] * len(children)
    assert level(units, "city")["code"].tolist() == ["990100"]
    districts = level(units, "district")["code"].tolist()
    assert districts == [str(990102 + i) for i in range(len(districts))]


def test_child_sequences_run_from_001_without_gaps(units):
    children = units[units["level_no"] >= 2]
    sequence = children["code"].str[-3:].astype(int)
    expected = children.groupby("parent_code").cumcount() + 1
    assert (sequence == expected).all()


def test_every_unit_above_grid_has_children(units):
    parents = set(units["parent_code"].dropna())
    assert set(units.loc[units["level"] != "grid", "code"]) <= parents


def test_parent_and_ancestor_columns_are_prefixes_of_the_code(units):
    below_city = units["level_no"] >= 1
    assert (units.loc[below_city, "city_code"] == "990100").all()
    assert units.loc[~below_city, ["parent_code", "city_code"]].isna().all().all()
    for no, column in enumerate(ANCESTORS[1:], start=1):
        below = units["level_no"] > no
        prefix = units.loc[below, "code"].str[:CODE_LENGTH[LEVEL_NAMES[no]]]
        assert (units.loc[below, column] == prefix).all()
        assert units.loc[~below, column].isna().all()
    for no in range(1, 5):
        rows = units[units["level_no"] == no]
        assert (rows["parent_code"] == rows[ANCESTORS[no - 1]]).all()


def test_every_unit_lies_within_its_parent(units):
    by_code = units.set_index("code")["geometry"]
    children = units[units["level_no"] >= 1]
    parents = shapely.buffer(by_code[children["parent_code"].fillna("990100")].to_numpy(), NEST_TOLERANCE_DEG)
    assert shapely.contains(parents, children["geometry"].to_numpy()).all()


@pytest.mark.parametrize("name", ["district", "street", "community", "grid"])
def test_each_level_tiles_the_city(units, name):
    city = level(units, "city")["geometry"].iloc[0]
    geoms = level(units, name)["geometry"].to_numpy()
    union = shapely.union_all(geoms)
    assert shapely.area(shapely.symmetric_difference(union, city)) < AREA_TOLERANCE * city.area
    # Parts summing to more than their union would overlap.
    assert abs(shapely.area(geoms).sum() - union.area) < AREA_TOLERANCE * city.area
    assert abs(level(units, name)["area_km2"].sum() / level(units, "city")["area_km2"].iloc[0] - 1) < AREA_TOLERANCE


def test_area_km2_matches_the_geodesic_area(units):
    sample = units.iloc[[0, 1, 5, 40, len(units) - 1]]
    geodesic = np.array([abs(GEOD.geometry_area_perimeter(g)[0]) for g in sample["geometry"]]) / 1e6
    np.testing.assert_allclose(sample["area_km2"], geodesic, rtol=2e-3)


def test_centroids_are_the_geometry_centroids(units):
    # Centroids are taken in equal-area metres; a planar lon/lat centroid of a large district
    # differs by up to ~20 m (2e-4 degrees), a wrong centroid by far more.
    centroids = shapely.centroid(units["geometry"].to_numpy())
    np.testing.assert_allclose(units["centroid_lon"], shapely.get_x(centroids), atol=5e-4)
    np.testing.assert_allclose(units["centroid_lat"], shapely.get_y(centroids), atol=5e-4)


def test_city_sits_near_its_nominal_centre(units):
    city = level(units, "city").iloc[0]
    assert abs(city["centroid_lon"] - 119.45) < 0.2 and abs(city["centroid_lat"] - 32.20) < 0.2
    assert 200 < city["area_km2"] < 600


def test_outline_is_irregular(units):
    city = level(units, "city")["geometry"].iloc[0]
    # A disc or rectangle fills its convex hull; a lobed outline does not.
    assert city.area / city.convex_hull.area < 0.97
    assert shapely.get_num_coordinates(city) > 100


def test_populations_sum_up_the_hierarchy(units):
    scale = get_scale("tiny")
    assert level(units, "city")["population"].iloc[0] == scale.population
    for column in ("population", "households"):
        children = units[units["level_no"] >= 1].groupby("parent_code")[column].sum()
        parents = units.set_index("code").loc[children.index, column]
        assert (children == parents).all()
    grids = level(units, "grid")
    assert (grids["population"] >= 0).all() and (grids["households"] <= grids["population"]).all()
    assert 2.3 < grids["population"].sum() / grids["households"].sum() < 2.9


def test_urban_grids_are_denser_and_smaller_than_rural_grids(units):
    grids = level(units, "grid")
    kind = grids["community_code"].map(units.set_index("code")["name_zh"]).str[-1]
    density = grids["population"] / grids["area_km2"]
    urban, rural = kind == "区", kind == "村"
    assert urban.sum() >= 10 and rural.sum() >= 10
    assert density[urban].median() > 5 * density[rural].median()
    assert grids.loc[urban, "area_km2"].median() < 0.5 * grids.loc[rural, "area_km2"].median()


def test_river_separates_districts(geo, units):
    city = level(units, "city")["geometry"].iloc[0]
    river = geo.features.loc[geo.features["kind"] == "river", "geometry"].iloc[0]
    banks = shapely.get_parts(city.difference(river))
    banks = banks[np.argsort(-shapely.area(banks))[:2]]
    assert banks[1].area > 0.2 * city.area          # the river crosses the city, not a corner
    grids = level(units, "grid")
    bank = np.array([shapely.contains_xy(b, grids["centroid_lon"], grids["centroid_lat"]) for b in banks])
    on_land = bank.any(axis=0)
    side = pd.Series(bank[1], index=grids.index)[on_land]
    sides_per_district = side.groupby(grids.loc[on_land, "district_code"]).nunique()
    assert (sides_per_district == 1).all()
    assert side.nunique() == 2


def test_river_is_a_300_to_600_m_band(geo):
    river = geo.features.loc[geo.features["kind"] == "river", "geometry"].iloc[0]
    area, perimeter = GEOD.geometry_area_perimeter(river)
    assert river.geom_type == "Polygon"
    assert 300 < abs(area) / (perimeter / 2) < 600


def test_names_are_unique_among_siblings_with_level_suffixes(units):
    for column in ("name_zh", "name_en"):
        assert not units.duplicated(["parent_code", column]).any()
    districts, streets, communities = (level(units, n) for n in ("district", "street", "community"))
    assert districts["name_zh"].str.endswith("区").all() and districts["name_en"].str.endswith(" District").all()
    assert (streets["name_zh"].str.endswith("街道") == streets["name_en"].str.endswith(" Subdistrict")).all()
    assert (streets["name_zh"].str.endswith("镇") == streets["name_en"].str.endswith(" Town")).all()
    assert (communities["name_zh"].str.endswith("村") == communities["name_en"].str.endswith(" Village")).all()
    grids = level(units, "grid")
    assert (grids["name_zh"] == "第" + grids["code"].str[-3:].astype(int).astype(str) + "网格").all()
    assert (grids["name_en"] == "Grid " + grids["code"].str[-3:].astype(int).astype(str)).all()


def test_no_real_zhenjiang_names(units):
    real = {"京口", "润州", "丹徒", "丹阳", "扬中", "句容", "金山", "镇江", "大港", "宝华", "华阳"}
    bases = units.loc[units["level_no"].between(1, 3), "name_zh"].str.replace(r"(区|街道|镇|社区|村)$", "", regex=True)
    assert not set(bases) & real


def test_features_lie_in_the_city(geo, units):
    city = shapely.buffer(level(units, "city")["geometry"].iloc[0], NEST_TOLERANCE_DEG)
    kinds = geo.features["kind"].value_counts()
    assert kinds["river"] == 1 and kinds["venue"] == 1 and kinds["industrial_park"] >= 1
    assert geo.features["feature_id"].is_unique
    assert shapely.contains(city, geo.features["geometry"].to_numpy()).all()


def test_venue_grid_holds_the_venue_in_the_urban_core(geo):
    grids = geo.grids()
    venue = geo.features.loc[geo.features["kind"] == "venue", "geometry"].iloc[0]
    assert grids["geometry"].iloc[geo.venue_grid_index].contains(venue)
    density = grids["population"] / grids["area_km2"]
    assert density.iloc[geo.venue_grid_index] > density.quantile(0.75)


def test_grids_frame_is_the_grid_rows_in_code_order(geo, units):
    grids = geo.grids()
    assert grids.index.tolist() == list(range(len(grids)))
    assert grids["code"].is_monotonic_increasing
    assert grids["code"].tolist() == level(units, "grid")["code"].tolist()
    grids["population"] = 0
    assert geo.grids()["population"].sum() > 0


def test_sample_points_fall_strictly_inside_their_grids(geo):
    grids = geo.grids()
    index = np.random.default_rng(1).integers(0, len(grids), 50_000)
    lon, lat = geo.sample_points(index, np.random.default_rng(2))
    assert shapely.contains_xy(grids["geometry"].to_numpy()[index], lon, lat).all()
    again = geo.sample_points(index, np.random.default_rng(2))
    np.testing.assert_array_equal(lon, again[0])


def test_sample_points_spread_over_the_grid(geo):
    grid = geo.grids().iloc[0]
    lon, lat = geo.sample_points(np.zeros(4_000, np.int64), np.random.default_rng(3))
    assert len(np.unique(lon)) == len(lon)
    # The cloud's middle sits near the centroid and its extent reaches across the grid.
    size = np.sqrt(grid["geometry"].area)
    assert np.hypot(lon.mean() - grid["centroid_lon"], lat.mean() - grid["centroid_lat"]) < 0.15 * size
    minx, miny, maxx, maxy = grid["geometry"].bounds
    assert np.ptp(lon) > 0.6 * (maxx - minx) and np.ptp(lat) > 0.6 * (maxy - miny)


def test_same_seed_same_geography_other_seed_differs(geo):
    again = build_geography(get_scale("tiny"), 11)
    plain = ["code", "name_zh", "name_en", "parent_code", "area_km2", "population", "households", "centroid_lon"]
    pd.testing.assert_frame_equal(geo.units[plain], again.units[plain])
    assert shapely.equals_exact(geo.units["geometry"].to_numpy(), again.units["geometry"].to_numpy(), 0).all()
    other = build_geography(get_scale("tiny"), 12)
    assert not np.isclose(other.units["area_km2"].iloc[1], geo.units["area_km2"].iloc[1])
    assert other.units["name_zh"].iloc[1] != geo.units["name_zh"].iloc[1] or len(other.units) != len(geo.units)


def test_demo_scale_sizes():
    scale = get_scale("demo")
    units = build_geography(scale, 5).units
    counts = units["level"].value_counts()
    assert counts["district"] == scale.n_districts
    assert abs(counts["street"] / scale.n_streets - 1) < 0.05
    assert abs(counts["community"] / scale.n_communities - 1) < 0.05
    assert abs(counts["grid"] / scale.n_grids - 1) < 0.03
    city = level(units, "city").iloc[0]
    assert 1_500 < city["area_km2"] < 2_500 and city["population"] == scale.population
    grids = level(units, "grid")
    assert abs(grids["area_km2"].sum() / city["area_km2"] - 1) < AREA_TOLERANCE
