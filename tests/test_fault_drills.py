"""Fault drills on the tiny city (bench/drill_faults.py, bench/drill_server_faults.py): kill -9 mid-refresh
and mid-serve, SIGTERM mid-refresh and mid-ingest, a full disk during a CLI ingest and under the running
server (ingest and refresh), truncated and corrupted files, a sensor with a wrong clock. After each, the
store's invariants (data/integrity.py) hold and nothing partial is kept."""

from __future__ import annotations

import pytest

from bench import drill_faults, drill_server_faults
from data import db, integrity

KILLS = 2


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("drills")


def assert_passed(result: drill_faults.DrillResult) -> None:
    assert result.passed, result.line()


@pytest.mark.slow
def test_kill_during_refresh_keeps_the_store_consistent(tiny_db_path, workdir):
    result = drill_faults.drill_kill_refresh(tiny_db_path, workdir, KILLS)
    assert_passed(result)
    assert result.figures["kills"] >= 1, "no kill landed while the refresh ran"


@pytest.mark.slow
def test_kill_the_server_during_refreshes_and_restart(tiny_db_path, workdir):
    assert_passed(drill_faults.drill_kill_server(tiny_db_path, workdir, KILLS))


def test_full_disk_during_ingest_is_a_clean_error_and_keeps_nothing(tiny_db_path, workdir):
    result = drill_faults.drill_disk_full(tiny_db_path, workdir, rows=300_000)
    assert_passed(result)
    assert result.figures["exit"] == 3 and result.figures["failed_batches_recorded"] == 1


@pytest.mark.slow
def test_sigterm_during_refresh_stops_cleanly_and_keeps_nothing_partial(tiny_db_path, workdir):
    result = drill_server_faults.drill_sigterm_refresh(tiny_db_path, workdir)
    assert_passed(result)
    assert result.figures["stops"] == 2


@pytest.mark.slow
def test_sigterm_during_an_api_ingest_keeps_the_batch_whole_or_not_at_all(tiny_db_path, workdir):
    result = drill_server_faults.drill_sigterm_ingest(tiny_db_path, workdir)
    assert_passed(result)
    assert result.figures["kept"] in (0, result.figures["rows"])


@pytest.mark.slow
@pytest.mark.skipif(not drill_server_faults.can_mount(), reason="mounting the small tmpfs needs root")
def test_full_disk_under_the_running_server(tiny_db_path, workdir):
    result = drill_server_faults.drill_disk_full_server(tiny_db_path, workdir)
    assert_passed(result)
    assert result.figures["full_answer"] == 507 and result.figures["stored"] == result.figures["rows"]


def test_truncated_and_corrupt_files(tiny_db_path, workdir):
    assert_passed(drill_faults.drill_broken_files(tiny_db_path, workdir))


def test_sensor_feed_with_a_wrong_clock(tiny_db_path, workdir):
    assert_passed(drill_faults.drill_sensor_clock(tiny_db_path, workdir))


def test_sigterm_during_a_backup_keeps_nothing_partial(tiny_db_path, workdir):
    result = drill_faults.run_drills(tiny_db_path, workdir, KILLS, 0, ("backup_sigterm",))[0]
    assert_passed(result)
    assert result.figures["stopped"] >= 1


def test_a_backup_during_an_ingest_burst_restores_the_store_at_its_instant(tiny_db_path, workdir):
    result = drill_faults.run_drills(tiny_db_path, workdir, KILLS, 0, ("backup_burst",))[0]
    assert_passed(result)
    assert result.figures["batches_in_backup"] >= 1 and result.figures["batches_after_it"] >= 1


def test_the_checks_catch_a_broken_store(tiny_db_copy):
    """The invariants can fail: break each kind of consistency by hand and see it reported."""
    con = db.open_store(tiny_db_copy)
    assert integrity.problems(con) == []
    con.execute("INSERT INTO ingest_batches (batch_id, kind, source_name, started_at, status) "
                "VALUES (999, 'events', 'x.csv', now(), 'running')")
    con.execute("UPDATE events SET batch_id = 999 WHERE event_id = (SELECT min(event_id) FROM events)")
    snapshot = ("'x.count', ?, 'grid', 1, NULL, NULL, NULL, 'normal', ?::TIMESTAMPTZ, now(), 0")
    for unit, hour in (("g1", "2026-11-20 06:00Z"), ("g2", "2026-11-20 06:00Z"), ("g1", "2026-11-20 07:00Z")):
        con.execute(f"INSERT INTO indicator_history VALUES ({snapshot})", [unit, hour])   # 07:00 lacks g2
    con.execute("INSERT INTO indicator_latest_rows SELECT indicator_id, unit_code, level, value, numerator, "
                "denominator, baseline, status, epoch(as_of) FROM indicator_history WHERE unit_code = 'g1' "
                "AND as_of = '2026-11-20 07:00Z'")
    con.execute("INSERT INTO indicator_instants VALUES ('x.count', '2026-11-20 07:00Z', now())")  # never run
    con.execute("INSERT INTO indicator_latest_rows SELECT * FROM indicator_latest_rows LIMIT 1")  # one value twice
    con.execute("INSERT INTO indicator_latest_rows VALUES ('y.count', 'g1', 'grid', 1, NULL, NULL, NULL, 'normal', "
                "NULL)")                                                                          # no instant
    found = " ".join(integrity.problems(con))
    for name in ("ingest.batch_not_finished", "ingest.rows_of_unknown_batch", "indicators.partial_snapshot",
                 "indicators.run_missing", "indicators.latest_duplicate_key", "indicators.latest_without_instant"):
        assert name in found
    con.close()


def test_kill_during_dispatch_leaves_no_half_created_order(tiny_db_copy):
    """kill -9 inside the dispatch transaction: the order, its departments and its history are all
    absent after the restart, the orders dispatched before are whole (bench/drill_orders.py)."""
    from bench import drill_orders

    assert drill_orders.drill_kill_dispatch(tiny_db_copy) == []


def test_the_orders_checks_catch_a_half_order(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    con.execute("INSERT INTO work_orders (title, source_kind, unit_code, handling_level, priority, state, created_by, "
                "created_at, report_due_at, finish_due_at, updated_at) VALUES ('half', 'manual', 'x', 3, 'normal', "
                "'dispatched', 'u', now(), now(), now(), now())")
    found = " ".join(integrity.problems(con))
    assert "orders.without_department" in found and "orders.without_dispatch" in found
    con.close()
