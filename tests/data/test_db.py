"""The store: path resolution, migrations that upgrade older files, the one-writer rule."""

import logging
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data import db

ROOT = Path(__file__).resolve().parents[2]


def test_db_path_precedence(monkeypatch):
    monkeypatch.delenv("CITY_DB", raising=False)
    assert db.resolve_db_path() == Path("var/city.duckdb")
    monkeypatch.setenv("CITY_DB", "/tmp/from-env.duckdb")
    assert db.resolve_db_path() == Path("/tmp/from-env.duckdb")
    assert db.resolve_db_path("/tmp/flag.duckdb") == Path("/tmp/flag.duckdb")


def test_new_store_has_latest_schema_and_all_tables(tmp_path):
    con = db.open_store(tmp_path / "new.duckdb")
    assert db.schema_version(con) == db.latest_schema_version() >= 2
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"admin_units", "event_categories", "events", "event_history", "sensors", "readings",
            "ingest_batches", "quarantine", "settings", "map_features"} <= tables


def test_opening_an_older_database_upgrades_it_and_keeps_data(tmp_path):
    path = tmp_path / "old.duckdb"
    con = db.connect(path)
    assert db.migrate(con, target=1) == [1]
    con.execute("INSERT INTO event_categories VALUES ('x', '测试', 'Test', 'hotline', 24, 3, '城管局')")
    con.close()
    con = db.open_store(path)
    assert db.schema_version(con) == db.latest_schema_version()
    assert con.execute("SELECT name_zh FROM event_categories").fetchall() == [("测试",)]
    assert db.migrate(con) == []


def test_database_from_a_newer_program_is_refused(tmp_path):
    path = tmp_path / "future.duckdb"
    con = db.open_store(path)
    con.execute("INSERT INTO schema_version (version) VALUES (999)")
    with pytest.raises(db.StoreError, match="newer than this program"):
        db.migrate(con)


def test_a_second_process_gets_a_plain_message_not_a_traceback(tmp_path):
    path = tmp_path / "held.duckdb"
    db.open_store(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(path)!r})
            print("holding", flush=True)
            time.sleep(60)
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        result = subprocess.run([sys.executable, "cli.py", "info", "--db", str(path)], cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2
    assert "in use by another process" in result.stderr
    assert "Traceback" not in result.stderr


def test_settings_round_trip(tmp_path):
    con = db.open_store(tmp_path / "s.duckdb")
    db.put_settings(con, {"city.tz": "Asia/Shanghai", "demo.seed": 7})
    db.put_settings(con, {"demo.seed": 8})
    assert db.get_setting(con, "city.tz") == "Asia/Shanghai"
    assert db.get_setting(con, "demo.seed") == "8"
    assert db.get_setting(con, "missing", "default") == "default"


def test_migration_10_keeps_the_latest_values_without_the_key_index(tmp_path):
    con = db.connect(tmp_path / "v9.duckdb")
    db.migrate(con, target=9)
    row = "(?, 'g1', 'grid', 1.5, NULL, NULL, NULL, 'normal', TIMESTAMPTZ '2026-11-20 07:00Z', now(), 60)"
    for indicator_id in ("b.count", "a.count"):
        con.execute(f"INSERT INTO indicator_latest VALUES {row}", [indicator_id])
    with pytest.raises(duckdb.ConstraintException):
        con.execute(f"INSERT INTO indicator_latest VALUES {row}", ["a.count"])
    assert db.migrate(con, target=10) == [10]
    assert con.execute("SELECT indicator_id, unit_code, value FROM indicator_latest ORDER BY ALL").fetchall() == [
        ("a.count", "g1", 1.5), ("b.count", "g1", 1.5)]
    assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'indicator_latest' "
                       "AND constraint_type = 'PRIMARY KEY'").fetchone()[0] == 0


