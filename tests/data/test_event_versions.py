"""Migration 0009: the current version of a case is stored once (in events); event_history is a view."""

from __future__ import annotations

import pytest

from data import db, integrity

HISTORY = "source, event_id, status, updated_at, handling_level, department, satisfaction, batch_id"
EVENT_VALUES = ("'hotline_12345', 'c-1', 'hotline.noise', TIMESTAMPTZ '2026-11-20 01:00Z', 'dispatched', 3, '城管局', "
                "TIMESTAMPTZ '2026-11-20 03:00Z', 5")


def _version_8_store(tiny_db_path, tmp_path):
    """Return a store at schema version 8 holding the tiny city's cases and their whole history as a table."""
    con = db.connect(tmp_path / "v8.duckdb")
    db.migrate(con, target=8)
    con.execute("ATTACH ? AS tiny (READ_ONLY)", [str(tiny_db_path)])
    con.execute("INSERT INTO events SELECT * FROM tiny.events")
    con.execute("INSERT INTO ingest_batches SELECT * FROM tiny.ingest_batches")
    con.execute(f"INSERT INTO event_history SELECT {HISTORY} FROM tiny.event_history ORDER BY updated_at")
    con.execute("DETACH tiny")
    return con


def _version_8_store_with_one_case(tmp_path):
    """Return an empty store at schema version 8 holding one case in ``events`` (and no history)."""
    con = db.connect(tmp_path / "v8.duckdb")
    db.migrate(con, target=8)
    con.execute("INSERT INTO events (source, event_id, category_code, received_at, status, handling_level, department, "
                f"updated_at, batch_id) VALUES ({EVENT_VALUES})")
    return con


def _current_copies(con) -> int:
    """Return how many rows of event_versions repeat a case's current version (held in events)."""
    return con.execute("SELECT count(*) FROM event_versions v JOIN events e ON e.source = v.source "
                       "AND e.event_id = v.event_id AND e.updated_at = v.updated_at").fetchone()[0]


def _history(con) -> list[tuple]:
    return con.execute(f"SELECT {HISTORY} FROM event_history ORDER BY ALL").fetchall()


def test_migrating_keeps_every_version_and_stores_the_current_one_once(tiny_db_path, tmp_path):
    con = _version_8_store(tiny_db_path, tmp_path)
    before = _history(con)
    cases = con.execute("SELECT count(*) FROM events").fetchone()[0]
    assert db.migrate(con, target=9) == [9]
    assert _history(con) == before
    assert con.execute("SELECT count(*) FROM event_versions").fetchone()[0] == len(before) - cases
    assert _current_copies(con) == 0
    db.migrate(con)                                 # the store's invariants are those of the newest schema
    assert integrity.problems(con) == []
    con.close()


def test_a_repeated_version_loses_only_the_copy_equal_to_the_current_state(tmp_path):
    con = _version_8_store_with_one_case(tmp_path)
    rows = [("received", "01:00", None), ("accepted", "03:00", None),           # same instant as the current state
            ("dispatched", "03:00", 5), ("dispatched", "03:00", 5),             # the current state, written twice
            ("dispatched", "03:00", 6)]                                         # same instant, another batch
    for status, at, batch in rows:
        con.execute("INSERT INTO event_history VALUES ('hotline_12345', 'c-1', ?, ?::TIMESTAMPTZ, 3, '城管局', NULL, ?)",
                    [status, f"2026-11-20 {at}Z", batch])
    before = _history(con)
    db.migrate(con)
    versions = con.execute("SELECT status, batch_id FROM event_versions ORDER BY ALL").fetchall()
    assert versions == [("accepted", None), ("dispatched", 5), ("dispatched", 6), ("received", None)]
    assert _history(con) == before
    con.close()


def test_a_current_state_missing_from_the_history_appears_in_it(tmp_path):
    """A store whose case had no history row (the old check events.history_missing) gains its current version."""
    con = _version_8_store_with_one_case(tmp_path)
    db.migrate(con)
    assert con.execute("SELECT status FROM event_history").fetchall() == [("dispatched",)]
    assert con.execute("SELECT count(*) FROM event_versions").fetchone()[0] == 0
    con.close()


def test_event_history_is_read_only(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    with pytest.raises(Exception, match="not an table|view"):
        con.execute("INSERT INTO event_history (source, event_id, status, updated_at) "
                    "VALUES ('x', 'y', 'received', now())")
    con.close()


def test_the_check_finds_a_version_of_a_case_that_is_not_stored(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    assert integrity.problems(con) == []
    con.execute("INSERT INTO event_versions (source, event_id, status, updated_at) "
                "VALUES ('hotline_12345', 'no-such-case', 'received', now())")
    assert "events.version_of_unknown_case" in " ".join(integrity.problems(con))
    con.close()


def test_the_demo_city_stores_each_current_state_once(tiny_con):
    assert _current_copies(tiny_con) == 0
    assert tiny_con.execute("SELECT count(*) FROM event_versions").fetchone()[0] > 0
