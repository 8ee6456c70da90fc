"""Grid files: formats, CRS, GCJ-02, repair, duplicates, dissolved levels, re-assignment."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from data import db
from data.ingest import pipeline
from data.ingest.coords import gcj02_to_wgs84, wgs84_to_gcj02
from data.ingest.mapping import parse_mapping
from data.ingest.readers import ReadError

MAPPING = parse_mapping({
    "name": "test_grids", "kind": "grids", "city": {"code": "990100", "name_zh": "云江市"},
    "fields": {"code": "grid", "name_zh": "grid_name", "population": "pop"},
    "levels": {"district": {"code": "district"}, "street": {"code": "street"},
               "community": {"code": "community", "name": "comm_name"}},
}, "test_grids.yaml")


@pytest.fixture(scope="module")
def city_grids(tiny_db_path) -> gpd.GeoDataFrame:
    """Return the tiny city's grids as a grid-management system would export them."""
    con = db.open_store(tiny_db_path, read_only=True)
    rows = con.execute("SELECT g.code, g.name_zh, g.population, g.district_code, g.street_code, g.community_code, "
                       "c.name_zh AS comm_name, g.geometry FROM admin_units g JOIN admin_units c "
                       "ON c.code = g.community_code WHERE g.level = 'grid' ORDER BY g.code").df()
    con.close()
    return gpd.GeoDataFrame({"grid": rows["code"], "grid_name": rows["name_zh"], "pop": rows["population"],
                             "district": rows["district_code"], "street": rows["street_code"],
                             "community": rows["community_code"], "comm_name": rows["comm_name"]},
                            geometry=shapely.from_wkb(rows["geometry"].map(bytes)), crs="EPSG:4326")


def units(con):
    return sorted(con.execute("SELECT level, count(*) FROM admin_units GROUP BY level").fetchall())


@pytest.mark.parametrize("fmt", ["geojson", "shp", "gpkg", "parquet", "utm50n-projected"])
def test_grid_files_in_every_format_rebuild_all_levels(store, city_grids, tmp_path, fmt):
    before = dict(units(store))
    frame = city_grids
    if fmt == "utm50n-projected":
        frame, fmt = city_grids.to_crs("EPSG:32650"), "gpkg"           # metres, declared by the file
    path = tmp_path / f"grids.{fmt}"
    frame.to_parquet(path) if fmt == "parquet" else frame.to_file(path)
    summary = pipeline.ingest_path(store, "grids", path, MAPPING)
    assert summary.accepted == len(city_grids) and summary.balanced()
    assert dict(units(store)) == before
    assert summary.notes["overlaps"] == 0 and summary.notes["gaps"] == 0
    population = store.execute("SELECT population FROM admin_units WHERE level = 'city'").fetchone()[0]
    assert population == int(city_grids["pop"].sum())
    sample = store.execute("SELECT e.lon, e.lat, e.grid_code FROM events e USING SAMPLE 200 ROWS").df()
    geometry = dict(zip(city_grids["grid"], city_grids.geometry))
    assert all(shapely.intersects(geometry[c], shapely.Point(x, y)) for x, y, c in sample.itertuples(index=False))


def test_gcj02_grid_file_is_shifted_back_to_wgs84(store, city_grids, tmp_path):
    shifted = city_grids.copy()
    shifted.geometry = shapely.transform(city_grids.geometry.to_numpy(),
                                         lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1])))
    path = tmp_path / "gcj.geojson"
    shifted.to_file(path)
    mapping = parse_mapping({**_raw(), "coordinates": "gcj02"}, "gcj.yaml")
    pipeline.ingest_path(store, "grids", path, mapping)
    code = city_grids["grid"].iloc[0]
    stored = shapely.from_wkb(store.execute("SELECT geometry FROM admin_units WHERE code = ?", [code]).fetchone()[0])
    original = city_grids.geometry.iloc[0]
    assert shapely.hausdorff_distance(stored, original) < 1e-7
    assert shapely.hausdorff_distance(shifted.geometry.iloc[0], original) > 1e-3


def test_round_trip_of_the_offsets_is_sub_millimetre():
    lon, lat = np.array([119.45, 116.4174, 113.26]), np.array([32.2, 39.9289, 23.13])
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert np.allclose(back, (lon, lat), atol=1e-8)


def test_duplicate_codes_reject_the_file_and_change_nothing(store, city_grids, tmp_path):
    frame = city_grids.copy()
    frame.loc[1, "grid"] = frame.loc[0, "grid"]
    path = tmp_path / "dup.geojson"
    frame.to_file(path)
    before = units(store)
    with pytest.raises(ReadError, match="Duplicate grid codes"):
        pipeline.ingest_path(store, "grids", path, MAPPING)
    assert units(store) == before
    assert failed_batches(store)[-1][0].startswith("ReadError: Duplicate grid codes (nothing was changed): ")


def test_a_grid_coded_like_its_district_is_refused_in_one_line_and_recorded(store, city_grids, tmp_path):
    frame = city_grids.copy()
    frame.loc[0, "grid"] = frame.loc[0, "district"]                 # a real export reused the district's code
    path = tmp_path / "shared.geojson"
    frame.to_file(path)
    before, failed = units(store), len(failed_batches(store))
    with pytest.raises(ReadError) as refused:
        pipeline.ingest_path(store, "grids", path, MAPPING)
    district = frame.loc[0, "district"]
    assert str(refused.value) == f"Unit codes used twice (nothing was changed): {district} (district/grid)"
    assert units(store) == before
    assert failed_batches(store)[failed:] == [(f"ReadError: {refused.value}",)]


def failed_batches(con) -> list[tuple]:
    return con.execute("SELECT error FROM ingest_batches WHERE kind = 'grids' AND status = 'failed' "
                       "ORDER BY batch_id").fetchall()


def test_invalid_polygons_are_repaired_and_overlaps_reported(store, city_grids, tmp_path):
    frame = city_grids.head(30).copy()
    minx, miny, maxx, maxy = frame.geometry.iloc[0].bounds
    frame.loc[0, "geometry"] = shapely.Polygon([(minx, miny), (maxx, maxy), (maxx, miny), (minx, maxy)])  # bow-tie
    frame.loc[1, "geometry"] = frame.geometry.iloc[1].buffer(0.002)
    frame.loc[2, "grid"] = None
    path = tmp_path / "messy.geojson"
    frame.to_file(path)
    summary = pipeline.ingest_path(store, "grids", path, MAPPING)
    assert summary.notes["repaired"] == 1 and summary.notes["overlaps"] >= 1
    assert summary.quarantined == {"missing_id": 1} and summary.accepted == 29
    stored = [bytes(r[0]) for r in store.execute("SELECT geometry FROM admin_units").fetchall()]
    assert shapely.is_valid(shapely.from_wkb(stored)).all()
    reassigned = store.execute("SELECT count(*) FROM events WHERE grid_code IS NOT NULL").fetchone()[0]
    total = store.execute("SELECT count(*) FROM events").fetchone()[0]
    assert 0 < reassigned < total           # events outside the 29 grids lost their grid


def _raw() -> dict:
    return {"name": "test_grids", "kind": "grids", "city": {"code": "990100", "name_zh": "云江市"},
            "fields": {"code": "grid", "name_zh": "grid_name", "population": "pop"},
            "levels": {"district": {"code": "district"}, "street": {"code": "street"},
                       "community": {"code": "community", "name": "comm_name"}}}
