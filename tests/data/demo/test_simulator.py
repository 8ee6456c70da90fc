"""The live simulator: it continues the demo city exactly as a build at the later instant would."""

from __future__ import annotations

import pandas as pd
import pytest

from data import db, writer
from data.clock import HOUR_S, parse_instant, utc as to_datetime_utc
from data.demo import simulator
from data.demo import build, camera_alarms
from tests.conftest import TINY_NOW, TINY_SEED

TZ = "Asia/Shanghai"
LATER = "2026-11-20T19:00:00"     # same local day as TINY_NOW, so the episodes are the same


@pytest.fixture
def advanced(tiny_db_copy):
    """Return the tiny city moved on by the simulator from TINY_NOW to LATER."""
    con = db.open_store(tiny_db_copy)
    world = build.DemoWorld.create(build.load_demo_spec(con))
    counts = simulator.step(con, world, parse_instant(TINY_NOW, TZ), parse_instant(LATER, TZ))
    yield con, counts
    con.close()


@pytest.fixture
def built_later(tmp_path):
    """Return a fresh tiny city built directly at LATER."""
    path = tmp_path / "later.duckdb"
    build.build_demo(path, build.spec_from_options("tiny", TINY_SEED, LATER), progress=False)
    con = db.open_store(path, read_only=True)
    yield con
    con.close()


def test_step_adds_new_cases_and_moves_old_ones(advanced):
    con, counts = advanced
    start, end = to_datetime_utc(parse_instant(TINY_NOW, TZ)), to_datetime_utc(parse_instant(LATER, TZ))
    new = con.execute("SELECT count(*) FROM events WHERE received_at >= ? AND received_at < ?", [start, end]).fetchone()[0]
    moved = con.execute("SELECT count(*) FROM event_history WHERE updated_at > ? AND updated_at <= ? "
                        "AND status <> 'received' AND event_id IN (SELECT event_id FROM events WHERE received_at < ?)",
                        [start, end, start]).fetchone()[0]
    assert new > 50 and moved > 50
    assert counts.by_table["readings"] > 0
    assert db.get_setting(con, "data.until_s") == str(parse_instant(LATER, TZ))
    assert con.execute("SELECT count(*) FROM demo_event_plans WHERE closed_at <= ?", [end]).fetchone()[0] == 0


COMPARED = {
    "events": "SELECT * EXCLUDE (batch_id) FROM events WHERE received_at >= $since",
    "event_history": "SELECT h.* EXCLUDE (batch_id) FROM event_history h JOIN events e USING (source, event_id) "
                     "WHERE e.received_at >= $since",
    "readings": "SELECT * FROM readings WHERE ts >= $since",
    "demo_event_plans": "SELECT p.* FROM demo_event_plans p JOIN events e USING (source, event_id) "
                        "WHERE e.received_at >= $since",
}


@pytest.mark.parametrize("table", COMPARED)
def test_simulated_city_equals_a_city_built_later(advanced, built_later, table):
    con, _ = advanced
    since = to_datetime_utc(parse_instant(LATER, TZ) - 20 * 24 * HOUR_S)
    sql = COMPARED[table]
    simulated = con.execute(f"SELECT count(*), sum(hash(COLUMNS(*))::HUGEINT) FROM ({sql})", {"since": since})
    simulated = simulated.fetchone()
    fresh = built_later.execute(f"SELECT count(*), sum(hash(COLUMNS(*))::HUGEINT) FROM ({sql})", {"since": since})
    assert simulated == fresh.fetchone()
    assert simulated[0] > 0


def test_a_failed_step_changes_nothing(tiny_db_copy, monkeypatch):
    con = db.open_store(tiny_db_copy)
    world = build.DemoWorld.create(build.load_demo_spec(con))
    before = con.execute("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM event_history), "
                         "(SELECT count(*) FROM readings)").fetchone()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(simulator.build, "generate_day", broken)
    with pytest.raises(OSError):
        simulator.step(con, world, parse_instant(TINY_NOW, TZ), parse_instant(LATER, TZ))
    after = con.execute("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM event_history), "
                        "(SELECT count(*) FROM readings)").fetchone()
    assert before == after
    con.close()


def test_live_simulator_catches_up_to_its_clock(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    later = parse_instant(LATER, TZ)
    live = simulator.LiveSimulator(con, interval_s=0.05, now=lambda: later)
    counts = live.catch_up()
    assert counts.by_table["events"] > 0
    assert db.get_setting(con, "data.until_s") == str(later)
    assert live.catch_up().total == 0
    con.close()


def test_a_catch_up_over_several_days_writes_each_of_them(tiny_db_copy):
    """A server started days after its store was last moved catches up day by day in one step."""
    con = db.open_store(tiny_db_copy)
    days_later = parse_instant("2026-11-23T09:00:00", TZ)
    counts = simulator.LiveSimulator(con, now=lambda: days_later).catch_up()
    newest_day = con.execute("SELECT max(received_at) FROM events").fetchall()[0][0]
    assert counts.by_table["events"] > 0
    assert newest_day.astimezone(to_datetime_utc(days_later).tzinfo) > to_datetime_utc(days_later - 86_400)
    con.close()


def test_a_review_with_nothing_due_leaves_the_connection_ready_for_the_next_day(tiny_db_copy):
    """A day's camera-alarm review that decides nothing used to leave a result unread, and DuckDB 2
    refused the next day's frame on that connection (the demo's catch-up failed on its third day)."""
    con = db.open_store(tiny_db_copy)
    sensor = con.execute("SELECT sensor_id FROM sensors ORDER BY sensor_id LIMIT 1").fetchall()[0][0]
    assert camera_alarms.review_due(con, TINY_SEED, as_of_s=0)["alarms_reviewed"] == 0
    reading = pd.DataFrame({"sensor_id": [sensor], "ts": [parse_instant(LATER, TZ)], "metric": ["probe"],
                            "value": [1.0], "quality": ["ok"]})
    assert writer.append_frame(con, "readings", reading) == 1
    con.close()
