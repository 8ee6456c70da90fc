"""Briefs of ended periods built once and kept in the store (``brief_builds``, migration 0050).

An ended period's brief changes only when data reaching back before its end arrives late. Its
*data stamp* is the version of every family the brief reads (BRIEF_FAMILIES) counting only the
writes that may have altered data before the period's end (data/versions.py, the same rule the
daily partials keep per day): the live simulator's ticks and today's refreshes never change it, a
late case for a day of the period (or before it: a case still open at the end) does.

A part (the document the page draws, or a PDF in one language) is kept with the stamp it was built
from; a reader gets the kept part while its stamp is current and never waits for a build the
server did ahead (reporting/prebuild.py). When late data made it stale, the reader gets it still,
marked as built from older data, and the prebuild job builds the period again first of all
(``want_rebuild``): a feed of late cases never puts a brief's build into a reader's request. Only
a part never built before is built on the reader's request, once, and kept. The document is stored
pickled and zlib-compressed: it is written only by this server into its own store, never taken from
a request or a feed.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import threading
import time
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import duckdb

from data import db, versions
from data.clock import now_utc, utc

log = logging.getLogger(__name__)

# What a brief reads: it computes its period's figures from the cases, readings, alerts and work
# orders, so the stored indicator values (rewritten by every refresh) never change it.
BRIEF_FAMILIES = ("events", "readings", "geometry", "alerts", "orders")
DOCUMENT = "document"
PARTS = (DOCUMENT, "pdf.zh", "pdf.en")


def _code_digest() -> str:
    """Return a digest of the brief's code, templates and targets: a kept brief built by another
    version of them is built again (its content or its stored form may differ)."""
    folder = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted([*folder.glob("*.py"), *folder.glob("*.yaml"), *folder.glob("templates/*")]):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:8]


CODE_DIGEST = _code_digest()


@dataclass(frozen=True)
class BuildInfo:
    """When a kept brief was built and from which data."""

    built_at_s: float
    data_stamp: str
    build_s: float
    current: bool = True          # False: built from older data; a newer build is queued, this is served meanwhile


def stamp_from(found: dict[str, int]) -> str:
    """Return the stamp of {family: version}: the versions of BRIEF_FAMILIES joined by dots, then
    the code's digest after a slash (2574.9.3.812.40/1f2e3d4c)."""
    return ".".join(str(int(found.get(family, 0))) for family in BRIEF_FAMILIES) + "/" + CODE_DIGEST


def data_version(stamp: str) -> str:
    """Return the data part of a stamp (what the page shows as the data version)."""
    return stamp.split("/", 1)[0]


def stamp_at(con: duckdb.DuckDBPyConnection, end_s: float) -> str:
    """Return the data stamp of a period ending at ``end_s``."""
    return stamp_from(versions.current(con, before_s=end_s))


STAMPS_SQL = """
    SELECT e.end_at, c.family, coalesce(sum(c.changes), 0)::BIGINT
    FROM (SELECT unnest($ends) AS end_at) e
    JOIN data_changes c ON c.family IN (SELECT unnest($families))
         AND (c.earliest_at IS NULL OR c.earliest_at < e.end_at)
    GROUP BY ALL"""


def stamps_at(con: duckdb.DuckDBPyConnection, ends_s: list[int]) -> dict[int, str]:
    """Return the data stamp of each period end in ``ends_s`` (one query for all of them)."""
    if not ends_s:
        return {}
    rows = con.execute(STAMPS_SQL, {"ends": [utc(s) for s in ends_s], "families": list(BRIEF_FAMILIES)}).fetchall()
    found: dict[int, dict[str, int]] = {int(s): {} for s in ends_s}
    for end_at, family, changes in rows:
        found[int(end_at.timestamp())][family] = int(changes)
    return {s: stamp_from(found[int(s)]) for s in ends_s}


def kept_stamps(con: duckdb.DuckDBPyConnection, part: str = DOCUMENT) -> dict[tuple[str, str], str]:
    """Return {(period, area_code): data stamp} of every kept ``part``."""
    rows = con.execute("SELECT period, area_code, data_stamp FROM brief_builds WHERE part = ?", [part]).fetchall()
    return {(period, area): stamp for period, area, stamp in rows}


