"""Points in no grid (``outside_city: keep``) and points in two overlapping grids (flagged, smallest grid).

A small city of two districts: grid A (district D1) and grid B (district D2) with a gap between them,
and grid C, a small grid drawn over A's middle (an enclave: a park, a campus).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from data import db
from data.clock import parse_instant
from data.ingest import pipeline, quarantine
from data.ingest.gridindex import build_grid_index
from data.ingest.mapping import parse_mapping
from indicators.catalog import load_catalog
from indicators.engine import Engine

BOXES = {"A": (120.000, 30.000, 120.010, 30.010), "B": (120.011, 30.000, 120.020, 30.010),
         "C": (120.004, 30.004, 120.006, 30.006)}
DISTRICTS = {"A": "D1", "B": "D2", "C": "D1"}
GRIDS = parse_mapping({"name": "test_overlap_grids", "kind": "grids", "city": {"code": "T", "name_zh": "测试市"},
                       "fields": {"code": "code", "name_zh": "code"}, "levels": {"district": {"code": "district"}},
                       "tolerance_m2": 1000000})
POINTS = {"in-A": (120.002, 30.002), "in-B": (120.015, 30.005), "in-gap": (120.0105, 30.005),
          "in-C": (120.005, 30.005), "far": (121.5, 31.0)}
NOW = pd.Timestamp("2026-11-20T08:00:00Z")


def _events_mapping(outside: str | None) -> dict:
    raw = {"name": "test_points", "kind": "events", "timezone": "UTC", "unknown_category": "create",
           "new_category": {"prefix": "t.", "domain": "hotline"},
           "fields": {"source": {"value": "hotline_12345"}, "event_id": "id", "category": {"value": "noise"},
                      "received_at": "received", "lon": "lon", "lat": "lat"}}
    return raw if outside is None else {**raw, "outside_city": outside}


@pytest.fixture
def city(tmp_path):
    frame = gpd.GeoDataFrame({"code": list(BOXES), "district": [DISTRICTS[c] for c in BOXES]},
                             geometry=[shapely.box(*b) for b in BOXES.values()], crs="EPSG:4326")
    frame.to_file(tmp_path / "grids.geojson", driver="GeoJSON")
    con = db.open_store(tmp_path / "t.duckdb")
    pipeline.ingest_path(con, "grids", tmp_path / "grids.geojson", GRIDS)
    yield con
    con.close()


def _ingest(con, tmp_path, names, outside: str | None):
    rows = pd.DataFrame({"id": names, "received": "2026-11-20T06:00:00Z",
                         "lon": [POINTS[n][0] for n in names], "lat": [POINTS[n][1] for n in names]})
    rows.to_csv(tmp_path / "cases.csv", index=False)
    return pipeline.ingest_path(con, "events", tmp_path / "cases.csv", parse_mapping(_events_mapping(outside)), now=NOW)


def _grids(con) -> dict[str, str | None]:
    return dict(con.execute("SELECT event_id, grid_code FROM events").fetchall())


def test_a_point_in_no_grid_is_quarantined_by_default(city, tmp_path):
    summary = _ingest(city, tmp_path, ["in-A", "in-gap", "far"], outside=None)
    assert summary.quarantined == {"outside_city": 2}
    assert _grids(city) == {"in-A": "A"}


def test_outside_city_keep_stores_the_point_without_a_grid(city, tmp_path):
    summary = _ingest(city, tmp_path, ["in-A", "in-B", "in-gap", "far"], outside="keep")
    assert summary.accepted == 4 and summary.quarantined == {}
    assert _grids(city) == {"in-A": "A", "in-B": "B", "in-gap": None, "far": None}
    assert city.execute("SELECT lon FROM events WHERE event_id = 'in-gap'").fetchone()[0] == pytest.approx(120.0105)


def test_a_kept_outside_case_counts_at_city_level_only(city, tmp_path):
    _ingest(city, tmp_path, ["in-A", "in-B", "in-gap"], outside="keep")
    at_s = parse_instant("2026-11-20T09:00:00+00:00", "UTC")
    frame = Engine(load_catalog(), "UTC").evaluate(city, at_s, only={"cases.intake.count.today"})
    counts = {(r.level, r.unit_code): r.value for r in frame.itertuples()}
    assert counts[("city", "T")] == 3
    assert (counts[("district", "D1")], counts[("district", "D2")]) == (1, 1)
    assert sum(v for (level, _), v in counts.items() if level == "grid") == 2


def test_a_point_in_two_grids_goes_to_the_smaller_and_is_flagged(city, tmp_path):
    summary = _ingest(city, tmp_path, ["in-A", "in-C"], outside=None)
    assert _grids(city) == {"in-A": "A", "in-C": "C"}
    assert summary.flagged == {"grid_mismatch": 0, "grid_overlap": 1}
    flags = quarantine.show_flags(city, summary.batch_id)
    assert [(f["record"], f["flag"]) for f in flags] == [("hotline_12345:in-C", "grid_overlap")]
    assert flags[0]["detail"] == "point in C and A; assigned C (the smallest grid)"


def test_a_given_grid_among_the_overlapping_ones_is_no_mismatch(city, tmp_path):
    rows = pd.DataFrame({"id": ["c1", "c2"], "received": "2026-11-20T06:00:00Z", "lon": POINTS["in-C"][0],
                         "lat": POINTS["in-C"][1], "grid": ["A", "B"]})
    rows.to_csv(tmp_path / "coded.csv", index=False)
    raw = _events_mapping(None)
    raw["fields"] = {**raw["fields"], "grid_code": "grid"}
    summary = pipeline.ingest_path(city, "events", tmp_path / "coded.csv", parse_mapping(raw), now=NOW)
    assert _grids(city) == {"c1": "A", "c2": "B"}                   # a given code is kept
    assert summary.flagged == {"grid_mismatch": 1}                  # B is not where the point is; A is


def test_the_rule_does_not_depend_on_the_order_of_the_codes():
    polygons = [shapely.box(*BOXES["C"]), shapely.box(*BOXES["A"])]
    index = build_grid_index(["Z-small", "A-large"], polygons)
    found = index.assign_points(np.array([POINTS["in-C"][0]]), np.array([POINTS["in-C"][1]]), use_raster=False)
    assert found.positions.tolist() == [0] and found.overlaps == {0: (0, 1)}


def test_the_raster_gives_the_tree_s_answer_in_overlaps():
    index = build_grid_index(list(BOXES), [shapely.box(*b) for b in BOXES.values()])
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(119.999, 120.021, 50_000), rng.uniform(29.999, 30.011, 50_000)
    tree, raster = index.assign_points(lon, lat, use_raster=False), index.assign_points(lon, lat, use_raster=True)
    assert (tree.positions == raster.positions).all() and tree.overlaps == raster.overlaps
    assert len(tree.overlaps) > 100
