"""Retention (data/retention.py): old months move to Parquet, every reader still sees them through the
union relations, nothing is lost or doubled when a move fails, and backups carry the archive."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from data import backup, db, retention, writer
from indicators.sources import SOURCES
from scaleout import export

NOVEMBER = datetime(2026, 11, 1, tzinfo=timezone.utc)


@pytest.fixture
def store(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    yield con
    con.close()


def _history(con, months: tuple[str, ...]) -> None:
    for month in months:
        con.execute("INSERT INTO indicator_history (indicator_id, unit_code, level, value, status, as_of, computed_at) "
                    "SELECT 'x.count', 'u' || range, 'grid', range, 'normal', ?::TIMESTAMPTZ, now() FROM range(50)",
                    [f"{month}-15 06:00:00+00"])


def test_moving_keeps_the_content_and_leaves_the_table_lighter(store, tiny_db_copy):
    before = writer.store_checksum(store)
    in_table = store.execute("SELECT count(*) FROM readings").fetchall()[0][0]
    moved = retention.move_before(store, "readings", NOVEMBER)
    assert [m.month for m in moved] == ["2026-10"] and moved[0].rows > 0
    assert store.execute("SELECT count(*) FROM readings").fetchall()[0][0] == in_table - moved[0].rows
    assert writer.store_checksum(store) == before
    file = tiny_db_copy.parent / moved[0].file
    assert file.is_file() and "kind=readings/month=2026-10" in moved[0].file
    assert retention.move_before(store, "readings", NOVEMBER) == []          # nothing left to move


def test_every_reader_reads_the_archived_rows(store):
    oldest = store.execute("SELECT min(ts) FROM readings").fetchall()[0][0]
    retention.move_before(store, "readings", NOVEMBER)
    assert store.execute("SELECT min(ts) FROM readings").fetchall()[0][0] >= NOVEMBER
    assert store.execute(f"SELECT min(ts) FROM {SOURCES['readings'].read_from}").fetchall()[0][0] == oldest
    relation = SOURCES["readings"].sql().replace("$now", "TIMESTAMPTZ '2026-11-01 00:00:00+00'")
    archived = store.execute(f"SELECT count(*) FROM ({relation}) WHERE ts < ?", [NOVEMBER]).fetchall()[0][0]
    assert archived > 0


def test_history_snapshots_move_and_are_still_read(store):
    _history(store, ("2026-08", "2026-09", "2026-11"))
    moved = retention.move_before(store, "indicator_history", NOVEMBER)
    assert sorted(m.month for m in moved) == ["2026-08", "2026-09"]
    assert store.execute("SELECT count(*) FROM indicator_history").fetchall()[0][0] == 50
    instants = store.execute("SELECT count(DISTINCT as_of) FROM indicator_history_all").fetchall()[0][0]
    assert instants == 3


def test_archived_snapshots_older_than_the_history_limit_are_dropped(store, tiny_db_copy):
    _history(store, ("2026-06", "2026-08", "2026-11"))
    moved = retention.move_before(store, "indicator_history", NOVEMBER)
    june = next(m.file for m in moved if m.month == "2026-06")
    dropped = retention.drop_parts_before(store, "indicator_history", datetime(2026, 8, 20, tzinfo=timezone.utc))
    assert dropped == [june] and not (tiny_db_copy.parent / june).exists()
    months = store.execute("SELECT DISTINCT strftime(as_of, '%Y-%m') FROM indicator_history_all ORDER BY 1").fetchall()
    assert months == [("2026-08",), ("2026-11",)]


def test_a_failed_move_keeps_every_row_and_lists_nothing(store, tiny_db_copy, monkeypatch):
    before = writer.store_checksum(store)

    def fail(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(retention.os, "replace", fail)
    with pytest.raises(OSError):
        retention.move_before(store, "readings", NOVEMBER)
    assert retention.parts(store) == [] and writer.store_checksum(store) == before
    folder = tiny_db_copy.parent / retention.archive_folder_name(store)
    assert not list(folder.rglob("part-*"))


def test_an_unlisted_file_is_never_read_and_is_swept(store, tiny_db_copy):
    folder = tiny_db_copy.parent / retention.archive_folder_name(store) / "kind=readings" / "month=2026-10"
    folder.mkdir(parents=True)
    stray = folder / "part-000000000000.parquet"
    store.execute(f"COPY (SELECT * FROM readings LIMIT 10) TO '{stray}' (FORMAT parquet)")
    before = writer.store_checksum(store)
    assert retention.apply_retention(store) == []            # retention off: only the sweep ran
    assert not stray.exists() and writer.store_checksum(store) == before


def test_settings_turn_it_on_and_a_bad_one_is_named(store, monkeypatch):
    db.put_settings(store, {"retention.readings_days": "10"})
    moved = retention.apply_retention(store, now=datetime(2026, 11, 20, tzinfo=timezone.utc))
    assert [m.month for m in moved] == ["2026-10"]
    monkeypatch.setenv("CITY_RETENTION_HISTORY_DAYS", "ten")
    with pytest.raises(ValueError, match="CITY_RETENTION_HISTORY_DAYS"):
        retention.apply_retention(store)


def test_the_archive_travels_with_a_backup_and_the_spark_export(store, tmp_path):
    before = writer.store_checksum(store)
    retention.move_before(store, "readings", NOVEMBER)
    manifest = backup.take_backup(store.cursor(), tmp_path / "out")
    assert len(manifest["archive"]) == 1
    elsewhere = tmp_path / "elsewhere" / "restored.duckdb"
    backup.restore_backup(tmp_path / "out" / manifest["name"], elsewhere)
    con = db.connect(elsewhere, read_only=True)
    assert writer.store_checksum(con) == before
    con.close()
    (tmp_path / "out" / manifest["name"] / manifest["archive"][0]["file"]).write_bytes(b"broken")
    with pytest.raises(backup.BackupError, match="archive file"):
        backup.verify_backup(tmp_path / "out" / manifest["name"])
    summary = export.export_store(store, tmp_path / "spark", "Asia/Shanghai")
    assert summary.rows["readings"] == before["readings_all"][0]
    exported = export.open_export(tmp_path / "spark")
    assert exported.execute("SELECT count(*) FROM readings_all").fetchall()[0][0] == before["readings_all"][0]



def test_recomputing_an_archived_hour_keeps_one_snapshot_of_it(store):
    from indicators.catalog import load_catalog
    from indicators.engine import Engine
    from indicators.refresh import store_values
    _history(store, ("2026-10",))
    retention.move_before(store, "indicator_history", NOVEMBER)
    engine = Engine(load_catalog(), "Asia/Shanghai")
    for instant, stored_in_table in (("2026-10-15 06:00:00+00", 0), ("2026-11-02 06:00:00+00", None)):
        at_s = int(datetime.fromisoformat(instant).timestamp())
        values = engine.evaluate(store, at_s, only={"cases.intake.count.last_24h"})
        store_values(store, values, at_s, snapshot=True)
        in_table = store.execute("SELECT count(*) FROM indicator_history WHERE as_of = ?::TIMESTAMPTZ",
                                 [instant]).fetchall()[0][0]
        assert in_table == (stored_in_table if stored_in_table is not None else len(values)) and len(values) > 0
    archived = store.execute("SELECT count(*) FROM indicator_history_all WHERE as_of = '2026-10-15 06:00:00+00'"
                             ).fetchall()[0][0]
    assert archived == 50                       # the archived snapshot, once