def load(con: duckdb.DuckDBPyConnection, period: str, area_code: str, part: str, stamp: str,
         any_stamp: bool = False) -> tuple[bytes, BuildInfo] | None:
    """Return a kept part built from ``stamp`` with its build info, or None; with ``any_stamp`` the
    part kept from whatever data by this code (its info's ``current`` says whether that was ``stamp``;
    one built by other code may differ in content or form, so it is never served)."""
    rows = con.execute("""SELECT content, epoch(built_at), build_s, data_stamp FROM brief_builds
                          WHERE period = ? AND area_code = ? AND part = ?""", [period, area_code, part]).fetchall()
    for content, built_s, build_s, kept_stamp in rows:
        if kept_stamp == stamp or (any_stamp and kept_stamp.endswith("/" + CODE_DIGEST)):
            return zlib.decompress(bytes(content)), BuildInfo(float(built_s), kept_stamp, float(build_s),
                                                              current=kept_stamp == stamp)
    return None


def save(con: duckdb.DuckDBPyConnection, period: str, area_code: str, part: str, stamp: str,
         content: bytes, build_s: float) -> BuildInfo:
    """Keep ``content`` as the part of the period and area (replacing an older build); return its
    info. A store opened read-only (a test, a copy being inspected) keeps nothing: logged, not fatal."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {', '.join(PARTS)}")
    built = now_utc()
    try:
        with db.transaction(con):
            con.execute("DELETE FROM brief_builds WHERE period = ? AND area_code = ? AND part = ?",
                        [period, area_code, part])
            con.execute("INSERT INTO brief_builds VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [period, area_code, part, stamp, built, float(build_s), zlib.compress(content, 6)])
    except duckdb.Error as exc:
        log.warning("brief %s @%s %s not kept: the store was not written (%s)", period, area_code, part,
                    str(exc).splitlines()[0])
    return BuildInfo(built.timestamp(), stamp, float(build_s))


def kept_document(con, period: str, area_code: str, stamp: str, build: Callable[[], object],
                  on_stale: Callable[[], None] | None = None):
    """Return the kept document of the period and area built from ``stamp``, else ``build()`` it
    now, keep it and return it; the document carries its BuildInfo (``built``). With ``on_stale``,
    a document kept from older data is returned as it is (``built.current`` False) after calling
    ``on_stale()`` to have it built again in the background."""
    found = load(con, period, area_code, DOCUMENT, stamp, any_stamp=on_stale is not None)
    if found is not None:
        try:
            document = replace(pickle.loads(found[0]), built=found[1])
        except (pickle.UnpicklingError, AttributeError, ImportError, TypeError, EOFError) as exc:
            log.warning("kept brief %s @%s unreadable (%s): built again", period, area_code, exc)
        else:
            if not found[1].current:
                on_stale()
            return document
    started = time.perf_counter()
    document = build()
    seconds = time.perf_counter() - started
    info = save(con, period, area_code, DOCUMENT, stamp,
                pickle.dumps(replace(document, built=None), protocol=pickle.HIGHEST_PROTOCOL), seconds)
    log.info("brief %s @%s built in %.1f s (data version %s)", period, area_code, seconds, stamp)
    return replace(document, built=info)


def kept_file(con, document, part: str, render: Callable[[], bytes]) -> bytes:
    """Return the kept file ``part`` (pdf.zh …) of a kept document, else ``render()`` it, keep it
    with the document's stamp and return it."""
    info, brief = document.built, document.brief
    period, area = str(brief.span.period), brief.area.code
    found = load(con, period, area, part, info.data_stamp)
    if found is not None:
        return found[0]
    started = time.perf_counter()
    content = render()
    save(con, period, area, part, info.data_stamp, content, time.perf_counter() - started)
    return content



_rebuilds: dict[str, tuple[object, str]] = {}       # str(period)@area -> (period, area code), in request order
_rebuilds_lock = threading.Lock()


def want_rebuild(period, area_code: str) -> None:
    """Ask the prebuild job to build ``period`` over the area again before anything else (a reader
    was served its brief from older data)."""
    with _rebuilds_lock:
        _rebuilds.setdefault(f"{period}@{area_code}", (period, area_code))


def take_rebuilds() -> list[tuple[object, str]]:
    """Return the rebuilds asked for since the last call, oldest first, and forget them."""
    with _rebuilds_lock:
        wanted = list(_rebuilds.values())
        _rebuilds.clear()
    return wanted
