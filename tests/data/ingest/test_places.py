"""Places through the ingest pipeline: good rows land with the grid their point (or the point inside
their polygon) lies in; every kind of bad row goes to quarantine with its reason, none is lost."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shapely

from data.ingest import pipeline
from data.ingest.gridindex import load_grid_index
from data.ingest.mapping import MappingError, parse_mapping
from data.places import GeometryError, haversine_m, parse_geometry, reach_m
from tests.data.ingest.conftest import NOW

MAPPING = parse_mapping({"name": "test_places", "kind": "places", "format": "csv", "fields": {
    "place_id": "编号", "kind": "类型", "name": "名称", "name_en": "英文名", "geometry": "几何", "lon": "经度",
    "lat": "纬度"}}, "test_places")


def _grid_point(con, position: int) -> tuple[float, float, str, shapely.Geometry]:
    code, wkb = con.execute("SELECT code, geometry FROM admin_units WHERE level = 'grid' ORDER BY code "
                            "LIMIT 1 OFFSET ?", [position]).fetchall()[0]
    grid = shapely.from_wkb(wkb)
    point = grid.representative_point()
    return point.x, point.y, code, grid


def _ingest(store, rows: list[dict]):
    frame = pd.DataFrame(rows, columns=["编号", "类型", "名称", "英文名", "几何", "经度", "纬度"])
    data = frame.to_csv(index=False).encode("utf-8")
    return pipeline.ingest_bytes(store, "places", data, "csv", MAPPING, "places.csv", now=NOW)


def test_good_places_land_in_their_grids(store):
    x, y, code, grid = _grid_point(store, 3)
    x2, y2, code2, grid2 = _grid_point(store, 40)
    site = shapely.box(x2 - 0.0005, y2 - 0.0005, x2 + 0.0005, y2 + 0.0005).intersection(grid2)
    geojson = json.dumps({"type": "Point", "coordinates": [x, y]})
    summary = _ingest(store, [
        {"编号": "P-1", "类型": "school", "名称": "实验小学", "英文名": "Experimental School", "经度": x, "纬度": y},
        {"编号": "P-2", "类型": "construction_site", "名称": "地铁工地", "几何": site.wkt},
        {"编号": "P-3", "类型": "hospital", "名称": "人民医院", "几何": geojson}])
    assert summary.accepted == 3 and summary.quarantined_total == 0
    got = store.execute("SELECT place_id, kind, grid_code, reach_m, geometry_wkt FROM places "
                        "WHERE place_id LIKE 'P-%' ORDER BY place_id").fetchall()
    assert [(r[0], r[1], r[2]) for r in got] == [("P-1", "school", code), ("P-2", "construction_site", code2),
                                                 ("P-3", "hospital", code)]
    assert got[0][3] == 0 and got[1][3] > 0 and got[1][4].startswith("POLYGON")
    again = _ingest(store, [{"编号": "P-1", "类型": "hospital", "名称": "改名医院", "经度": x, "纬度": y}])
    assert again.updated == 1
    assert store.execute("SELECT kind, name FROM places WHERE place_id = 'P-1'").fetchall()[0] == ("hospital", "改名医院")


def test_every_kind_of_bad_row_is_quarantined_with_its_reason(store):
    x, y, _code, _grid = _grid_point(store, 5)
    good = {"编号": "B-0", "类型": "school", "名称": "好学校", "经度": x, "纬度": y}
    bowtie = "POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))"
    rows = [good,
            {**good, "编号": None},                                              # missing_id
            {**good, "编号": "B-2", "名称": None},                                 # missing_id: no name
            {**good, "编号": "B-3", "类型": "aquarium"},                          # unknown_kind
            {**good, "编号": "B-4", "经度": None, "纬度": None, "几何": "POLYGON ((1 2"},   # bad_geometry: unreadable
            {**good, "编号": "B-5", "经度": None, "纬度": None, "几何": "LINESTRING (1 2, 3 4)"},  # not a place shape
            {**good, "编号": "B-6", "经度": None, "纬度": None, "几何": bowtie},        # invalid polygon
            {**good, "编号": "B-7", "经度": 200, "纬度": 95},                     # out of range
            {**good, "编号": "B-8", "经度": None, "纬度": None},                  # no geometry at all
            {**good, "编号": "B-9", "经度": 116.4, "纬度": 39.9},                 # outside_city (Beijing)
            {**good, "编号": "B-10", "名称": "学校\u202egnp.exe"},                 # bad_text
            {**good, "编号": "B-0"}]                                             # duplicate_in_file
    summary = _ingest(store, rows)
    reasons = dict(store.execute("SELECT source_row, reason_code FROM quarantine WHERE batch_id = ?",
                                 [summary.batch_id]).fetchall())
    assert summary.accepted == 1
    assert summary.rows_read == summary.accepted + summary.updated + summary.quarantined_total == len(rows)
    assert [reasons.get(row) for row in range(2, len(rows) + 1)] == [
        "missing_id", "missing_id", "unknown_kind", "bad_geometry", "bad_geometry", "bad_geometry", "bad_geometry",
        "bad_geometry", "outside_city", "bad_text", "duplicate_in_file"]
    details = dict(store.execute("SELECT source_row, reason_detail FROM quarantine WHERE batch_id = ?",
                                 [summary.batch_id]).fetchall())
    assert "Self-intersection" in details[7] and "LineString" in details[6]


def test_a_place_mapping_needs_id_kind_and_name():
    with pytest.raises(MappingError, match="'kind' is required"):
        parse_mapping({"name": "x", "kind": "places", "fields": {"place_id": "a", "name": "b"}}, "x")


@pytest.mark.parametrize("text, problem", [("", "no geometry"), ("{\"type\": \"Point\"}", "neither"),
                                           ("POINT EMPTY", "empty"), ("POINT (181 0)", "outside")])
def test_geometry_problems_are_named(text, problem):
    with pytest.raises(GeometryError, match=problem):
        parse_geometry(text)


def test_haversine_agrees_with_the_ellipsoid_at_any_latitude():
    """Distances at the demo's latitude, San Francisco's and Helsinki's equal the WGS84 geodesic within the
    sphere's error (under 0.5 %: a metre in 200)."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    for lon, lat in ((119.45, 32.2), (-122.42, 37.77), (24.94, 60.17)):
        rng = np.random.default_rng(1)
        dx, dy = rng.uniform(-0.02, 0.02, 50), rng.uniform(-0.02, 0.02, 50)
        _, _, geodesic = geod.inv(np.full(50, lon), np.full(50, lat), lon + dx, lat + dy)
        assert haversine_m(lon, lat, lon + dx, lat + dy) == pytest.approx(geodesic, rel=5e-3)


