"""Where the server's CPU goes: CPU seconds per thread group and per named section, logged on request.

The server is one process whose request threads, indicator refresh, alert evaluation and brief
building share two cores; the load bench (bench/load_test.py) needs each one's share. Off by
default; with ``$CITY_CPU_LOG_SECONDS`` > 0 a background job logs one line every that many
seconds::

    thread cpu: {"process": 812.4, "threads": {"waitress": 301.2, "indicator-refresh": 95.0, ...},
                 "sections": {"brief-on-request": 40.1, ...}}

Counters are cumulative CPU seconds since the server started; a reader subtracts two lines.
``threads`` groups the live threads by name without their number (``waitress-3`` → ``waitress``);
the process's native threads that are no Python thread (DuckDB's worker pool, which runs part of
every parallel query whoever issued it) are ``native``; ``ended`` is the CPU of threads that have
exited (the process total minus the live threads). ``sections`` are the CPU seconds the calling
thread spent inside :func:`section` blocks (the alert evaluation inside the refresh thread, a brief
built on a user's request), counted in the thread's own CPU clock, so DuckDB's pool is not in them.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from data.background import PeriodicJob

log = logging.getLogger(__name__)
LOG_PREFIX = "thread cpu: "
NATIVE = "native"
ENDED = "ended"
_TICKS = os.sysconf("SC_CLK_TCK")
_NUMBERED = re.compile(r"[-_]?\d+$")           # waitress-3, indicator-ahead_0, Thread-7
_sections: dict[str, float] = {}
_lock = threading.Lock()


def _stat_cpu_s(path: Path) -> float:
    """Return utime + stime (seconds) of a /proc stat file (fields after the command's closing parenthesis)."""
    fields = path.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def group_of(name: str) -> str:
    """Return the thread group of a Python thread's name (its name without a trailing number)."""
    return _NUMBERED.sub("", name) or name


def cpu_by_thread_group(proc: Path = Path("/proc/self")) -> dict:
    """Return {"process": s, "threads": {group: s}} for this process: live Python threads by group,
    other native threads as ``native``, exited threads as ``ended``."""
    python_threads = {t.native_id: group_of(t.name) for t in threading.enumerate() if t.native_id is not None}
    groups: dict[str, float] = {}
    for task in (proc / "task").iterdir():
        try:
            seconds = _stat_cpu_s(task / "stat")
        except (FileNotFoundError, ProcessLookupError):        # the thread ended meanwhile
            continue
        group = python_threads.get(int(task.name), NATIVE)
        groups[group] = groups.get(group, 0.0) + seconds
    total = _stat_cpu_s(proc / "stat")
    groups[ENDED] = max(0.0, total - sum(groups.values()))
    return {"process": round(total, 2), "threads": {k: round(v, 2) for k, v in sorted(groups.items())}}


@contextmanager
def section(name: str):
    """Count the CPU seconds the calling thread spends in the block under ``name``."""
    started = time.thread_time()
    try:
        yield
    finally:
        spent = time.thread_time() - started
        with _lock:
            _sections[name] = _sections.get(name, 0.0) + spent


def sections() -> dict[str, float]:
    """Return the cumulative CPU seconds of every named section so far."""
    with _lock:
        return {k: round(v, 3) for k, v in sorted(_sections.items())}


def snapshot() -> dict:
    """Return the figures of one log line."""
    return {**cpu_by_thread_group(), "sections": sections(), "at": round(time.time(), 1)}


def parse_line(line: str) -> dict | None:
    """Return the figures of a logged line, or None when the line is not one."""
    at = line.find(LOG_PREFIX)
    if at < 0:
        return None
    try:
        return json.loads(line[at + len(LOG_PREFIX):])
    except ValueError:
        return None


def start_cpu_log(every_s: float) -> PeriodicJob | None:
    """Start logging :func:`snapshot` every ``every_s`` seconds (None when 0: off)."""
    if not every_s:
        return None
    job = PeriodicJob("thread-cpu-log", lambda: log.info("%s%s", LOG_PREFIX, json.dumps(snapshot())), every_s)
    job.start()
    return job
