"""The wall screen's data kept in memory between ticks and between walls (several screens, scenes).

What the screen shows depends only on the store's content and the instant. The content's
"version" is read with one cheap probe (row counts and the newest instants of the tables the
screen reads or whose writers change it: events, readings, indicator runs, alert history and
audit; each a metadata count or a max over one column, about a millisecond in all at 9M
readings). A snapshot is keyed by (version, minute): while neither changes, every read and every
rendered panel is served from memory; a new event, reading, indicator run or alert transition
changes the version and the next tick reads the store again. Within one minute an unchanged
version serves what was read at the minute's first tick (the "as of" label shows minutes).

Only the newest key's values are kept (memory is bounded by one snapshot); a lock makes
concurrent walls compute each value once.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

import duckdb

VERSION_SQL = """
    SELECT 'events' AS name, count(*) AS n, epoch(max(updated_at)) AS newest FROM events
    UNION ALL SELECT 'readings', count(*), epoch(max(ts)) FROM readings
    UNION ALL SELECT 'indicator_runs', count(*), epoch(max(started_at)) FROM indicator_runs
    UNION ALL SELECT 'alert_history', count(*), epoch(max(occurred_at)) FROM alert_history
    UNION ALL SELECT 'alert_audit', count(*), epoch(max(occurred_at)) FROM alert_audit"""


def data_version(con: duckdb.DuckDBPyConnection) -> tuple:
    """Return a fingerprint of the store's content that changes when anything the screen reads is written."""
    return tuple(sorted(con.execute(VERSION_SQL).fetchall()))


class ScreenCache:
    """Values of the newest (data version, minute), computed once each."""

    def __init__(self, probe: Callable[[duckdb.DuckDBPyConnection], tuple] = data_version):
        self._probe = probe
        self._lock = threading.RLock()
        self._key: tuple | None = None
        self._values: dict[Any, Any] = {}
        self.computed = 0                    # values computed so far (tests count them)

    def snapshot(self, con: duckdb.DuckDBPyConnection, now_s: int) -> "Snapshot":
        """Return the snapshot for the store's current version and the instant's minute."""
        key = (self._probe(con), int(now_s) // 60)
        with self._lock:
            if key != self._key:
                self._key, self._values = key, {}          # keep only the newest version
        return Snapshot(self, key)

    def get(self, key: tuple, name: Any, compute: Callable[[], Any]) -> Any:
        """Return the named value of the snapshot ``key``, computing it once."""
        with self._lock:                     # one computation at a time: concurrent walls compute once
            if key != self._key:             # a newer version arrived meanwhile: compute, do not keep
                return compute()
            if name not in self._values:
                self._values[name] = compute()
                self.computed += 1
            return self._values[name]


class Snapshot:
    """One (version, minute) of the cache: ``get(name, compute)`` reads a value once."""

    def __init__(self, cache: ScreenCache, key: tuple):
        self._cache, self.key = cache, key

    def get(self, name: Any, compute: Callable[[], Any]) -> Any:
        """Return the named value, computed by ``compute()`` the first time in this snapshot."""
        return self._cache.get(self.key, name, compute)
