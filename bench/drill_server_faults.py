"""Fault drills against the running server (run by bench/drill_faults.py, tested in tests/test_fault_drills.py):

- SIGTERM during a refresh: the start-up snapshots and a live tick are stopped mid-way; the server
  exits 0 with its "stopped on SIGTERM" line, no traceback, and every invariant holds.
- SIGTERM during an API ingest: the batch is stored whole or not at all.
- A full disk during an API ingest and during a refresh: the store lives on a small tmpfs filled to
  the last byte; the ingest answers 507 with one sentence and keeps nothing, the refresh logs one line;
  the server keeps answering, and once there is room again the same batch goes in whole and the
  refreshes resume. Mounting a tmpfs needs root; without it the drill reports that it could not run.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

from bench.drill_faults import DrillResult, fresh_copy, serve, store_problems, wait_for_log
from data import db
from data.ingest import tokens

STOPPED_LINE = "stopped on SIGTERM"
NO_BACKFILL = ("--backfill-hours", "0")     # the drills on ingest need no start-up snapshots


def ingest_token(path: Path) -> str:
    """Create an ingest token in the store at ``path`` (the server not running); return its secret."""
    con = db.open_store(path)
    try:
        return tokens.create_token(con, "drill")[1]
    finally:
        con.close()


def events_body(rows: int, prefix: str) -> bytes:
    """Return an NDJSON body of ``rows`` new cases (ids PREFIX-0000000…) in the tiny city, API format."""
    rng = np.random.default_rng(11)
    received = pd.Timestamp("2026-11-01T00:00:00Z") + pd.to_timedelta(rng.integers(0, 14 * 86400, rows), unit="s")
    frame = pd.DataFrame({"source": "grid_report", "event_id": [f"{prefix}-{i:07d}" for i in range(rows)],
                          "category": "hotline.noise", "received_at": received.strftime("%Y-%m-%dT%H:%M:%SZ"),
                          "lon": rng.uniform(119.40, 119.50, rows), "lat": rng.uniform(32.15, 32.25, rows)})
    return frame.to_json(orient="records", lines=True).encode()


def post(url: str, token: str, body: bytes, timeout_s: float = 300) -> tuple[int | None, str]:
    """POST an ingest body; return (status, text), status None when the connection was cut."""
    req = urllib.request.Request(f"{url}/api/v1/events", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"})
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()
    except OSError as cut:
        return None, str(cut)


def status_of(url: str) -> int | None:
    """Return the HTTP status of a GET (None when nothing answers)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code
    except OSError:
        return None


def terminate(process: subprocess.Popen, timeout_s: float = 180) -> tuple[int | None, float]:
    """Send SIGTERM; return (exit status, seconds to exit), status None when it did not exit in time."""
    started = time.perf_counter()
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout_s), round(time.perf_counter() - started, 1)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None, timeout_s


def check_clean_stop(result: DrillResult, status: int | None, log: Path, offset: int) -> None:
    """Record a problem unless the server exited 0 with its stop line and no traceback after ``offset``."""
    text = log.read_text(encoding="utf-8", errors="replace")[offset:]
    if status != 0:
        result.problems.append(f"the server exited with {status} on SIGTERM")
    if STOPPED_LINE not in text:
        result.problems.append("no 'stopped on SIGTERM' line in the log")
    if "Traceback" in text:
        result.problems.append("a traceback in the log: " + text[text.index("Traceback"):][:400])


def count_rows(path: Path, prefix: str) -> tuple[int, int]:
    """Return (cases with ids PREFIX-…, batches still 'running') of the stopped server's store."""
    con = db.open_store(path, read_only=True)
    try:
        rows = con.execute("SELECT count(*) FROM events WHERE event_id LIKE ?", [f"{prefix}-%"]).fetchone()[0]
        running = con.execute("SELECT count(*) FROM ingest_batches WHERE status = 'running'").fetchone()[0]
        return rows, running
    finally:
        con.close()


def drill_sigterm_refresh(city: Path, workdir: Path) -> DrillResult:
    """SIGTERM during the start-up snapshots, then during a live tick; each stop is clean, nothing partial."""
    result = DrillResult("SIGTERM during refresh")
    target = fresh_copy(city, workdir, "sigterm-refresh")
    log = workdir / "sigterm-refresh.log"
    log.write_text("")
    stops = []
    for wait_for_tick in (False, True):
        offset = log.stat().st_size
        process, _ = serve(target, log)
        if wait_for_tick:               # a tick every second: SIGTERM lands in one, or between two
            wait_for_log(log, offset, "indicators refreshed", timeout_s=240)
            time.sleep(0.4)
        else:                           # the 6 hours of start-up snapshots are still being taken
            time.sleep(1.0)
        status, seconds = terminate(process)
        stops.append(seconds)
        check_clean_stop(result, status, log, offset)
        result.problems += store_problems(target)
    result.figures = {"stops": len(stops), "seconds_to_exit": stops}
    return result