def test_migration_11_keeps_the_latest_values_as_rows_and_one_instant_per_indicator(tmp_path):
    con = db.connect(tmp_path / "v10.duckdb")
    db.migrate(con, target=10)
    columns = [c[0] for c in con.execute("DESCRIBE indicator_latest").fetchall()]
    row = ("(?, ?, 'grid', 1.5, 3, 2, NULL, 'normal', TIMESTAMPTZ '2026-11-20 07:00Z', "
           "TIMESTAMPTZ '2026-11-20 07:00:02Z', ?)")
    for indicator_id, unit, age in (("a.count", "g1", 60.25), ("a.count", "g2", None), ("b.count", "g1", 0.0)):
        con.execute(f"INSERT INTO indicator_latest VALUES {row}", [indicator_id, unit, age])
    before = con.execute("SELECT * FROM indicator_latest ORDER BY indicator_id, unit_code").fetchall()
    assert db.migrate(con, target=11) == [11]
    assert [c[0] for c in con.execute("DESCRIBE indicator_latest").fetchall()] == columns
    assert con.execute("SELECT * FROM indicator_latest ORDER BY indicator_id, unit_code").fetchall() == before
    assert con.execute("SELECT indicator_id FROM indicator_instants ORDER BY ALL").fetchall() == [("a.count",),
                                                                                              ("b.count",)]
    assert con.execute("SELECT count(*) FROM indicator_latest_rows WHERE newest_s IS NULL").fetchone()[0] == 1


def test_migration_12_starts_every_data_family_at_version_1_on_an_older_store(tmp_path):
    from data import versions

    con = db.connect(tmp_path / "v11.duckdb")
    db.migrate(con, target=11)
    con.close()
    con = db.open_store(tmp_path / "v11.duckdb")
    assert db.schema_version(con) == db.latest_schema_version() >= 12
    assert versions.current(con) == dict.fromkeys(versions.FAMILIES, 1)


def test_migration_14_widens_the_case_statuses_and_keeps_every_case(tmp_path):
    con = db.connect(tmp_path / "v13.duckdb")
    db.migrate(con, target=13)
    insert = ("INSERT INTO events (source, event_id, category_code, received_at, status, updated_at) "
              "VALUES ('s', ?, 'c', TIMESTAMPTZ '2026-11-20 07:00Z', ?, TIMESTAMPTZ '2026-11-20 08:00Z')")
    for n, status in enumerate(("closed", "received", "resolved")):
        con.execute(insert, [f"e{n}", status])
    with pytest.raises(duckdb.ConstraintException):
        con.execute(insert, ["void", "cancelled"])
    before = con.execute("SELECT * FROM events").fetchall()
    assert db.migrate(con, target=14) == [14]          # later versions (0020 …) are not its subject
    assert con.execute("SELECT * FROM events").fetchall() == before          # same rows, same order
    for status in ("returned", "cancelled", "merged"):
        con.execute(insert, [status, status])
    with pytest.raises(duckdb.ConstraintException):
        con.execute(insert, ["bad", "void"])
    assert con.execute("SELECT count(*) FROM event_history").fetchone()[0] == 6


def test_a_full_disk_in_background_work_is_one_line_and_a_bug_is_a_traceback(caplog):
    """A background job that meets a full disk logs one line and no traceback (the fault drill reads the
    server log for tracebacks); any other failure keeps its traceback for whoever reads the log."""
    test_log = logging.getLogger("test.background")
    full = duckdb.IOException('Could not write file "city.duckdb.wal": No space left on device')
    with caplog.at_level(logging.ERROR, logger="test.background"):
        db.log_failure(test_log, full, "storing the partials failed at %s", 42)
        db.log_failure(test_log, KeyError("unit"), "storing the partials failed at %s", 43)
    full_record, bug_record = caplog.records
    assert full_record.getMessage() == ("storing the partials failed at 42 (the store could not be written: "
                                        'Could not write file "city.duckdb.wal": No space left on device)')
    assert full_record.exc_info is None
    assert bug_record.getMessage() == "storing the partials failed at 43"
    assert bug_record.exc_info[0] is KeyError


def test_a_frame_registers_after_a_result_left_unread():
    """DuckDB 2 refuses ``register`` while a ``fetchone()`` has left a result unread; ``db.register``
    runs that result to its end first, and every module registers through it."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM range(3) r(a)")
    assert con.execute("SELECT a FROM t ORDER BY a").fetchone() == (0,)
    with pytest.raises(duckdb.Error, match="unfinished result"):
        con.register("plain", pd.DataFrame({"a": [1]}))
    db.register(con, "frame", pd.DataFrame({"a": [7]}))
    assert con.execute("SELECT a FROM frame").fetchall() == [(7,)]
    sources = Path(db.__file__).resolve().parents[1]
    callers = [str(p.relative_to(sources)) for folder in ("data", "indicators", "queries", "reporting", "api")
               for p in (sources / folder).rglob("*.py")
               if p.name != "db.py" and re.search(r"(?<!db)\.register\(", p.read_text(encoding="utf-8"))]
    assert callers == []
