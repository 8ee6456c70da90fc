"""Progress of a long command or start-up step: one line per step with done/total, rate and ETA.

    report: 3/12 (25 %), 0.41/s, ETA 22 s

Commands print the line on stderr (stdout keeps their JSON answer); the server writes it to its log.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO


def progress_line(what: str, done: int, total: int, elapsed_s: float, unit: str = "", detail: str = "") -> str:
    """Return the progress line of ``done`` steps of ``total`` after ``elapsed_s`` seconds (``detail``:
    what the step just done was)."""
    rate = done / elapsed_s if elapsed_s > 0 else 0.0
    share = f" ({100 * done / total:.0f} %)" if total else ""
    eta = f", ETA {_duration((total - done) / rate)}" if rate > 0 and total > done else ""
    finished = f", done in {_duration(elapsed_s)}" if total and done >= total else ""
    return f"{what}: {done:,}/{total:,}{share}, {_rate(rate)}{unit}/s{eta}{finished}" + (f" ({detail})" if detail else "")


def _rate(rate: float) -> str:
    return f"{rate:,.0f}" if rate >= 100 else f"{rate:.2f}"


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def log_step(logger: logging.Logger, what: str, done: int, total: int, started: float, unit: str = "",
             detail: str = "") -> None:
    """Log the progress line at INFO (``started`` is a time.perf_counter() reading)."""
    logger.info("%s", progress_line(what, done, total, time.perf_counter() - started, unit, detail))


class ConsoleProgress:
    """Prints a progress line per step on stderr (or ``stream``); silent when ``enabled`` is false."""

    def __init__(self, what: str, total: int, enabled: bool = True, stream: TextIO | None = None, unit: str = ""):
        self.what, self.total, self.enabled, self.unit = what, total, enabled, unit
        self._stream = stream
        self._started = time.perf_counter()
        self.done = 0

    def step(self, detail: str = "", count: int = 1) -> None:
        """Count ``count`` more steps done and print the line."""
        self.done += count
        if self.enabled:
            line = progress_line(self.what, self.done, self.total, time.perf_counter() - self._started, self.unit,
                                 detail)
            print(line, file=self._stream or sys.stderr, flush=True)