def drill_sigterm_ingest(city: Path, workdir: Path, rows: int = 60_000) -> DrillResult:
    """SIGTERM while an API ingest of ``rows`` cases runs (at half the time an undisturbed one takes):
    the batch is kept whole or not at all."""
    result = DrillResult("SIGTERM during API ingest")
    target = fresh_copy(city, workdir, "sigterm-ingest")
    token = ingest_token(target)
    log = workdir / "sigterm-ingest.log"
    log.write_text("")
    reference_body, body = events_body(rows, "REFERENCE"), events_body(rows, "TERM")
    process, url = serve(target, log, *NO_BACKFILL)
    started = time.perf_counter()
    reference, _ = post(url, token, reference_body)
    ingest_s = time.perf_counter() - started
    if reference != 200:
        terminate(process)
        return DrillResult(result.name, problems=[f"the reference ingest answered {reference}"])
    answer: list = []
    sender = threading.Thread(target=lambda: answer.append(post(url, token, body)))
    sender.start()
    time.sleep(ingest_s / 2)
    status, seconds = terminate(process)
    sender.join(60)
    check_clean_stop(result, status, log, 0)
    stored, running = count_rows(target, "TERM")
    if stored not in (0, rows):
        result.problems.append(f"{stored:,} of the batch's {rows:,} rows were kept")
    if running:
        result.problems.append(f"{running} batch(es) left 'running'")
    result.problems += store_problems(target)
    result.figures = {"rows": rows, "ingest_s": round(ingest_s, 1), "kept": stored,
                      "answer": answer[0][0] if answer else None, "seconds_to_exit": seconds}
    return result


class SmallDisk:
    """A tmpfs of ``size_mb`` mounted at ``path`` for the length of a with-block (root only)."""

    def __init__(self, path: Path, size_mb: int):
        self.path, self.size_mb = path, size_mb

    def __enter__(self) -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.size_mb}m", "tmpfs", str(self.path)], check=True,
                       capture_output=True)
        return self.path

    def __exit__(self, *exc) -> None:
        subprocess.run(["umount", "-l", str(self.path)], check=False, capture_output=True)

    def fill(self) -> Path:
        """Fill the disk to the last byte with a file; return it."""
        filler = self.path / "filler"
        with filler.open("wb", buffering=0) as handle:
            try:
                while True:
                    handle.write(b"\0" * (1 << 20))
            except OSError:
                pass
            try:
                while True:
                    handle.write(b"\0" * 4096)
            except OSError:
                pass
        return filler


def can_mount() -> bool:
    """True when this process may mount a tmpfs (root)."""
    return os.geteuid() == 0 and shutil.which("mount") is not None


def fill_and_free(disk: SmallDisk, url: str, token: str, log: Path, rows: int) -> tuple:
    """Fill the server's disk, ingest and wait for a refresh to fail, free it, ingest again and wait for
    a refresh; return what was seen at each step."""
    wait_for_log(log, 0, "indicators refreshed", timeout_s=240)
    filler = disk.fill()
    offset = log.stat().st_size
    full_status, full_text = post(url, token, events_body(rows, "FULL"))
    refresh_failed = wait_for_log(log, offset, "indicator-refresh: the store could not be written", timeout_s=60)
    alive = status_of(f"{url}/healthz")
    filler.unlink()
    offset_free = log.stat().st_size
    again_status, again_text = post(url, token, events_body(rows, "FULL"))
    resumed = wait_for_log(log, offset_free, "indicators refreshed", timeout_s=120)
    return full_status, full_text, refresh_failed, alive, again_status, again_text, resumed


def drill_disk_full_server(city: Path, workdir: Path, rows: int = 20_000) -> DrillResult:
    """The store's disk fills while the server runs: a clean 507 for the ingest, one log line per failed
    refresh, the server keeps answering; with room again the batch goes in whole and refreshes resume."""
    result = DrillResult("disk full in the server")
    if not can_mount():
        return DrillResult(result.name, problems=["needs root to mount a small tmpfs"])
    log = workdir / "disk-full-server.log"
    log.write_text("")
    disk = SmallDisk(workdir / "small-disk", size_mb=city.stat().st_size // 2**20 + 48)
    with disk as mount:
        target = mount / "city.duckdb"
        shutil.copy(city, target)
        token = ingest_token(target)
        process, url = serve(target, log, *NO_BACKFILL)
        try:
            found = fill_and_free(disk, url, token, log, rows)
        finally:
            status, _ = terminate(process)
        stored, running = count_rows(target, "FULL")
        result.problems += store_problems(target)
    full_status, full_text, refresh_failed, alive, again_status, again_text, resumed = found
    if full_status != 507 or "disk is full" not in full_text:
        result.problems.append(f"the ingest on a full disk answered {full_status}: {full_text[:300]!r}")
    if not refresh_failed:
        result.problems.append("no one-line log of the refresh failing on the full disk")
    if alive != 200:
        result.problems.append(f"/healthz answered {alive} while the disk was full")
    if again_status != 200 or json.loads(again_text)["summary"]["accepted"] != rows:
        result.problems.append(f"with room again the ingest answered {again_status}: {again_text[:300]!r}")
    if not resumed:
        result.problems.append("the refreshes did not resume with room again")
    if stored != rows or running:
        result.problems.append(f"{stored:,} rows stored (expected {rows:,} once), {running} batch(es) left running")
    if status != 0 or "Traceback" in log.read_text(encoding="utf-8", errors="replace"):
        result.problems.append(f"the server exited with {status} or logged a traceback")
    result.figures = {"rows": rows, "full_answer": full_status, "refresh_failure_logged": refresh_failed,
                      "healthz_while_full": alive, "answer_after": again_status, "stored": stored}
    return result
