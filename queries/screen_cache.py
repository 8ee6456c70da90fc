"""The wall screen's data kept in memory between ticks and between walls (several screens, scenes).

What the screen shows depends only on the store's content and the instant. The content's version
is the store's data version (data/versions.py): one small query per tick returns a number per
family of data (events, readings, geometry, indicators, alerts), bumped by every writer in the
transaction of its write. Each value is kept under (the minute, the versions of the families it
read): while neither changes, a tick is served from memory; a new event makes the next tick read
again only what read events, so no tick shows values older than the store's. Within one minute
an unchanged version serves what was read at the minute's first tick (the "as of" label shows
minutes).

A value's families come from the queries that computed it (``@reads`` in queries/screen.py,
queries/reads.py): every declared query run while the value is computed reports its families,
and a value built from other kept values inherits theirs. No caller lists them by hand.

Memory is bounded: a value whose families or minute changed is dropped when the next version is
probed, so only values of the newest version are kept, and at most MAX_VALUES of them (some names
carry a wall's marker scale, which comes from the browser), the oldest dropped first. A lock per
value being computed makes concurrent walls compute each value once, while other values (another
scene's, another language's) are computed meanwhile.

A few values outlive versions: ``kept_by_key`` keeps one value per name under a key the caller
chooses (the headline trends keep the 7 previous days' instants per day and re-read period, since
new data carries today's instants and leaves them unchanged).
"""

from __future__ import annotations

import threading
from typing import Any, Callable

import duckdb

from data import versions
from data.keyed_locks import KeyedLocks
from queries import reads

_BY_KEY = object()          # marks the computing lock of a value kept by key (apart from the versioned names)
MAX_VALUES = 512            # a wall needs about 40 (panels, map parts and their reads per language and scene)


class ScreenCache:
    """Values read for the screen, each kept while its families' versions and the minute are unchanged."""

    def __init__(self, probe: Callable[[duckdb.DuckDBPyConnection], dict[str, int]] = versions.current,
                 max_values: int = MAX_VALUES):
        self._probe = probe
        self._max_values = max_values
        self._lock = threading.RLock()
        self._computing = KeyedLocks()                                 # a lock per value being computed
        self._version: dict[str, int] | None = None
        self._minute: int | None = None
        self._values: dict[Any, tuple[frozenset, tuple, Any]] = {}     # name → (families, stamp, value)
        self._by_key: dict[str, tuple[Any, Any]] = {}                  # name → (key, value)
        self.computed = 0                    # values computed so far (tests count them)

    def snapshot(self, con: duckdb.DuckDBPyConnection, now_s: int) -> "Snapshot":
        """Return the snapshot for the store's current version and the instant's minute."""
        version, minute = self._probe(con), int(now_s) // 60
        with self._lock:
            if (version, minute) != (self._version, self._minute):
                self._version, self._minute = version, minute
                self._values = {name: entry for name, entry in self._values.items()
                                if entry[1] == self._stamp(entry[0], version, minute)}   # keep what is still current
        return Snapshot(self, version, minute)

    @staticmethod
    def _stamp(families: frozenset, version: dict, minute: int) -> tuple:
        return minute, tuple((family, version.get(family)) for family in sorted(families))

    def get(self, snapshot: "Snapshot", name: Any, compute: Callable[[], Any]) -> Any:
        """Return the named value as of ``snapshot``, computing it when a family it read or the minute changed.
        Concurrent callers of one name compute it once (the others wait for that result); other names
        are computed meanwhile (a value's computation asks only for the values it is built from)."""
        found, value = self._kept(snapshot, name)
        if found:
            return value
        with self._computing.holding(name):
            found, value = self._kept(snapshot, name)
            if found:                        # another wall computed it meanwhile
                return value
            with reads.collecting() as found_families:
                value = compute()
            self._keep(snapshot, name, frozenset(found_families), value)
            return value

    def _kept(self, snapshot: "Snapshot", name: Any) -> tuple[bool, Any]:
        with self._lock:
            entry = self._values.get(name)
            if entry is None or entry[1] != self._stamp(entry[0], snapshot.version, snapshot.minute):
                return False, None
        reads.record(entry[0])               # a value built from this one depends on the same families
        return True, entry[2]

    def _keep(self, snapshot: "Snapshot", name: Any, families: frozenset, value: Any) -> None:
        with self._lock:
            if (snapshot.version, snapshot.minute) == (self._version, self._minute):   # else a newer one is kept
                self._values.pop(name, None)             # re-inserted last: the dict's order is the age
                self._values[name] = (families, self._stamp(families, snapshot.version, snapshot.minute), value)
                while len(self._values) > self._max_values:
                    del self._values[next(iter(self._values))]
                self.computed += 1

    def families(self, name: Any) -> frozenset:
        """Return the families the kept value ``name`` read (empty when it is not kept)."""
        with self._lock:
            entry = self._values.get(name)
            return entry[0] if entry is not None else frozenset()

    def kept_by_key(self, name: str, key: Any, compute: Callable[[], Any]) -> Any:
        """Return the named value kept under ``key``, computing it (and dropping the old one) when the key changed."""
        found, value = self._kept_by_key(name, key)
        if found:
            return value
        with self._computing.holding((_BY_KEY, name)):
            found, value = self._kept_by_key(name, key)
            if found:                        # another wall computed it meanwhile
                return value
            value = compute()
            with self._lock:
                self._by_key[name] = (key, value)
                self.computed += 1
            return value

    def _kept_by_key(self, name: str, key: Any) -> tuple[bool, Any]:
        with self._lock:
            kept = self._by_key.get(name)
            return (True, kept[1]) if kept is not None and kept[0] == key else (False, None)


class Snapshot:
    """One probe of the store: ``get(name, compute)`` reads a value at most once per version of what it reads."""

    def __init__(self, cache: ScreenCache, version: dict[str, int], minute: int):
        self._cache, self.version, self.minute = cache, version, minute

    def get(self, name: Any, compute: Callable[[], Any]) -> Any:
        """Return the named value, computed by ``compute()`` once while the families its queries read
        and the minute are unchanged."""
        return self._cache.get(self, name, compute)
