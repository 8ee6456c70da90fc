"""Case statuses: the mapping's status words first, then the city's own (its profile's ``statuses``)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from data import db
from data.ingest import pipeline
from data.ingest.mapping import MappingError, load_mapping, parse_mapping
from tests.data.ingest.conftest import NOW
from tests.data.ingest.test_events import ingest, write

# Words the yunjiang_events mapping does not know, and one it does (已派单: dispatched).
CITY_WORDS = {"撤单": "cancelled", "Returned": "returned", "并案": "merged", "已派单": "closed",
              "作废": "no-such-status"}


def _statuses(store, prefix: str) -> dict[str, tuple[str, bool]]:
    rows = store.execute("SELECT event_id, status, is_repeat FROM events WHERE event_id LIKE ? ORDER BY 1",
                         [prefix + "%"]).fetchall()
    return {event_id: (status, repeat) for event_id, status, repeat in rows}


def test_status_words_the_mapping_lacks_come_from_the_city(store, export, tmp_path):
    db.put_settings(store, {"city.statuses": json.dumps(CITY_WORDS, ensure_ascii=False)})
    frame = export.head(5).copy()
    frame["工单编号"] = [f"W-{n}" for n in range(5)]
    frame["重复件"] = "否"
    # The city's words (any case); 已派单 is the mapping's own word, which wins over the city's; 作废 names
    # no status, so it stays unknown.
    frame["办理状态"] = ["撤单", "RETURNED", "并案", "已派单", "作废"]
    summary = ingest(store, write(frame, tmp_path / "words.csv"))
    assert summary.quarantined == {"unknown_status": 1}
    assert _statuses(store, "W-") == {"W-0": ("cancelled", False), "W-1": ("returned", False),
                                      "W-2": ("merged", True), "W-3": ("dispatched", False)}


def test_without_the_city_s_words_they_are_unknown(store, export, tmp_path):
    frame = export.head(1).copy()
    frame["办理状态"] = "撤单"
    assert ingest(store, write(frame, tmp_path / "unknown.csv")).quarantined == {"unknown_status": 1}


def test_the_api_reads_the_city_s_words_too(store):
    db.put_settings(store, {"city.statuses": json.dumps({"Void": "cancelled"})})
    grid, category = store.execute("SELECT min(code), (SELECT min(code) FROM event_categories) FROM admin_units "
                                   "WHERE level = 'grid'").fetchone()
    body = json.dumps([{"source": "hotline_12345", "event_id": "API-1", "category": category, "status": "void",
                        "received_at": "2026-11-20T09:00:00+08:00", "grid_code": grid}]).encode()
    summary = pipeline.ingest_bytes(store, "events", body, "json", load_mapping("api_events"), "api", now=NOW)
    assert summary.accepted == 1
    assert _statuses(store, "API-") == {"API-1": ("cancelled", False)}


def test_a_status_map_naming_no_status_is_refused():
    with pytest.raises(MappingError, match="not a status"):
        parse_mapping({"kind": "events", "fields": {"event_id": "id", "received_at": "t", "category": "c"},
                       "status_map": {"Cancelled": "void"}})


def test_a_mapping_without_a_zone_reads_times_in_the_stores_zone(tmp_path):
    """The API's mappings name no zone: on a Los Angeles store a time without an offset is LA time."""
    from data.ingest.mapping import in_zone, load_mapping

    mapping = load_mapping("api_events")
    assert mapping.timezone is None
    assert in_zone(mapping, "America/Los_Angeles").timezone == "America/Los_Angeles"
    assert in_zone(load_mapping("sf_311"), "Asia/Shanghai").timezone == "America/Los_Angeles"   # named: kept
    assert str(in_zone(mapping, "America/Los_Angeles").earliest_time) == "2000-01-01 00:00:00+00:00"


def test_the_api_reads_a_time_without_an_offset_in_the_stores_zone(store):
    db.put_settings(store, {"city.tz": "America/Los_Angeles"})
    grid, category = store.execute("SELECT min(code), (SELECT min(code) FROM event_categories) FROM admin_units "
                                   "WHERE level = 'grid'").fetchone()
    body = json.dumps([{"source": "hotline_12345", "event_id": "API-LA", "category": category,
                        "received_at": "2026-11-19T10:00:00", "grid_code": grid}]).encode()
    assert pipeline.ingest_bytes(store, "events", body, "json", load_mapping("api_events"), "api", now=NOW).accepted == 1
    received = store.execute("SELECT epoch(received_at) FROM events WHERE event_id = 'API-LA'").fetchone()[0]
    assert received == pd.Timestamp("2026-11-19T18:00:00Z").timestamp()          # 10:00 in LA, not in Shanghai
