"""Crash safety (SIGKILL mid-batch leaves nothing; a re-run completes) and the quarantine CLI."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from bench import drill_faults
from data import db

ROOT = Path(__file__).resolve().parents[3]
ROWS = 1_000_000


def big_events_file(path: Path, rows: int = ROWS) -> Path:
    """Write a Parquet file of new cases (BIG-…) in the API's format, spread over the tiny city."""
    return drill_faults.events_file(path, rows, prefix="BIG")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "cli.py", *args], cwd=ROOT, capture_output=True, text=True)


def test_sigkill_mid_batch_leaves_nothing_and_a_rerun_completes(tiny_db_copy, tmp_path):
    path = big_events_file(tmp_path / "big.parquet")
    command = [sys.executable, "cli.py", "ingest", "events", str(path), "--mapping", "api_events", "--db",
               str(tiny_db_copy)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    opened = ""
    while "open:" not in opened:
        opened = process.stderr.readline()
        assert opened or process.poll() is None, "the ingest ended before opening its batch"
    batch_id = int(opened.split()[1])
    time.sleep(1.0)
    assert process.poll() is None, "the batch finished before the kill: make the file larger"
    process.send_signal(signal.SIGKILL)
    process.wait()
    con = db.open_store(tiny_db_copy)
    assert con.execute("SELECT count(*) FROM events WHERE event_id LIKE 'BIG-%'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM ingest_batches WHERE batch_id = ?", [batch_id]).fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM quarantine WHERE batch_id = ?", [batch_id]).fetchone()[0] == 0
    con.close()
    done = subprocess.run(command + ["--quiet"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["rows_read"] == ROWS and summary["accepted"] + summary["quarantined"] == ROWS
    con = db.open_store(tiny_db_copy, read_only=True)
    assert con.execute("SELECT count(*) FROM events WHERE event_id LIKE 'BIG-%'").fetchone()[0] == summary["accepted"]
    con.close()


def test_quarantine_list_show_export(tiny_db_copy, tmp_path):
    rows = pd.DataFrame({"source": "city_app", "event_id": ["Q1", "Q2", ""], "category": "hotline.noise",
                         "received_at": ["2026-11-20T09:00:00+08:00", "bad", "2026-11-20T09:00:00+08:00"],
                         "lon": 119.45, "lat": 32.2})
    path = tmp_path / "q.csv"
    rows.to_csv(path, index=False)
    ingested = cli("ingest", "events", str(path), "--mapping", "api_events", "--db", str(tiny_db_copy), "--quiet")
    assert ingested.returncode == 0, ingested.stderr
    batch = json.loads(ingested.stdout)["batch_id"]
    listed = json.loads(cli("quarantine", "list", "--batch", str(batch), "--db", str(tiny_db_copy)).stdout)
    assert sorted((r["reason"], r["rows"]) for r in listed) == [("bad_time", 1), ("missing_id", 1)]
    shown = json.loads(cli("quarantine", "show", "--batch", str(batch), "--row", "2", "--db", str(tiny_db_copy)).stdout)
    assert shown[0]["raw"]["received_at"] == "bad" and shown[0]["reason"] == "bad_time"
    out = tmp_path / "q_out.csv"
    exported = cli("quarantine", "export", "--output", str(out), "--batch", str(batch), "--db", str(tiny_db_copy))
    assert json.loads(exported.stdout)["exported"] == 2
    assert len(pd.read_csv(out, encoding="utf-8-sig")) == 2
