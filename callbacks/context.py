"""What callbacks need from the running server: the store, the clock, the city's settings, and the
one indicator catalog and engine of the process.

``app.py`` installs one AppContext at start-up; callbacks read it with :func:`current`.
Each request thread gets its own DuckDB cursor, as DuckDB requires. What the server keeps in
memory between requests is bounded: :meth:`AppContext.remember` keeps at most MAX_REMEMBERED
values, the daily briefs at most KEPT_BRIEFS documents (docs/CACHES.md lists every cache).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import duckdb
import flask

from access import accounts
from callbacks.memo import LruMemo
from data import geo, versions
from data.remote_store import RemoteCursor
from layouts.basemap_style import store_style
from indicators.catalog import Catalog
from indicators.engine import Engine
from reporting import prebuilt

_installed: "AppContext | None" = None
MAX_REMEMBERED = 64         # geometry per level, map views per wall size, names: a few dozen at most
KEPT_BRIEFS = 16            # brief documents of ended days, a few MiB each
KEPT_BRIEF_PAGES = 32       # rendered HTML pages of kept briefs (the phone link), a few hundred KiB each
VERSIONS_READ_S = 1.0       # how often remember() reads the data versions
# what a request asks of the process that owns the store and runs the background jobs (ask_owner), each
# called with a cursor first: the brief job lives there, and a name's sign-ins are checked one at a time
# there, for every worker process at once (a lock in each worker would let parallel guesses through)
OWNER_CALLS: dict[str, Callable] = {
    "brief.want_rebuild": lambda _cursor, period, area_code: prebuilt.want_rebuild(period, area_code),
    "accounts.authenticate": accounts.authenticate,
}


@dataclass
class AppContext:
    """The server's store connection, clock, city identity, catalog and engine."""

    con: duckdb.DuckDBPyConnection | RemoteCursor     # a RemoteCursor in a worker process (app.py --workers)
    tz: str
    city_name_zh: str
    city_name_en: str
    frozen_now_s: int | None = None          # set by --at: show the city as of that instant
    catalog: Catalog | None = None           # the process's one catalog, shared by pages, alerts and briefs
    engine: Engine | None = None             # the process's one engine on that catalog
    briefs: LruMemo = field(default_factory=lambda: LruMemo(KEPT_BRIEFS), repr=False)
    brief_pages: LruMemo = field(default_factory=lambda: LruMemo(KEPT_BRIEF_PAGES), repr=False)
    _local: threading.local = field(default_factory=threading.local, repr=False)
    _memo: LruMemo = field(default_factory=lambda: LruMemo(MAX_REMEMBERED), repr=False)
    _versions: tuple[float, dict | None] = field(default=(0.0, None), repr=False)
    _versions_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

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

    def ask_owner(self, name: str, *args: object) -> object:
        """Run OWNER_CALLS[name] in the process that owns the store and runs the background jobs: here,
        or, in a worker process (app.py --workers), through the store link (data/store_service.py)."""
        if isinstance(self.con, RemoteCursor):
            return self.con.call_owner(name, *args)
        return OWNER_CALLS[name](self.cursor(), *args)

    def remember(self, key: str, compute: Callable[[], Any], families: tuple[str, ...] = ()) -> Any:
        """Return ``compute()`` kept under ``key`` and the versions of the data ``families`` it reads
        (computed again after one of them changed); least recently used values go past MAX_REMEMBERED."""
        if families:
            found = self.data_versions()
            return self._memo.get((key, tuple(found[family] for family in families)), compute)
        return self._memo.get(key, compute)

    def data_versions(self) -> dict[str, int]:
        """Return the store's data versions, read at most once per VERSIONS_READ_S (a remembered value
        may so outlive a write by that long; the screen and map caches read their own)."""
        with self._versions_lock:
            read_at, found = self._versions
            if found is None or time.monotonic() - read_at >= VERSIONS_READ_S:
                found = versions.current(self.cursor())
                self._versions = (time.monotonic(), found)
            return found

    def unit_geometry(self, level: str) -> geo.LevelGeometry:
        """Return a level's units' geometry (features and the file browsers fetch), built again when
        the geometry changes; the maps and api/geometry.py share it."""
        return self.remember(f"geometry.level.{level}", lambda: geo.level_geometry(self.cursor(), level),
                             families=("geometry",))

    def map_style(self, theme: str, language: str, text_scale: float = 1.0) -> dict | str:
        """Return the maps' style: the basemap on this request's origin (the browser's own address),
        the city's intranet style, or the bare background and label font when there is no basemap."""
        origin = flask.request.host_url.rstrip("/") if flask.has_request_context() else ""
        return self.remember(f"basemap.style.{theme}.{language}.{origin}.{text_scale:.2f}",
                             lambda: store_style(self.cursor(), theme, language, origin, text_scale))

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
