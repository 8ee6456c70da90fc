"""Background jobs of the server process: a step run on wall-clock boundaries in a daemon thread.

A job with an interval of 60 s steps at 15:37:00, 15:38:00 … (multiples of the interval since the
epoch), not 60 s after its previous step ended: waiting a fixed time after each step let the minute
tick drift by the step's duration and skip minutes. A step that overruns its boundary is not run
twice to catch up: the boundaries it covered are skipped and the log says which.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Callable

import duckdb

from data import db
from data.clock import utc

log = logging.getLogger(__name__)
INTERRUPT_EVERY_S = 0.2


class PeriodicJob:
    """Runs ``step()`` once at start, then on every multiple of ``interval_s`` until stopped; a failing
    step is logged and retried on the next boundary, never fatal to the server.

    ``clock`` (epoch seconds) and ``wait`` (sleep up to a number of seconds; True when stopped early)
    are the wall clock and the stop event unless a test gives a fake clock."""

    def __init__(self, name: str, step: Callable[[], object], interval_s: float,
                 clock: Callable[[], float] = time.time, wait: Callable[[float], bool] | None = None):
        if not interval_s > 0:
            raise ValueError(f"{name}: the interval must be more than 0 s, not {interval_s}")
        self.name = name
        self._step = step
        self._interval_s = interval_s
        self._clock = clock
        self._stop = threading.Event()
        self._wait = wait or self._stop.wait
        self._thread: threading.Thread | None = None
        self.skipped = 0              # boundaries skipped because a step overran them

    @property
    def stopping(self) -> bool:
        """True once stop() was asked: a long step may end early at a safe point."""
        return self._stop.is_set()

    def next_boundary(self, after_s: float) -> float:
        """Return the first multiple of the interval strictly after ``after_s``."""
        return (math.floor(after_s / self._interval_s) + 1) * self._interval_s

    def start(self) -> None:
        """Start stepping in a daemon thread."""
        self._thread = threading.Thread(target=self.run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0, interrupt: Callable[[], object] | None = None) -> bool:
        """Ask the thread to stop and wait up to ``timeout`` for its running step; then ``interrupt()``
        (a DuckDB cursor's, say: the step's transaction rolls back) and wait again. Return whether
        the thread ended."""
        self._stop.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        if self._thread.is_alive() and interrupt is not None:
            log.warning("%s: the running step did not end within %.0f s; interrupting it", self.name, timeout)
            deadline = time.monotonic() + timeout
            while self._thread.is_alive() and time.monotonic() < deadline:
                interrupt()                  # again and again: an interrupt ends only the query running now
                self._thread.join(INTERRUPT_EVERY_S)
        return not self._thread.is_alive()

    def run(self) -> None:
        """Step now, then on every boundary until stopped (in the calling thread)."""
        while not self._stop.is_set():
            started = self._clock()
            try:
                self._step()
            except Exception as exc:
                if self.stopping and isinstance(exc, duckdb.InterruptException):
                    log.info("%s: the running step was interrupted at stop; its transaction rolled back", self.name)
                elif db.is_write_failure(exc):       # expected, and explained in one line: no traceback
                    log.error("%s: the store could not be written (%s); nothing of this step was kept; retrying at "
                              "the next boundary", self.name, str(exc).splitlines()[0])
                else:
                    log.exception("%s failed; retrying at the next boundary", self.name)
            finished = self._clock()
            self._note_overrun(started, finished)
            if not self._sleep_until(self.next_boundary(finished)):
                return

    def _note_overrun(self, started: float, finished: float) -> None:
        first = self.next_boundary(started)
        if finished < first:
            return
        missed = int((finished - first) // self._interval_s) + 1
        self.skipped += missed
        log.warning("%s: a step took %.1f s, past %d boundar%s (%s to %s): skipped", self.name, finished - started,
                    missed, "y" if missed == 1 else "ies", utc(int(first)).isoformat(),
                    utc(int(first + (missed - 1) * self._interval_s)).isoformat())

    def _sleep_until(self, target_s: float) -> bool:
        """Sleep until the clock reads ``target_s`` (a wake-up a little early sleeps again); False
        when stopped meanwhile."""
        while True:
            remaining = target_s - self._clock()
            if remaining <= 0:
                return not self._stop.is_set()
            if self._wait(remaining) or self._stop.is_set():
                return False
