"""kill -9 while sending: every queued message reaches the loopback receiver after a restart, and the
only one sent twice is the one in flight at the kill, under the same idempotency key (so a receiver
that keeps keys takes every message exactly once)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from data import db, outbox
from tests.data.outbox_receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]
MESSAGES, KILL_AT = 12, 5


def start_sender(path: Path, url: str) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-m", "tests.data.outbox_child", str(path), url], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert child.stdout.readline().strip() == "started"
    return child


def all_sent(path: Path) -> bool:
    con = db.open_store(path, read_only=True)
    try:
        return con.execute("SELECT count(*) FILTER (WHERE status <> 'sent') FROM outbox").fetchone()[0] == 0
    finally:
        con.close()


def test_kill_9_during_sending_then_restart(tmp_path):
    path = tmp_path / "outbox.duckdb"
    con = db.open_store(path)
    with db.transaction(con):
        ids = [outbox.queue_message(con, topic="alert.fired_red", receiver="hook", body={"n": n})
               for n in range(MESSAGES)]
    con.close()
    receiver = Receiver(hang_on=KILL_AT)
    try:
        child = start_sender(path, receiver.url)
        assert receiver.arrived.wait(30), "the sender never reached the message to kill on"
        os.kill(child.pid, signal.SIGKILL)          # the KILL_AT-th request is in flight, unanswered
        child.wait(10)
        receiver.release.set()
        con = db.open_store(path)
        in_flight = con.execute("SELECT message_id FROM outbox WHERE status = 'sending'").fetchall()
        sent_before = {r[0] for r in con.execute("SELECT message_id FROM outbox WHERE status = 'sent'").fetchall()}
        con.close()
        assert in_flight == [(ids[KILL_AT - 1],)] and len(sent_before) == KILL_AT - 1
        child = start_sender(path, receiver.url)
        assert child.stdout.readline().strip() == "drained"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        receiver.close()
    keys = receiver.keys()
    assert set(keys) == {f"outbox-{i}" for i in ids}                      # every message arrived
    assert {k for k, n in keys.items() if n > 1} == {f"outbox-{ids[KILL_AT - 1]}"}   # only the one in flight twice
    assert all_sent(path)
