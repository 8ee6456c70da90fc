"""Online backups (data/backup.py, data/backup_schedule.py): a snapshot while writers commit, the
checks a restore makes, keeping N, the schedule, and the CLI's refusals."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from data import backup, backup_schedule, db, writer

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "cli.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture
def store(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    yield con
    con.close()


def test_a_backup_restores_equal_to_the_store(store, tiny_db_copy, tmp_path):
    manifest = backup.take_backup(store.cursor(), tmp_path / "out")
    folder = tmp_path / "out" / manifest["name"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(backup.BACKUP_FILES)
    restored = tmp_path / "restored.duckdb"
    backup.restore_backup(folder, restored)
    assert cli("checksum", "--db", str(restored)).stdout == cli_checksum_of(store)
    assert manifest["schema_version"] == db.latest_schema_version()


def cli_checksum_of(con) -> str:
    return "".join(f"{t}\t{rows}\t{digest}\n" for t, (rows, digest) in writer.store_checksum(con).items())


def test_the_snapshot_ignores_writes_committed_while_it_is_taken(store, tmp_path):
    """Writers commit batches of 100 rows during the backup: the backup holds whole batches only,
    and equals the checksums taken in its own transaction."""
    stop, batches = threading.Event(), []

    def write_batches():
        cursor = store.cursor()
        while not stop.is_set():
            n = len(batches)
            cursor.execute("INSERT INTO quarantine (batch_id, source_row, raw, reason_code, created_at) "
                           "SELECT ?, range, 'x', 'drill', now() FROM range(100)", [1_000_000 + n])
            batches.append(n)

    thread = threading.Thread(target=write_batches)
    thread.start()
    try:
        while len(batches) < 3:
            time.sleep(0.01)
        manifest = backup.take_backup(store.cursor(), tmp_path / "out")
    finally:
        stop.set()
        thread.join()
    restored = tmp_path / "r.duckdb"
    backup.restore_backup(tmp_path / "out" / manifest["name"], restored)
    con = db.connect(restored, read_only=True)
    sizes = [n for (n,) in con.execute("SELECT count(*) FROM quarantine WHERE reason_code = 'drill' "
                                       "GROUP BY batch_id").fetchall()]
    con.close()
    assert sizes and set(sizes) == {100} and len(sizes) < len(batches)


def test_restore_refuses_damaged_backups(store, tmp_path):
    manifest = backup.take_backup(store.cursor(), tmp_path / "out")
    folder = tmp_path / "out" / manifest["name"]
    good = (folder / backup.MANIFEST_FILE).read_text()
    for change, message in (({"schema_version": 9999}, "newer than this program"),
                            ({"checksums": {**manifest["checksums"], "events": [1, 2]}}, "differs from the backup"),
                            ({"sha256": "0" * 64}, "SHA-256"), ({"format": 99}, "unknown backup format")):
        (folder / backup.MANIFEST_FILE).write_text(json.dumps({**json.loads(good), **change}))
        with pytest.raises(backup.BackupError, match=message):
            backup.restore_backup(folder, tmp_path / "never.duckdb")
        assert not (tmp_path / "never.duckdb").exists()
    (folder / backup.MANIFEST_FILE).write_text(good)
    with (folder / backup.STORE_FILE).open("r+b") as handle:
        handle.seek(5000)
        handle.write(b"\xff" * 16)
    with pytest.raises(backup.BackupError, match="damaged"):
        backup.verify_backup(folder)
    with pytest.raises(backup.BackupError, match="unfinished"):
        backup.verify_backup(tmp_path / "out" / (manifest["name"] + backup.PARTIAL))


def test_restore_refuses_an_existing_store_without_force_and_keeps_it_with_force(store, tiny_db_path, tmp_path):
    manifest = backup.take_backup(store.cursor(), tmp_path / "out")
    folder = tmp_path / "out" / manifest["name"]
    target = tmp_path / "target.duckdb"
    target.write_bytes(tiny_db_path.read_bytes())
    with pytest.raises(backup.BackupError, match="--force"):
        backup.restore_backup(folder, target)
    backup.restore_backup(folder, target, force=True)
    assert len(list(tmp_path.glob("target.duckdb.replaced-*"))) == 1


def test_restore_refuses_a_store_a_running_process_holds(store, tiny_db_path, tmp_path):
    manifest = backup.take_backup(store.cursor(), tmp_path / "out")
    held = tmp_path / "held.duckdb"
    held.write_bytes(tiny_db_path.read_bytes())
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('open', flush=True); time.sleep(60)", str(held)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        done = cli("restore", str(tmp_path / "out" / manifest["name"]), "--db", str(held), "--force")
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 1 and "running process" in done.stderr and "Traceback" not in done.stderr


def test_keep_n_removes_the_oldest_and_any_partial(store, tmp_path):
    out = tmp_path / "out"
    names = [backup.take_backup(store.cursor(), out)["name"] for _ in range(3)]
    (out / "cityvitals-20200101T000000Z.partial").mkdir()
    removed = backup.prune_backups(out, keep=2)
    assert names[0] in removed and "cityvitals-20200101T000000Z.partial" in removed
    assert [m["name"] for m in backup.list_backups(out)] == names[1:]


def test_the_schedule_is_due_by_the_newest_backup(store, tmp_path, monkeypatch):
    monkeypatch.setenv("CITY_BACKUP_DIR", str(tmp_path / "sched"))
    assert not backup_schedule.backup_due(store)                  # off by default
    db.put_settings(store, {"backup.every_hours": "6"})
    assert backup_schedule.backup_due(store)                      # on, and none taken yet
    taken = backup_schedule.run_backup(store)
    at = datetime.fromisoformat(taken["taken_at"])
    assert not backup_schedule.backup_due(store, at + timedelta(hours=5))
    assert backup_schedule.backup_due(store, at + timedelta(hours=6))
    db.put_settings(store, {"backup.keep": "many"})
    with pytest.raises(ValueError, match="backup.keep"):
        backup_schedule.run_backup(store)


def test_cli_backup_of_a_stopped_store_and_a_missing_one(tiny_db_copy, tmp_path):
    done = cli("backup", "--db", str(tiny_db_copy), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "backup: " in done.stderr and json.loads(done.stdout)["name"].startswith(backup.PREFIX)
    missing = cli("backup", "--db", str(tmp_path / "nothing.duckdb"))
    assert missing.returncode == 2 and "No database" in missing.stderr


def test_taken_at_is_an_instant(store, tmp_path):
    taken = datetime.fromisoformat(backup.take_backup(store.cursor(), tmp_path)["taken_at"])
    assert abs(datetime.now(timezone.utc) - taken) < timedelta(minutes=5)
