"""Today's headline instants kept between the wall's reads: after a write, only what it may have changed.

The wall's headline figures count today's instants (queries/screen.py ``figure_instants``); a feed
posts several cases a second, and each post made the next tick read every instant of the day again.
A writer records with its write the earliest instant it may have altered (data/versions.py: new
cases carry their own instants, an ingest batch the earliest of its rows and of the rows they
replace). A read keeps the day's instants up to a quarter of an hour before its end; when no
write since reached back before that, they are unchanged, and only the instants after it are
read again and appended. Any other write (an older correction, a writer that names no instant)
and a new day read the day again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import duckdb
import numpy as np

from data import versions
from queries.reads import reads
from queries.screen import FigureInstants, figure_instants


# Feeds deliver cases seconds to minutes after their instants: a read keeps what lies before its end
# less this margin and reads the margin again next time, so a case arriving that late still adds to
# what was read instead of sending the next read back to midnight.
SETTLED_US = 15 * 60 * 1_000_000


@dataclass(frozen=True)
class _Kept:
    instants: FigureInstants
    settled_us: int                 # the instants before this are kept; those after it are read again
    writes_before_settled: int      # events writes that may have altered an instant before settled_us


class TodayInstants:
    """The instants of one day so far, read again in full only when a write reached back into what was kept."""

    def __init__(self):
        self._lock = threading.Lock()
        self._kept: _Kept | None = None
        self.full_reads = 0                 # reads of the whole day so far (tests count them)

    @reads("events")
    def read(self, con: duckdb.DuckDBPyConnection, first_us: int, last_us: int) -> FigureInstants:
        """Return the headline figures' instants within [first_us, last_us], reading only the instants
        after the kept ones when no write since altered an instant before them."""
        with self._lock:
            kept = self._kept
        settled_us = max(first_us, last_us - SETTLED_US)
        # Probed before the check and the read: a write after the probe makes the next read a full one.
        writes = _writes_before(con, settled_us)
        if (kept is not None and kept.instants.first_us == first_us and kept.settled_us <= settled_us
                and kept.instants.last_us <= last_us and _writes_before(con, kept.settled_us) == kept.writes_before_settled):
            instants = _appended(kept.instants, figure_instants(con, kept.settled_us, last_us))
        else:
            instants = figure_instants(con, first_us, last_us)
            with self._lock:
                self.full_reads += 1
        with self._lock:
            if self._kept is None or self._kept.instants.last_us <= last_us:
                self._kept = _Kept(instants, settled_us, writes)
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
