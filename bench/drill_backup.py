"""Backup drills (run by bench/drill_faults.py): SIGTERM during a backup, and a backup taken through
the running server during an ingest burst, restored and compared with the original at its instant.

    python bench/drill_faults.py --only backup_sigterm --only backup_burst
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.drill_faults import ROOT, DrillResult, cli, fresh_copy, serve, store_problems
from data import backup, db
from data.ingest import client, tokens

BURST_ROWS = 200                 # cases per API request (one batch each)
BURST_BEFORE, BURST_AFTER = 5, 5  # batches committed before the backup starts and after it ends


def drill_sigterm_backup(city: Path, workdir: Path, attempts: int = 3) -> DrillResult:
    """SIGTERM ``cli.py backup`` at its 1st, 2nd, … progress line; nothing partial may remain, the
    command must end with one plain line, and a backup taken afterwards must restore equal."""
    result = DrillResult("SIGTERM during a backup")
    target = fresh_copy(city, workdir, "backup-sigterm")
    stopped = 0
    for attempt in range(attempts):
        out = workdir / f"backup-sigterm-{attempt}"
        shutil.rmtree(out, ignore_errors=True)
        status, stderr = _terminate_at_progress(target, out, line_number=1 + attempt * 4)
        left = sorted(p.name for p in out.iterdir()) if out.exists() else []
        if status == 143:
            stopped += 1
            if left:
                result.problems.append(f"attempt {attempt + 1}: left behind {left}")
            if not stderr.strip().endswith("backup stopped by SIGTERM: nothing was kept"):
                result.problems.append(f"attempt {attempt + 1}: last line {stderr.strip().splitlines()[-1:]}")
        elif status != 0 or len(left) != 1:     # it finished before the signal: one complete backup
            result.problems.append(f"attempt {attempt + 1}: exit {status}, left {left}")
        if "Traceback" in stderr:
            result.problems.append(f"attempt {attempt + 1}: a traceback on stderr")
    result.problems += store_problems(target)
    result.problems += _restores_equal(target, workdir / "backup-sigterm-final", workdir)
    result.figures = {"attempts": attempts, "stopped": stopped}
    if not stopped:
        result.problems.append("no SIGTERM landed while the backup ran")
    return result


def _terminate_at_progress(store: Path, out: Path, line_number: int) -> tuple[int, str]:
    """Run a backup, SIGTERM it when it prints its ``line_number``-th progress line; return (exit, stderr)."""
    process = subprocess.Popen([sys.executable, "cli.py", "backup", "--db", str(store), "--out", str(out)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines, seen = [], 0
    for line in process.stderr:
        lines.append(line)
        if line.startswith("backup: "):
            seen += 1
            if seen == line_number:
                process.send_signal(signal.SIGTERM)
    return process.wait(), "".join(lines)


def _restores_equal(store: Path, out: Path, workdir: Path) -> list[str]:
    """Back up ``store`` (not running), restore it elsewhere; return problems when the checksums differ."""
    shutil.rmtree(out, ignore_errors=True)
    done = cli("backup", "--db", str(store), "--out", str(out))
    if done.returncode != 0:
        return [f"a backup after the drill failed: {done.stderr[-300:]}"]
    restored = workdir / "restored.duckdb"
    restored.unlink(missing_ok=True)
    done = cli("restore", str(next(out.iterdir())), "--db", str(restored))
    if done.returncode != 0:
        return [f"the restore failed: {done.stderr[-300:]}"]
    return [] if _checksum(store) == _checksum(restored) else ["the restored store differs from the original"]


def _checksum(path: Path) -> str:
    return cli("checksum", "--db", str(path)).stdout


# --- a backup during an ingest burst ------------------------------------------------------------

def drill_backup_during_burst(city: Path, workdir: Path) -> DrillResult:
    """Ingest batches through the API without pause, take ``cli.py backup`` through the server in
    the middle, restore it; it must equal the final store with the batches after its instant taken out."""
    result = DrillResult("backup during ingest burst")
    target = fresh_copy(city, workdir, "backup-burst")
    ingest_token, backup_token = _tokens(target)
    log = workdir / "backup-burst.log"
    log.write_text("")
    process, url = serve(target, log)
    burst = _Burst(url, ingest_token)
    out = workdir / "backup-burst-out"
    shutil.rmtree(out, ignore_errors=True)
    try:
        burst.start()
        burst.wait_for(BURST_BEFORE)
        during = cli("backup", "--db", str(target), "--server", url, "--token", backup_token, "--out", str(out))
        after_backup = burst.count()
        burst.wait_for(after_backup + BURST_AFTER)
    finally:
        burst.stop()
        process.terminate()
        process.wait(timeout=60)
    if during.returncode != 0:
        result.problems.append(f"the backup failed: {during.stderr[-500:]}")
        return result
    result.problems += burst.errors
    result.problems += _compare_at_instant(target, next(out.iterdir()), workdir, result)
    return result


def _tokens(store: Path) -> tuple[str, str]:
    con = db.open_store(store)
    try:
        return tokens.create_token(con, "burst")[1], tokens.create_token(con, "drill", scope="backup")[1]
    finally:
        con.close()


class _Burst:
    """Posts batches of new cases to the ingest API, one after another, in a thread."""

    def __init__(self, url: str, token: str):
        self.url, self.token = url, token
        self.accepted: list[int] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(120)

    def count(self) -> int:
        return len(self.accepted)

    def wait_for(self, batches: int, timeout_s: float = 300) -> None:
        deadline = time.time() + timeout_s
        while self.count() < batches and time.time() < deadline and not self.errors:
            time.sleep(0.05)

    def _run(self) -> None:
        number = 0
        while not self._stop.is_set():
            rows = [{"source": "city_app", "event_id": f"BURST-{number:04d}-{i:04d}", "category": "hotline.noise",
                     "received_at": "2026-11-20T09:00:00+08:00", "lon": 119.45, "lat": 32.2}
                    for i in range(BURST_ROWS)]
            body = "\n".join(json.dumps(row) for row in rows).encode()
            try:
                answer = client.post(self.url, "events", body, self.token)
                self.accepted.append(int(answer["summary"]["batch_id"]))
            except (client.ApiError, KeyError, TypeError) as exc:
                self.errors.append(f"ingest batch {number}: {exc}")
                return
            number += 1


def _compare_at_instant(original: Path, folder: Path, workdir: Path, result: DrillResult) -> list[str]:
    """Restore the backup; rebuild the original at the backup's instant (the final store without the
    batches the backup does not hold); return problems when their checksums differ."""
    restored = workdir / "backup-burst-restored.duckdb"
    restored.unlink(missing_ok=True)
    backup.restore_backup(folder, restored)
    held = _batches(restored)
    everything = _batches(original)
    later = sorted(everything - held)
    result.figures = {"batches_in_backup": len(held), "batches_after_it": len(later)}
    problems = [] if held < everything and later else ["the backup did not fall inside the burst"]
    at_instant = workdir / "backup-burst-at-instant.duckdb"
    for source, copy in ((original, at_instant), (_wal(original), _wal(at_instant))):
        copy.unlink(missing_ok=True)
        if source.exists():         # the server was stopped: its last commits may sit in the WAL
            shutil.copy(source, copy)
    con = db.open_store(at_instant)
    for table in ("events", "event_versions", "quarantine", "ingest_batches"):
        con.execute(f"DELETE FROM {table} WHERE list_contains(?, batch_id)", [later])
    con.close()
    if _checksum(at_instant) != _checksum(restored):
        problems.append("the restored backup differs from the original at the backup's instant")
    if json.loads((folder / backup.MANIFEST_FILE).read_text())["checksums"] != _checksum_table(restored):
        problems.append("the manifest's checksums differ from the restored store")
    return problems + store_problems(restored)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _batches(path: Path) -> set[int]:
    con = db.open_store(path, read_only=True)
    try:
        return {row[0] for row in con.execute("SELECT batch_id FROM ingest_batches WHERE status = 'committed'").fetchall()}
    finally:
        con.close()


def _checksum_table(path: Path) -> dict:
    return {table: [int(rows), int(digest)] for table, rows, digest in
            (line.split("\t") for line in _checksum(path).splitlines())}
