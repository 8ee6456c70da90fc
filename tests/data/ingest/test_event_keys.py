"""(source, event_id) stays unique in ``events`` without a key index: every writer keeps it so."""

from __future__ import annotations

import duckdb
import pytest

from data import db, writer
from data.clock import parse_instant
from data.demo import simulator
from data.demo import build
from tests.conftest import TINY_NOW

TZ = "Asia/Shanghai"


def test_events_has_no_key_index_and_keys_are_unique(store):
    assert store.execute("SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'events'").fetchone()[0] == 0
    assert store.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'events' "
                         "AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')").fetchone()[0] == 0
    total, keys = store.execute("SELECT count(*), count(DISTINCT (source, event_id)) FROM events").fetchone()
    assert total == keys > 0


def test_the_demo_writer_refuses_a_case_already_stored(store):
    frame = store.execute("SELECT * FROM events ORDER BY received_at DESC LIMIT 3").df()
    since, until = (int(t.timestamp()) for t in (frame["received_at"].min(), frame["received_at"].max()))
    with pytest.raises(duckdb.ConstraintException, match="already stored"):
        writer.append_new_events(store, frame, since, until + 1)
    with pytest.raises(duckdb.ConstraintException, match="in the frame"):
        writer.append_new_events(store, frame.iloc[[0, 0]], since, until + 1)


def test_replaying_a_simulator_interval_fails_and_changes_nothing(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    world = build.DemoWorld.create(build.load_demo_spec(con))
    start, end = parse_instant(TINY_NOW, TZ), parse_instant(TINY_NOW, TZ) + 3 * 3600
    simulator.step(con, world, start, end)
    before = con.execute("SELECT count(*), count(DISTINCT (source, event_id)) FROM events").fetchone()
    with pytest.raises(duckdb.ConstraintException):
        simulator.step(con, world, start, end)
    assert con.execute("SELECT count(*), count(DISTINCT (source, event_id)) FROM events").fetchone() == before
    assert before[0] == before[1]
    con.close()


@pytest.mark.parametrize(("keys", "repeats"), [
    ([("hotline_12345", "A"), ("hotline_12345", "B"), ("grid_report", "A")], False),
    ([("hotline_12345", "A"), ("grid_report", "B"), ("hotline_12345", "A")], True),
])
def test_a_chunk_repeating_a_case_is_told_from_one_that_does_not(keys, repeats):
    import pyarrow as pa

    from data.ingest import events
    from data.ingest.batches import registered

    con = duckdb.connect()
    chunk = pa.table({"source": [k[0] for k in keys], "event_id": [k[1] for k in keys]})
    with registered(con, "_ingest_events", chunk):
        assert events._may_repeat(con) is repeats
