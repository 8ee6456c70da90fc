"""What callbacks need from the running server: the store, the clock and the city's settings.

``app.py`` installs one AppContext at start-up; callbacks read it with :func:`current`.
Each request thread gets its own DuckDB cursor, as DuckDB requires.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import duckdb

_installed: "AppContext | None" = None


@dataclass
class AppContext:
    """The server's store connection, clock and city identity."""

    con: duckdb.DuckDBPyConnection
    tz: str
    city_name_zh: str
    city_name_en: str
    frozen_now_s: int | None = None          # set by --at: show the city as of that instant
    _local: threading.local = field(default_factory=threading.local, repr=False)
    _memo: dict = field(default_factory=dict, repr=False)
    _memo_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _key_locks: dict = field(default_factory=dict, repr=False)

    def now_s(self) -> int:
        """Return the instant pages show: the frozen one, or the wall clock."""
        return self.frozen_now_s if self.frozen_now_s is not None else int(time.time())

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """Return this thread's own cursor on the store."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self.con.cursor()
            self._local.cursor = cursor
        return cursor

    def remember(self, key: str, compute: Callable[[], Any]) -> Any:
        """Return ``compute()`` once per key for the server's life (geometry does not change)."""
        with self._memo_lock:
            if key in self._memo:
                return self._memo[key]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:                  # one computation per key; other keys are not held up meanwhile
            if key not in self._memo:
                value = compute()
                with self._memo_lock:
                    self._memo[key] = value
            return self._memo[key]

    def city_name(self, language: str) -> str:
        """Return the city's name in the UI language."""
        return self.city_name_zh if language == "zh" else self.city_name_en


def install(context: AppContext) -> None:
    """Make ``context`` the one callbacks use."""
    global _installed
    _installed = context


def current() -> AppContext:
    """Return the installed context (raises if the server did not install one)."""
    if _installed is None:
        raise RuntimeError("no AppContext installed: start the app through app.py")
    return _installed
