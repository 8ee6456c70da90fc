"""The server as one owner and worker processes (api/processes.py), started as the README starts it:
requests are answered by the workers, a dead worker is replaced, SIGTERM stops everything cleanly,
and a killed owner leaves no worker behind holding the port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from access import accounts
from bench.drill_server_faults import status_of
from data import db

PASSWORD = "Worker-test-2026"
LOCKED_TEXT = "账户已暂时锁定"           # layouts/login.py "login.locked", the default language

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _workers(owner_pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == owner_pid and b"--serve-worker" in command:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def _wait(condition, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def server(tiny_db_copy, tmp_path):
    """Start app.py with two workers on a copy of the tiny city with one analyst; yield (process, url, log path)."""
    con = db.open_store(tiny_db_copy)
    accounts.add_user(con, "parallel", "analyst", PASSWORD)
    con.close()
    port, log = _free_port(), tmp_path / "server.log"
    process = subprocess.Popen([sys.executable, "app.py", "--db", str(tiny_db_copy), "--port", str(port),
                                "--no-simulator", "--refresh-seconds", "3600", "--workers", "2"],
                               cwd=ROOT, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    if not _wait(lambda: status_of(f"{url}/healthz") == 200 or process.poll() is not None, 300):
        process.kill()
        pytest.fail("the server did not answer within 300 s:\n" + log.read_text()[-3000:])
    assert process.poll() is None, log.read_text()[-3000:]
    yield process, url, log
    if process.poll() is None:
        process.kill()
        process.wait()


def test_a_dead_worker_is_replaced_and_sigterm_stops_all_cleanly(server):
    process, url, log = server
    assert _wait(lambda: len(_workers(process.pid)) == 2, 30)
    assert status_of(f"{url}/login") == 200
    victim = min(_workers(process.pid))
    os.kill(victim, signal.SIGKILL)
    assert _wait(lambda: len(_workers(process.pid) - {victim}) == 2 and status_of(f"{url}/login") == 200, 60), \
        log.read_text()[-3000:]
    assert "ended with status -9: starting another" in log.read_text()

    workers = _workers(process.pid)                          # then SIGTERM stops the workers, then the owner
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=120) == 0
    text = log.read_text()
    assert "stopped on SIGTERM: requests answered, background jobs ended, store checkpointed" in text, text[-3000:]
    assert "Traceback" not in text, text[-3000:]
    assert not any(_alive(pid) for pid in workers)


def _sign_in(url: str, password: str) -> str:
    """POST one sign-in on a connection of its own; return the answer's text."""
    request = urllib.request.Request(f"{url}/login", method="POST", headers={"Origin": url},
                                     data=urllib.parse.urlencode({"username": "parallel", "password": password}).encode())
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.read().decode()


def test_parallel_guesses_through_every_worker_cannot_pass_the_lock(server):
    """Guesses sent at once to the server's workers lock the account after five, as in one process (that
    the check runs in the owner for every worker: tests/data/test_store_link.py)."""
    _, url, _ = server
    answers = []
    threads = [threading.Thread(target=lambda i=i: answers.append(_sign_in(url, f"Wrong-guess-{i}")))
               for i in range(8)]                  # fewer than the address throttle's 10
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    locked = sum(LOCKED_TEXT in answer for answer in answers)
    assert len(answers) == 8 and locked == 8 - (accounts.MAX_FAILED_LOGINS - 1), answers
    assert LOCKED_TEXT in _sign_in(url, PASSWORD)


def test_a_killed_owner_leaves_no_worker_holding_the_port(server):
    process, url, log = server
    workers = _workers(process.pid)
    assert workers
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert _wait(lambda: not any(_alive(pid) for pid in workers), 30), log.read_text()[-3000:]
    assert status_of(f"{url}/healthz") is None                 # nothing listens any more
