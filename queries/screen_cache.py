"""The wall screen's data kept in memory between ticks and between walls (several screens, scenes).

What the screen shows depends only on the store's content and the instant. The content's
"version" is read with one cheap probe per tick: per table the screen reads (or whose writers
change what it reads) a row count and a newest instant (events, readings, indicator runs, alert
history and audit; for the small ``alerts`` table a hash of the columns the screen shows), about
2-8 ms in all at 9 M readings. Each read names the tables it depends on and is kept under
(the minute, those tables' versions): while neither changes, a tick is served from memory; a new
event makes the next tick re-read only what depends on events (a new reading, indicator run or
alert transition likewise), so no tick ever shows values older than the store's. Within one
minute an unchanged version serves what was read at the minute's first tick (the "as of" label
shows minutes).

Memory is bounded: a value whose tables or minute changed is dropped when the next version is
probed, so only values of the newest version are kept. A lock makes concurrent walls compute each
value once.

A few values outlive versions: ``lasting`` keeps one value per name under a key the caller
chooses (the headline trends keep the 7 previous days' instants per day and re-read period, since
new data carries today's instants and leaves them unchanged).
"""

from __future__ import annotations

import threading
from typing import Any, Callable

import duckdb

EVENTS = ("events",)
READINGS = ("readings",)
INDICATORS = ("indicator_runs",)
ALERTS = ("alerts", "alert_history", "alert_audit", "indicator_runs")
EVERYTHING = ("events", "readings", "indicator_runs", "alerts", "alert_history", "alert_audit")

VERSION_SQL = """
    SELECT 'events' AS name, count(*) AS n, epoch(max(updated_at)) AS newest FROM events
    UNION ALL SELECT 'readings', count(*), epoch(max(ts)) FROM readings
    UNION ALL SELECT 'indicator_runs', count(*), epoch(max(started_at)) FROM indicator_runs
    UNION ALL SELECT 'alerts', count(*), bit_xor(hash(alert_id, state, severity, value, fired_at, resolved_at,
                                                   acked_at, closed_at, silenced_until, handling_level)) FROM alerts
    UNION ALL SELECT 'alert_history', count(*), epoch(max(occurred_at)) FROM alert_history
    UNION ALL SELECT 'alert_audit', count(*), epoch(max(occurred_at)) FROM alert_audit"""


def data_version(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    """Return per table a fingerprint of its content that changes when it is written."""
    return {name: (n, newest) for name, n, newest in con.execute(VERSION_SQL).fetchall()}


class ScreenCache:
    """Values read for the screen, each kept while its tables' versions and the minute are unchanged."""

    def __init__(self, probe: Callable[[duckdb.DuckDBPyConnection], dict[str, tuple]] = data_version):
        self._probe = probe
        self._lock = threading.RLock()
        self._version: dict[str, tuple] | None = None
        self._minute: int | None = None
        self._values: dict[Any, tuple[tuple, tuple, Any]] = {}     # name → (tables, stamp, value)
        self._lasting: dict[str, tuple[Any, Any]] = {}              # name → (key, value)
        self.computed = 0                    # values computed so far (tests count them)

    def snapshot(self, con: duckdb.DuckDBPyConnection, now_s: int) -> "Snapshot":
        """Return the snapshot for the store's current version and the instant's minute."""
        version, minute = self._probe(con), int(now_s) // 60
        with self._lock:
            if (version, minute) != (self._version, self._minute):
                self._version, self._minute = version, minute
                self._values = {name: entry for name, entry in self._values.items()
                                if entry[1] == self._stamp(entry[0])}       # keep only what is still current
        return Snapshot(self, version, minute)

    def _stamp(self, tables: tuple[str, ...], version: dict | None = None, minute: int | None = None) -> tuple:
        version = self._version if version is None else version
        return (self._minute if minute is None else minute, tuple(version.get(t) for t in tables))

    def get(self, snapshot: "Snapshot", name: Any, tables: tuple[str, ...], compute: Callable[[], Any]) -> Any:
        """Return the named value as of ``snapshot``, computing it when its tables or the minute changed."""
        stamp = self._stamp(tables, snapshot.version, snapshot.minute)
        with self._lock:                     # one computation at a time: concurrent walls compute once
            entry = self._values.get(name)
            if entry is not None and entry[1] == stamp:
                return entry[2]
            value = compute()
            if (snapshot.version, snapshot.minute) == (self._version, self._minute):   # else a newer one is kept
                self._values[name] = (tables, stamp, value)
                self.computed += 1
            return value

    def lasting(self, name: str, key: Any, compute: Callable[[], Any]) -> Any:
        """Return the named value kept under ``key``, computing it (and dropping the old one) when the key changed."""
        with self._lock:
            kept = self._lasting.get(name)
            if kept is None or kept[0] != key:
                kept = (key, compute())
                self._lasting[name] = kept
                self.computed += 1
            return kept[1]


class Snapshot:
    """One probe of the store: ``get(name, compute, tables)`` reads a value at most once per version."""

    def __init__(self, cache: ScreenCache, version: dict[str, tuple], minute: int):
        self._cache, self.version, self.minute = cache, version, minute

    def get(self, name: Any, compute: Callable[[], Any], tables: tuple[str, ...] = EVERYTHING) -> Any:
        """Return the named value, computed by ``compute()`` once while ``tables`` and the minute are unchanged."""
        return self._cache.get(self, name, tables, compute)
