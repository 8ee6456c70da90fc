"""One owner, several workers: how the server uses more than one core (``app.py --workers N``).

A Python process runs Python on one core at a time, and the server's requests hold its interpreter
lock for much of their time (the pages' figures, tables and JSON): one process used at most 1.4 of the
2 cores under 30 analysts, with two workers 1.8 (docs/PERFORMANCE.md, "One owner, several workers").
With ``--workers N`` the process started by ``app.py`` owns the
store and runs the background jobs (refresh, alerts, briefs, outbox, backups), as before, and serves
the store to N worker processes (data/store_service.py); the workers answer every HTTP request and
share one socket, which the owner binds and hands them, so the kernel gives each new connection to
whichever worker accepts it first. The store keeps its one writer.

- **Start.** The owner binds the address (the first worker ready listens on it), then starts the
  workers (``app.py … --serve-worker``) with the socket's descriptor, the store link's path and the
  first-admin setup code in their environment.
- **A worker dies.** The owner starts another in its place (at most one per RESTART_PAUSE_S).
- **The owner dies** (kill -9). Each worker holds a link to the owner and ends itself when that
  link closes: nothing is left holding the port.
- **SIGTERM.** The owner passes it to the workers, which stop accepting and answer their running
  requests (their SQL still reaches the store); then the owner closes the link, stops its jobs after
  their running step and checkpoints the store (api/serving.py).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("city_vitals")
WORKER_FLAG = "--serve-worker"
# what the owner hands a worker in its environment (not settings: nobody else sets them)
STORE_SOCKET_ENV = "CITY_STORE_SOCKET"
LISTEN_FD_ENV = "CITY_LISTEN_FD"
SETUP_CODE_ENV = "CITY_SETUP_CODE"
WORKER_INDEX_ENV = "CITY_WORKER_INDEX"
RESTART_PAUSE_S = 5.0


def bound_socket(host: str, port: int) -> socket.socket:
    """Bind ``host:port`` for the workers to share (inheritable, so a worker process gets it). It is not
    listening yet: the first worker ready to answer starts listening (waitress does), so a client is
    refused, not kept waiting, while the workers start."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


class Workers:
    """The worker processes of one owner: started, restarted when one dies, stopped at SIGTERM."""

    def __init__(self, count: int, listener: socket.socket, store_path: Path, setup_code: str | None,
                 command: list[str]):
        self._count, self._listener, self._command = count, listener, command
        self._env = {**os.environ, LISTEN_FD_ENV: str(listener.fileno()), STORE_SOCKET_ENV: str(store_path)}
        if setup_code:
            self._env[SETUP_CODE_ENV] = setup_code
        self._processes: list[subprocess.Popen | None] = [None] * count
        self._stopping = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="worker-watch", daemon=True)

    def start(self) -> "Workers":
        for index in range(self._count):
            self._spawn(index)
        self._watcher.start()
        return self

    def _spawn(self, index: int) -> None:
        env = {**self._env, WORKER_INDEX_ENV: str(index + 1)}
        self._processes[index] = subprocess.Popen(self._command, env=env, pass_fds=(self._listener.fileno(),))
        log.info("worker %d started (pid %d)", index + 1, self._processes[index].pid)

    def _watch(self) -> None:
        while not self._stopping.wait(RESTART_PAUSE_S):
            for index, process in enumerate(self._processes):
                if process is not None and process.poll() is not None and not self._stopping.is_set():
                    log.error("worker %d (pid %d) ended with status %s: starting another", index + 1, process.pid,
                              process.returncode)
                    self._spawn(index)

    def stop(self, grace_s: float) -> int:
        """Pass SIGTERM to every worker and wait up to ``grace_s`` for them to answer their running
        requests and end; kill the ones still running then and return how many that was."""
        self._stopping.set()
        running = [p for p in self._processes if p is not None and p.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline, killed = time.monotonic() + grace_s, 0
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                killed += 1
        self._listener.close()
        return killed


def worker_command(script: Path, argv: list[str]) -> list[str]:
    """Return the command that starts one worker of ``script`` (app.py) with the owner's own options."""
    return [sys.executable, str(Path(script).resolve()), *argv, WORKER_FLAG]


@dataclass(frozen=True)
class Handover:
    """What the owner handed this worker process."""

    store_path: str             # the store link's socket (data/store_service.py)
    listen_fd: int              # the bound socket to answer on
    setup_code: str | None      # the first-admin code the owner printed, while no admin exists
    index: str                  # which worker this is, for its log lines


def handover() -> Handover | None:
    """Return what the owner handed this process, or None when no owner started it."""
    if STORE_SOCKET_ENV not in os.environ:
        return None
    return Handover(os.environ[STORE_SOCKET_ENV], int(os.environ[LISTEN_FD_ENV]), os.environ.get(SETUP_CODE_ENV),
                    os.environ.get(WORKER_INDEX_ENV, "?"))


def inherited_listener(handed: Handover) -> socket.socket:
    """Return the socket the owner handed this worker."""
    return socket.socket(fileno=handed.listen_fd)


def end_with_owner(handed: Handover) -> None:
    """Hold a link to the owner and end this worker the moment it closes (the owner died or stopped)."""
    link = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    link.connect(handed.store_path)

    def wait_for_the_end() -> None:
        try:
            while link.recv(4096):
                pass
        except OSError:
            pass
        log.info("the store's owner has gone: worker %s ends", handed.index)
        logging.shutdown()
        os._exit(0)

    threading.Thread(target=wait_for_the_end, name="owner-watch", daemon=True).start()
