"""Background jobs of the server process: a step run every few seconds in a daemon thread."""

from __future__ import annotations

import logging
import threading
from typing import Callable

log = logging.getLogger(__name__)


class PeriodicJob:
    """Runs ``step()`` every ``interval_s`` seconds until stopped; a failing step is logged and
    retried on the next tick, never fatal to the server."""

    def __init__(self, name: str, step: Callable[[], object], interval_s: float):
        self.name = name
        self._step = step
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start ticking in a daemon thread."""
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to stop and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._step()
            except Exception:
                log.exception("%s failed; retrying next tick", self.name)
            self._stop.wait(self._interval_s)
