"""The data version: every writer bumps its families inside its own transaction (a rolled-back write
bumps nothing), concurrent writers never conflict, and folding old rows never moves a version back."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from data import db, versions
from data.clock import parse_instant
from data.demo import build, simulator
from data.ingest import batches, pipeline
from data.ingest.mapping import load_mapping
from tests.conftest import TINY_NOW
from tests.data.ingest.conftest import NOW, export, store  # noqa: F401  (fixtures)

TZ = "Asia/Shanghai"
LATER = "2026-11-20T19:00:00"


@pytest.fixture
def con():
    connection = db.open_store(":memory:")
    yield connection
    connection.close()


def test_a_bump_is_seen_with_the_commit_and_never_after_a_rollback(con):
    other = con.cursor()
    start = versions.current(other)
    with pytest.raises(RuntimeError):
        with db.transaction(con):
            versions.bump(con, "events")
            raise RuntimeError("the write failed")
    assert versions.current(other) == start
    with db.transaction(con):
        versions.bump(con, "events", "alerts")
        assert versions.current(other) == start                     # not before the commit
    assert versions.current(other) == {**start, "events": start["events"] + 1, "alerts": start["alerts"] + 1}


def test_an_unknown_family_is_refused(con):
    with pytest.raises(ValueError, match="unknown data families"):
        versions.bump(con, "event")


def test_concurrent_writers_both_commit_and_both_count(con):
    first, second = con.cursor(), con.cursor()
    start = versions.current(con)["events"]
    first.execute("BEGIN TRANSACTION")
    second.execute("BEGIN TRANSACTION")
    versions.bump(first, "events")
    versions.bump(second, "events")
    second.execute("COMMIT")                     # the later id commits first
    seen = versions.current(con)["events"]
    first.execute("COMMIT")
    assert (seen, versions.current(con)["events"]) == (start + 1, start + 2)


def test_pruning_folds_rows_and_keeps_every_version(con):
    for at_s in (1_000, 2_000, 90_000, None, None):
        versions.bump(con, "readings", earliest_s=at_s)
    before, before_day = versions.current(con), versions.current(con, before_s=50_000)
    assert versions.prune(con) > 0
    assert versions.current(con) == before and versions.current(con, before_s=50_000) == before_day
    assert con.execute("SELECT count(*) FROM data_changes WHERE family = 'readings'").fetchone()[0] == 3


def test_a_prune_racing_a_writer_loses_nothing(con):
    writer = con.cursor()
    versions.bump(con, "events")
    versions.bump(con, "events")
    start = versions.current(con)["events"]
    writer.execute("BEGIN TRANSACTION")
    versions.bump(writer, "events")
    pruned = threading.Thread(target=versions.prune, args=(con.cursor(),))
    pruned.start()
    pruned.join()
    writer.execute("COMMIT")
    assert versions.current(con)["events"] == start + 1


def test_writes_of_a_later_instant_leave_an_earlier_days_version(con):
    versions.bump(con, "events", earliest_s=100_000)
    assert versions.current(con, before_s=50_000)["events"] == versions.current(con)["events"] - 1
    versions.bump(con, "events")                                    # may have changed any instant
    assert versions.current(con, before_s=50_000)["events"] == versions.current(con)["events"] - 1


def test_the_simulator_bumps_events_and_readings_in_its_tick(tiny_db_copy, monkeypatch):
    con = db.open_store(tiny_db_copy)
    world = build.DemoWorld.create(build.load_demo_spec(con))
    start = versions.current(con)
    monkeypatch.setattr(simulator.build, "generate_day", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        simulator.step(con, world, parse_instant(TINY_NOW, TZ), parse_instant(LATER, TZ))
    assert versions.current(con) == start                               # a failed tick bumps nothing
    monkeypatch.undo()
    simulator.step(con, world, parse_instant(TINY_NOW, TZ), parse_instant(LATER, TZ))
    assert versions.current(con) == {**start, "events": start["events"] + 1, "readings": start["readings"] + 1,
                                     "orders": start["orders"] + 1}          # the demo's work orders move too
    assert versions.current(con, before_s=parse_instant(TINY_NOW, TZ)) == versions.current(
        con, before_s=parse_instant(TINY_NOW, TZ) - 1)                 # the tick changed nothing before it
    con.close()


def test_an_ingest_batch_bumps_its_family_and_a_failed_one_does_not(store, export, tmp_path):  # noqa: F811
    path = tmp_path / "cases.csv"
    export.head(20).to_csv(path, index=False)
    start = versions.current(store)
    pipeline.ingest_path(store, "events", path, load_mapping("yunjiang_events"), now=NOW)
    assert versions.current(store) == {**start, "events": start["events"] + 1}
    broken = tmp_path / "broken.csv"
    export.head(20).assign(**{"工单编号": "OTHER-" + export.head(20)["工单编号"]}).to_csv(broken, index=False)
    real = batches.close_batch

    def failing_close(con, summary):
        real(con, summary)
        raise MemoryError("out of memory at the commit")
    pipeline.batches.close_batch = failing_close
    try:
        with pytest.raises(MemoryError):
            pipeline.ingest_path(store, "events", broken, load_mapping("yunjiang_events"), now=NOW)
    finally:
        pipeline.batches.close_batch = real
    assert versions.current(store)["events"] == start["events"] + 1


def test_alert_handling_bumps_alerts(tiny_db_copy):
    from indicators.alerting import handling

    con = db.open_store(tiny_db_copy)
    alert = con.execute("SELECT alert_id FROM alerts WHERE state <> 'closed' LIMIT 1").fetchall()
    if not alert:
        con.execute("INSERT INTO alerts (alert_id, indicator_id, unit_code, level, kind, state, severity, peak_severity, "
                    "started_at) VALUES (999999, 'x', 'u', 'grid', 'threshold', 'firing', 'red', 'red', now())")
        alert = [(999999,)]
    start = versions.current(con)["alerts"]
    handling.acknowledge(con, alert[0][0], "duty", "on it", parse_instant(TINY_NOW, TZ))
    assert versions.current(con)["alerts"] == start + 1
    con.close()


def test_the_integrity_check_knows_the_families(con):
    from data import integrity

    assert integrity.problems(con) == []
    con.execute("INSERT INTO data_changes (family) VALUES ('weather')")
    assert any(line.startswith("versions.unknown_family") for line in integrity.problems(con))
    con.execute("DELETE FROM data_changes")
    assert any(line.startswith("versions.family_without_change") for line in integrity.problems(con))


def test_the_demo_build_bumps_every_family(tiny_db_path):
    con = db.open_store(tiny_db_path, read_only=True)
    assert all(version >= 2 for version in versions.current(con).values())     # the migration's 1, then the build
    con.close()


def _all_times_at(frame: pd.DataFrame, local: str) -> pd.DataFrame:
    """Return the export with every time it gives moved to ``local`` (a time left empty stays empty)."""
    headers = [header for header in frame.columns if header.endswith("时间") or header == "办理时限"]
    return frame.assign(**{header: frame[header].where(frame[header] == "", local) for header in headers})


def test_an_ingest_batch_counts_from_the_earliest_instant_its_rows_and_the_rows_they_replace_carry(
        store, export, tmp_path):  # noqa: F811
    """A feed's batch of today's cases leaves what was kept of earlier periods valid (a brief of yesterday
    is not built again); a correction moving a case's times later counts from its stored, earlier times."""
    mapping = load_mapping("yunjiang_events")
    at_1500, at_1530 = parse_instant("2026-11-20T15:00:00", TZ), parse_instant("2026-11-20T15:30:00", TZ)
    before_1500, after_1500 = versions.current(store, before_s=at_1500), versions.current(store, before_s=at_1500 + 1)
    new_cases = tmp_path / "new.csv"
    _all_times_at(export.head(5), "2026-11-20 15:00:00").to_csv(new_cases, index=False)
    assert pipeline.ingest_path(store, "events", new_cases, mapping, now=NOW).accepted == 5
    assert versions.current(store, before_s=at_1500) == before_1500
    assert versions.current(store, before_s=at_1500 + 1)["events"] == after_1500["events"] + 1
    corrected = tmp_path / "corrected.csv"
    _all_times_at(export.head(5), "2026-11-20 15:30:00").to_csv(corrected, index=False)
    assert pipeline.ingest_path(store, "events", corrected, mapping, now=NOW).updated == 5
    assert versions.current(store, before_s=at_1500) == before_1500
    assert versions.current(store, before_s=at_1500 + 1)["events"] == after_1500["events"] + 2
    assert versions.current(store, before_s=at_1530)["events"] == after_1500["events"] + 2
