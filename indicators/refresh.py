"""Refreshing indicator values: evaluate at an instant, store latest (and hourly history).

Every instant on the hour is also kept in indicator_history, so the history is a series of
exact hourly snapshots that ``cli.py refresh --at`` reproduces.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data import db, retention, versions, writer
from data.clock import HOUR_S, utc
from data.db import transaction
from data.retention import HISTORY_DAYS
from indicators.engine import Engine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RefreshSummary:
    """What one refresh did."""

    at_s: int
    indicators: int
    values: int
    seconds: float
    snapshot: bool


def refresh(con: duckdb.DuckDBPyConnection, engine: Engine, at_s: int, kind: str = "live",
            snapshot: bool | None = None, only: set[str] | None = None,
            memo: LastStoredValues | None = None) -> RefreshSummary:
    """Evaluate the indicators (all, or those in ``only``) at ``at_s`` and store them; return a summary.

    A snapshot (on the hour unless told otherwise) always covers the whole catalog. With ``memo``
    (kept by the caller from one refresh to the next), a refresh of the same indicators as the last
    one compares its values with what that one stored instead of reading them back."""
    started = time.perf_counter()
    snapshot = (at_s % HOUR_S == 0) if snapshot is None else snapshot
    only = None if snapshot else only
    values = engine.evaluate(con, at_s, only)
    if only is not None:
        values = values[values["indicator_id"].isin(only)].reset_index(drop=True)
    computed = len(engine.catalog) if only is None else len(only)
    stored = memo.stored_rows(con, values, only) if memo is not None and only is not None else None
    seconds = store_values(con, values, at_s, snapshot, replace_all=only is None,
                           run=(kind, started, computed), stored=stored)
    if memo is not None:
        memo.remember(con, values, at_s, only)
    return RefreshSummary(at_s, computed, len(values), seconds, snapshot)


class LastStoredValues:
    """What one caller's last refresh stored in indicator_latest: its indicators, instant and values.

    The server's minute ticks refresh the same indicators every time, in the same row order, so the
    rows the last tick stored are already at hand, aligned with the next tick's, and need not be read
    back from the table. They are only used when no other refresh has run since (the indicators'
    data version tells)."""

    def __init__(self):
        self._last: tuple[frozenset[str] | None, int, pd.DataFrame, int] | None = None

    def stored_rows(self, con: duckdb.DuckDBPyConnection, values: pd.DataFrame,
                    only: set[str] | None) -> pd.DataFrame | None:
        """Return the rows indicator_latest holds for ``values``, row by row (latest_rows' columns), or
        None when they cannot be known from the last refresh (other indicators or rows, or another
        refresh since)."""
        if self._last is None:
            return None
        indicators, stored_at_s, stored, version = self._last
        if (indicators != _key(only) or version != _indicators_version(con) or len(stored) != len(values)
                or not all(_same_text(stored[c], values[c]) for c in ("indicator_id", "unit_code", "level"))):
            return None
        return latest_rows(stored, stored_at_s)

    def remember(self, con: duckdb.DuckDBPyConnection, values: pd.DataFrame, at_s: int, only: set[str] | None) -> None:
        """Note what a refresh just stored (a refresh of all indicators is never compared with)."""
        self._last = (_key(only), at_s, values, _indicators_version(con)) if only is not None else None


def _key(only: set[str] | None) -> frozenset[str] | None:
    return None if only is None else frozenset(only)


def _indicators_version(con: duckdb.DuckDBPyConnection) -> int:
    return versions.current(con)["indicators"]


def _same_text(left: pd.Series, right: pd.Series) -> bool:
    return bool(pa.chunked_array([pa.array(left)]).equals(pa.chunked_array([pa.array(right)])))


def store_values(con: duckdb.DuckDBPyConnection, values: pd.DataFrame, at_s: int, snapshot: bool,
                 replace_all: bool = True, run: tuple[str, float, int] | None = None,
                 stored: pd.DataFrame | None = None) -> float:
    """Replace the latest values of the indicators computed (all of them with ``replace_all``), append
    a history snapshot and record the run, in one transaction, so a crash leaves all of it or none.

    ``run`` is (kind, perf_counter at the refresh's start, indicators computed); ``stored`` is what
    indicator_latest holds for ``values``, row by row, when the caller knows it (LastStoredValues).
    Returns the refresh's seconds up to the commit."""
    kind, started, computed = run or ("manual", time.perf_counter(), values["indicator_id"].nunique())
    frame = values.assign(as_of=at_s, computed_at=time.time())
    if snapshot and retention.is_archived(con, "indicator_history", at_s):
        log.warning("the hour %s lies in an archived month: its archived snapshot stays, none is stored again",
                    utc(at_s).isoformat())
        snapshot = False
    with transaction(con):
        write_latest(con, frame, at_s, whole_catalog=replace_all, stored=stored)
        if snapshot:
            con.execute("DELETE FROM indicator_history WHERE as_of = ?", [utc(at_s)])
            # Written in indicator order, so a read of one indicator's hours skips the rest by zone maps.
            writer.append_frame(con, "indicator_history", frame.sort_values(["indicator_id", "unit_code"],
                                                                             ignore_index=True))
            con.execute("DELETE FROM indicator_history WHERE as_of < ?", [utc(at_s - HISTORY_DAYS * 86_400)])
        seconds = time.perf_counter() - started
        con.execute('INSERT INTO indicator_runs VALUES (?, ?, ?, ?, ?, ?)',
                    [utc(at_s), kind, utc(time.time() - seconds), seconds, computed, len(values)])
        versions.bump(con, "indicators", earliest_s=earliest_change(at_s, snapshot))
    return seconds


def earliest_change(at_s: int, snapshot: bool) -> int:
    """Return the earliest instant a refresh at ``at_s`` alters: its own, or for a snapshot the oldest
    history it drops."""
    return at_s - HISTORY_DAYS * 86_400 if snapshot else at_s


# The columns of indicator_latest_rows: a value's row keeps the time of its newest input, not its
# instant and data age (migration 0011), so rows whose content did not change are not written.
ROW_COLUMNS = ("indicator_id", "unit_code", "level", "value", "numerator", "denominator", "baseline", "status",
               "newest_s")
KEY_COLUMNS = ("indicator_id", "unit_code")
# A stored row still holds a fresh value when these are the same (missing numbers equal missing ones):
# its numbers, status and level, and its newest input (its data age grew by the time since).
UNCHANGED_WHEN_EQUAL = ("level", "status", "value", "numerator", "denominator", "baseline", "newest_s")


def latest_rows(frame: pd.DataFrame, at_s: int) -> pd.DataFrame:
    """Return a refresh's values (data age at ``at_s``) as rows of indicator_latest_rows."""
    return frame[list(ROW_COLUMNS[:-1])].assign(newest_s=at_s - frame["data_age_s"].to_numpy("float64"))


def unchanged(stored: pd.DataFrame, fresh: pd.DataFrame) -> np.ndarray:
    """Return, row by row, whether a stored row still holds the fresh row's value (UNCHANGED_WHEN_EQUAL)."""
    return np.logical_and.reduce([_equal(stored[c], fresh[c]) for c in UNCHANGED_WHEN_EQUAL])


def unchanged_sql(stored: str, fresh: str) -> str:
    """Return the same rule as :func:`unchanged` as SQL over two aliased relations."""
    return " AND ".join(f"{fresh}.{c} IS NOT DISTINCT FROM {stored}.{c}" for c in UNCHANGED_WHEN_EQUAL)


def _equal(before: pd.Series, after: pd.Series) -> np.ndarray:
    if pd.api.types.is_float_dtype(before.dtype) or pd.api.types.is_float_dtype(after.dtype):
        a, b = before.to_numpy("float64", na_value=np.nan), after.to_numpy("float64", na_value=np.nan)
        return (a == b) | (np.isnan(a) & np.isnan(b))
    same = pc.equal(pa.array(before), pa.array(after)).fill_null(False)
    return same.to_numpy(zero_copy_only=False)


def replace_latest(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, at_s: int) -> int:
    """Make indicator_latest hold ``frame`` (a refresh of the whole catalog) and nothing else."""
    return write_latest(con, frame, at_s, whole_catalog=True)


def write_latest(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, at_s: int, whole_catalog: bool = False,
                 stored: pd.DataFrame | None = None) -> int:
    """Make indicator_latest hold ``frame`` for the indicators in it (with ``whole_catalog``: and nothing
    else), rewriting only the rows whose content changed (the others only get the new instant, kept
    once per indicator); return rows written.

    ``stored`` is what the table holds for ``frame``, row by row, when the caller knows it; otherwise
    the stored rows of the frame's indicators are read and matched with it by key. A refresh of the
    whole catalog rewrites every row."""
    if frame.empty and not whole_catalog:
        return 0
    fresh = latest_rows(frame, at_s)
    if whole_catalog:
        written, dropped = fresh, None
    elif stored is not None:
        written = fresh[~unchanged(stored, fresh)]
        dropped = written[list(KEY_COLUMNS)]
    else:
        written, dropped = _changes_against_table(con, fresh)
    _rewrite_rows(con, written, dropped)
    _set_instants(con, frame, at_s, whole_catalog)
    return len(written)


def _changes_against_table(con: duckdb.DuckDBPyConnection, fresh: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the fresh rows to write (changed or new) and the keys of the stored rows to drop (changed,
    or of the fresh rows' indicators and no longer computed), the stored rows matched by key in DuckDB
    under the same rule (unchanged_sql) so that only the changes leave the store."""
    db.register(con, "_fresh_latest", writer.frame_to_arrow(fresh.assign(position=np.arange(len(fresh)))))
    try:
        changes = con.sql(f"""SELECT l.indicator_id AS stored_id, l.unit_code AS stored_unit, f.position
                              FROM (SELECT * FROM indicator_latest_rows
                                    SEMI JOIN (SELECT DISTINCT indicator_id FROM _fresh_latest) USING (indicator_id)) l
                              FULL JOIN _fresh_latest f ON f.indicator_id = l.indicator_id AND f.unit_code = l.unit_code
                              WHERE l.indicator_id IS NULL OR f.indicator_id IS NULL
                                 OR NOT ({unchanged_sql("l", "f")})""").to_arrow_table()
    finally:
        con.unregister("_fresh_latest")
    positions = changes["position"].drop_null().to_numpy()
    stored = changes.filter(changes["stored_id"].is_valid())
    dropped = pd.DataFrame({"indicator_id": stored["stored_id"].to_pandas(), "unit_code": stored["stored_unit"].to_pandas()})
    return fresh.iloc[np.sort(positions)], dropped


def _rewrite_rows(con: duckdb.DuckDBPyConnection, written: pd.DataFrame, dropped: pd.DataFrame | None) -> None:
    """Delete the stored rows of the keys ``dropped`` (None: every row) and insert ``written``: the one way
    rows of indicator_latest_rows are written."""
    if dropped is None:
        con.execute("DELETE FROM indicator_latest_rows")
    elif len(dropped):
        db.register(con, "_dropped_latest", writer.frame_to_arrow(dropped))
        try:
            con.execute("""DELETE FROM indicator_latest_rows USING _dropped_latest d
                           WHERE indicator_latest_rows.indicator_id = d.indicator_id
                             AND indicator_latest_rows.unit_code = d.unit_code""")
        finally:
            con.unregister("_dropped_latest")
    if len(written):
        db.register(con, "_written_latest", writer.frame_to_arrow(written[list(ROW_COLUMNS)]))
        try:
            con.execute(f"INSERT INTO indicator_latest_rows ({', '.join(ROW_COLUMNS)}) "
                        f"SELECT {', '.join(ROW_COLUMNS)} FROM _written_latest")
        finally:
            con.unregister("_written_latest")


def _set_instants(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, at_s: int, whole_catalog: bool) -> None:
    """Record ``at_s`` (and when the frame was computed) as the instant of the indicators in ``frame``
    (with ``whole_catalog``: of those only)."""
    if whole_catalog:
        con.execute("DELETE FROM indicator_instants")
    if frame.empty:
        return
    db.register(con, "_refreshed_ids", pd.DataFrame({"indicator_id": frame["indicator_id"].unique()}))
    try:
        con.execute("DELETE FROM indicator_instants WHERE indicator_id IN (SELECT indicator_id FROM _refreshed_ids)")
        con.execute("INSERT INTO indicator_instants SELECT indicator_id, $at, $computed FROM _refreshed_ids",
                    {"at": utc(at_s), "computed": utc(float(frame["computed_at"].iloc[0]))})
    finally:
        con.unregister("_refreshed_ids")


def snapshot_hours(from_s: int, to_s: int) -> list[int]:
    """Return the instants on the hour in (from_s, to_s]."""
    first = (from_s // HOUR_S + 1) * HOUR_S
    return list(range(first, to_s + 1, HOUR_S))
