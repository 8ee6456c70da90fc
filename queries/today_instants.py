"""Today's headline instants kept between the wall's reads: after a write, only what it may have changed.

The wall's headline figures count today's instants (queries/screen.py ``figure_instants``); a feed
posts several cases a second, and each post made the next tick read every instant of the day again.
A writer records with its write the earliest instant it may have altered (data/versions.py: new
cases carry their own instants, an ingest batch the earliest of its rows and of the rows they
replace). So when no write since the last read reached back before the instant that read ended,
the day's instants before it are unchanged, and only the instants since are read and appended.
Any other write (an older correction, a writer that names no instant, a new day) reads the day again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import duckdb
import numpy as np

from data import versions
from queries.reads import reads
from queries.screen import FigureInstants, figure_instants


@dataclass(frozen=True)
class _Kept:
    instants: FigureInstants
    writes_before_end: int          # events writes that may have altered an instant before instants.last_us


class TodayInstants:
    """The instants of one day so far, read again in full only when a write reached back into what was read."""

    def __init__(self):
        self._lock = threading.Lock()
        self._kept: _Kept | None = None
        self.full_reads = 0                 # reads of the whole day so far (tests count them)

    @reads("events")
    def read(self, con: duckdb.DuckDBPyConnection, first_us: int, last_us: int) -> FigureInstants:
        """Return the headline figures' instants within [first_us, last_us], reading only the instants
        after the last read's end when no write since altered an instant before it."""
        with self._lock:
            kept = self._kept
        # Probed before the check and the read: a write after the probe makes the next read a full one.
        writes = _writes_before(con, last_us)
        if kept is not None and kept.instants.first_us == first_us and kept.instants.last_us <= last_us:
            end_us = kept.instants.last_us
            if _writes_before(con, end_us) == kept.writes_before_end:
                return self._keep(_appended(kept.instants, figure_instants(con, end_us, last_us)), writes)
        instants = figure_instants(con, first_us, last_us)
        with self._lock:
            self.full_reads += 1
        return self._keep(instants, writes)

    def _keep(self, instants: FigureInstants, writes_before_end: int) -> FigureInstants:
        with self._lock:
            if self._kept is None or self._kept.instants.last_us <= instants.last_us:
                self._kept = _Kept(instants, writes_before_end)
        return instants


def _writes_before(con: duckdb.DuckDBPyConnection, end_us: int) -> int:
    """Return how many writes of cases may have altered an instant before ``end_us`` (it only grows)."""
    return versions.current(con, before_s=end_us / 1_000_000)["events"]


def _appended(kept: FigureInstants, since: FigureInstants) -> FigureInstants:
    """Return the kept instants before ``since`` began followed by the instants read since."""
    start = since.first_us
    joined = {name: np.concatenate([values[values < start], since.instants[name]])
              for name, values in kept.instants.items()}
    return FigureInstants(kept.first_us, since.last_us, joined)
