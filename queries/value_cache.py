"""Indicator values kept in memory between requests of the analysts' map.

A history snapshot does not change once written, and the latest values change only when a refresh
runs; every refresh bumps the store's "indicators" data version (data/versions.py) and adds a row
to ``indicator_runs``. So a frame of latest values stays valid while the indicators' version is
unchanged, and a frame read for (indicator, hour) while no later run wrote that hour (the runs per
instant are read again only after the version changed). Checking that costs one version probe
(at most once a second) instead of a scan of ``indicator_latest`` or ``indicator_history``; values
may so lag a refresh by up to a second. The units of a level are kept per version of the geometry.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

import duckdb
import pandas as pd

from data import versions
from queries.map_page import StoreValues

MAX_FRAMES = 4096           # one indicator at one hour is a few hundred to a few thousand rows
RECHECK_S = 1.0             # probe the data version at most this often (refreshes come every minute)


class ValueCache(StoreValues):
    """StoreValues that keeps what it read (least recently used frames dropped past ``max_frames``)."""

    def __init__(self, max_frames: int = MAX_FRAMES, recheck_s: float = RECHECK_S):
        self._lock = threading.Lock()
        self._max_frames = max_frames
        self._recheck_s = recheck_s
        self._checked = float("-inf")            # monotonic time of the last version probe
        self._frames: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
        self._version: dict[str, int] = {}       # the data versions when _writes and _hours were read
        self._writes: dict[int, int] = {}        # instant → number of runs that wrote it
        self._hours: list[int] = []

    def _sync(self, con: duckdb.DuckDBPyConnection) -> tuple[dict[str, int], dict[int, int]]:
        """Return (data versions, writes per instant), re-reading the writes and the hours after a refresh."""
        with self._lock:
            if time.monotonic() - self._checked < self._recheck_s:
                return self._version, self._writes
        version = versions.current(con)
        with self._lock:
            self._checked = time.monotonic()
            if version.get("indicators") == self._version.get("indicators"):
                self._version = version
                return version, self._writes
        writes = dict(con.execute("SELECT CAST(epoch(as_of) AS BIGINT), count(*) FROM indicator_runs "
                                  "GROUP BY 1").fetchall())
        hours = super().hours(con)
        with self._lock:
            self._version, self._writes, self._hours, self._checked = version, writes, hours, time.monotonic()
        return version, writes

    def _get(self, key: tuple) -> pd.DataFrame | None:
        with self._lock:
            frame = self._frames.get(key)
            if frame is not None:
                self._frames.move_to_end(key)
            return frame

    def _put(self, key: tuple, frame: pd.DataFrame) -> None:
        with self._lock:
            self._frames[key] = frame
            while len(self._frames) > self._max_frames:
                self._frames.popitem(last=False)

    def members(self, con: duckdb.DuckDBPyConnection, level: str, within: dict | None) -> pd.DataFrame:
        """Return the units at ``level`` inside ``within``, read once per version of the geometry."""
        version, _ = self._sync(con)
        key = ("members", level, within["code"] if within else None, version.get("geometry"))
        frame = self._get(key)
        if frame is None:
            frame = super().members(con, level, within)
            self._put(key, frame)
        return frame

    def stamp(self, con: duckdb.DuckDBPyConnection) -> tuple:
        """Return what the values this cache answers with are as of: the indicators' and the units'
        data versions it last read (an answer built from its frames is the same while they hold)."""
        version, _ = self._sync(con)
        return version.get("indicators"), version.get("geometry")

    def hours(self, con: duckdb.DuckDBPyConnection) -> list[int]:
        """Return the instants of the stored hourly snapshots (read again after each refresh)."""
        self._sync(con)
        with self._lock:
            return list(self._hours)

    def values(self, con: duckdb.DuckDBPyConnection, indicator_id: str, as_of_s: int | None) -> pd.DataFrame:
        """Return the indicator's values at a history hour (None = the latest), from memory when still valid."""
        version, writes = self._sync(con)
        key = ((indicator_id, "latest", version.get("indicators")) if as_of_s is None
               else (indicator_id, as_of_s, writes.get(as_of_s, 0)))
        frame = self._get(key)
        if frame is None:
            frame = super().values(con, indicator_id, as_of_s)
            self._put(key, frame)
        return frame

    def snapshots(self, con: duckdb.DuckDBPyConnection, indicator_id: str, hours: list[int]) -> dict[int, pd.DataFrame]:
        """Return {hour: values} for the history hours, reading only the hours not in memory."""
        _, writes = self._sync(con)
        keys = {h: (indicator_id, h, writes.get(h, 0)) for h in hours}
        found = {h: self._get(key) for h, key in keys.items()}
        missing = [h for h, frame in found.items() if frame is None]
        for hour, frame in super().snapshots(con, indicator_id, missing).items():
            self._put(keys[hour], frame)
            found[hour] = frame
        return found
