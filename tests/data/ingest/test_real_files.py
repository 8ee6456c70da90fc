"""The real public files in ../shared/data/real ingest through the shipped mappings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data import db
from data.ingest import pipeline
from data.ingest.mapping import load_mapping

REAL = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "real"
SF = REAL / "sf_311_fire_police"
pytestmark = pytest.mark.skipif(not REAL.exists(), reason=f"the real data files are not beside the repo ({REAL})")


@pytest.fixture(scope="module")
def sf_store(tmp_path_factory):
    """Return a fresh store whose grids are SF's 41 neighbourhoods, with the three SF feeds ingested."""
    con = db.open_store(tmp_path_factory.mktemp("sf") / "sf.duckdb")
    summaries = {"grids": pipeline.ingest_path(con, "grids", SF / "sf_neighborhoods.geojson",
                                               load_mapping("sf_neighborhoods"))}
    for name, file in (("sf_311", "311_service_requests.csv"), ("sffd", "sffd_service_calls.csv"),
                       ("sfpd", "sfpd_incidents.csv")):
        summaries[name] = pipeline.ingest_path(con, "events", SF / file, load_mapping(name))
    yield con, summaries
    con.close()


def test_sf_neighbourhoods_become_41_grids_under_one_city(sf_store):
    con, summaries = sf_store
    assert summaries["grids"].accepted == 41
    assert sorted(con.execute("SELECT level, count(*) FROM admin_units GROUP BY 1").fetchall()) == [
        ("city", 1), ("grid", 41)]
    assert 115 < con.execute("SELECT area_km2 FROM admin_units WHERE level = 'city'").fetchone()[0] < 130


def test_sf_311_zero_coordinates_are_kept_without_location(sf_store):
    con, summaries = sf_store
    s = summaries["sf_311"]
    assert s.rows_read == 10_000 and s.balanced()     # 10,510 physical lines: multi-line fields parsed
    assert s.quarantined == {"closed_before_received": 17}
    no_location = con.execute("SELECT count(*) FROM events WHERE source = 'sf_311' AND lon IS NULL").fetchone()[0]
    assert 4000 < no_location < 4400                   # the 42.6% (0,0) rows, minus the quarantined


def test_sf_311_points_in_gaps_between_neighbourhoods_are_kept_city_wide(sf_store):
    con, _ = sf_store
    # Two points metres into gaps between the polygons, one just past the county line (outside_city: keep).
    outside = con.execute("SELECT event_id FROM events WHERE source = 'sf_311' AND lon IS NOT NULL "
                          "AND grid_code IS NULL ORDER BY event_id").fetchall()
    assert outside == [("2286049",), ("6090725",), ("8119603",)]


def test_sf_311_cancellations_and_duplicates_in_the_notes_are_void(sf_store):
    con, _ = sf_store
    statuses = dict(con.execute("SELECT status, count(*) FROM events WHERE source = 'sf_311' GROUP BY 1").fetchall())
    # From status_notes: Maximo's cancellations (61) and duplicates (89, "Cancel DUP SR" among them); the rest
    # follows the stage times, as the feed's Open and Closed did (370 open rows, none quarantined).
    assert statuses == {"closed": 9_463, "received": 370, "cancelled": 61, "merged": 89}
    assert con.execute("SELECT bool_and(is_repeat) FROM events WHERE status = 'merged'").fetchone()[0]


def test_sf_times_are_local_wall_clock_not_utc(sf_store):
    con, _ = sf_store
    # 6078653 was created '2016-07-13 15:11:07+00:00', which is 15:11 in SF (PDT, UTC-7).
    received = con.execute("SELECT strftime(received_at AT TIME ZONE 'America/Los_Angeles', '%H:%M') FROM events "
                           "WHERE source = 'sf_311' AND event_id = '6078653'").fetchone()[0]
    assert received == "15:11"


def test_sffd_units_collapse_into_calls_and_sfpd_offences_into_incidents(sf_store):
    con, summaries = sf_store
    fd, pd_ = summaries["sffd"], summaries["sfpd"]
    assert fd.balanced() and pd_.balanced()
    calls = con.execute("SELECT count(*) FROM events WHERE source = 'sffd'").fetchone()[0]
    assert calls == fd.accepted == 8986 and fd.stale == 835
    assert fd.quarantined == {"closed_before_received": 3, "duplicate_in_file": 176}
    assert pd_.quarantined == {"duplicate_in_file": 739} and pd_.accepted == 9261
    assert con.execute("SELECT count(*) FROM events WHERE source IN ('sffd', 'sfpd') AND grid_code IS NULL"
                       ).fetchone()[0] == 0          # 100% of their points fall in the neighbourhoods


def test_beijing_stations_and_dongsi_readings(tmp_path):
    con = db.open_store(tmp_path / "bj.duckdb")
    stations = pipeline.ingest_path(con, "sensors", REAL / "cn_aq_station_list" / "NewSiteList.csv",
                                    load_mapping("cnemc_stations"))
    assert stations.accepted == 2016 and stations.quarantined == {"missing_coords": 10}
    name, retired = con.execute("SELECT name_zh, strftime(retired_at AT TIME ZONE 'Asia/Shanghai', '%Y-%m-%d') "
                                "FROM sensors WHERE sensor_id = '1013A'").fetchone()
    assert (name, retired) == ("市监测中心", "2015-07-02")
    path = REAL / "beijing_aq_dongsi" / "PRSA_Data_Dongsi_20130301-20170228.csv"
    readings = pipeline.ingest_path(con, "readings", path, load_mapping("beijing_aq"))
    assert readings.notes["source_rows"] == 35_064 and readings.rows_read == 6 * 35_064
    assert readings.missing == 7428 and readings.accepted == 6 * 35_064 - 7428 and readings.balanced()
    co_max, first = con.execute("SELECT max(value) FILTER (metric = 'co'), min(ts) FROM readings").fetchone()
    assert co_max == pytest.approx(10.0)               # 10,000 µg/m³ stored as 10 mg/m³
    assert first.isoformat().startswith("2013-02-28T16:00")   # 2013-03-01 00:00 Beijing time
    again = pipeline.ingest_path(con, "readings", path, load_mapping("beijing_aq"))
    assert again.already_ingested_as == readings.batch_id
    summary = json.loads(con.execute("SELECT summary FROM ingest_batches WHERE batch_id = ?",
                                     [readings.batch_id]).fetchone()[0])
    assert summary["accepted"] == readings.accepted