def test_a_polygon_reaches_to_its_farthest_vertex():
    square = shapely.box(119.0, 32.0, 119.002, 32.002)
    x, y = square.representative_point().x, square.representative_point().y
    corners = haversine_m(x, y, [119.0, 119.002, 119.0, 119.002], [32.0, 32.0, 32.002, 32.002])
    assert reach_m(square, x, y) == pytest.approx(max(corners))
    assert reach_m(shapely.Point(x, y), x, y) == 0


def test_load_grid_index_places_points_like_the_ingest(store):
    x, y, code, _grid = _grid_point(store, 7)
    assert load_grid_index(store).assign(np.array([x]), np.array([y]))[0] == code


def test_a_city_adds_a_kind_and_its_indicators_follow(tiny_db_copy, tmp_path, capsys):
    import argparse

    from data import db
    from data.place_commands import cmd_places
    from indicators.city_catalog import catalog_for_store

    good, bad = tmp_path / "kinds.yaml", tmp_path / "bad.yaml"
    good.write_text("kinds:\n  - {code: kindergarten, name_zh: 幼儿园, name_en: Kindergarten, icon: pin, near_m: 150}\n",
                    encoding="utf-8")
    bad.write_text("kinds:\n  - {code: nursery, name_zh: 托儿所, name_en: Nursery, icon: /etc/passwd}\n", encoding="utf-8")
    assert cmd_places(argparse.Namespace(action="kinds", file=str(good), db=str(tiny_db_copy))) == 0
    assert cmd_places(argparse.Namespace(action="kinds", file=str(bad), db=str(tiny_db_copy))) == 2
    assert "icon must be one of the shipped icons" in capsys.readouterr().err
    con = db.open_store(tiny_db_copy, read_only=True)
    catalog = catalog_for_store(con)
    con.close()
    assert catalog["places.kindergarten.cases_near.today"].name_en.startswith("Cases within 150 m")
    assert [lack.input for lack in catalog.lacking["places.kindergarten.cases_near.today"]] == ["place_kind"]
    assert "places.school.cases_near.today" not in catalog.lacking
