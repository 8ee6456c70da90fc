"""Appending generated or ingested frames to the store, fast and with the right types.

Generators hand over pandas frames whose instants are epoch seconds (int64, or float64
with NaN for "not yet"), geometries as shapely objects and repeated strings as
categoricals. Here they become Arrow columns (TIMESTAMPTZ, WKB, dictionaries) and go
into DuckDB in one INSERT per frame.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

import duckdb

from data import db

TIME_COLUMNS: dict[str, tuple[str, ...]] = {
    "events": ("received_at", "accepted_at", "dispatched_at", "resolved_at", "closed_at", "due_at", "updated_at"),
    "event_versions": ("updated_at",),
    "demo_event_plans": ("accepted_at", "dispatched_at", "resolved_at", "closed_at"),
    "sensors": ("installed_at", "retired_at"),
    "readings": ("ts",),
    "indicator_instants": ("as_of", "computed_at"),
    "indicator_history": ("as_of", "computed_at"),
    "cameras": ("status_at", "registered_at"),
    "places": ("updated_at",),
    "alarm_reports": ("received_at", "occurred_at"),
    "work_orders": ("created_at", "report_due_at", "finish_due_at", "updated_at", "reported_at", "started_at",
                    "feedback_at", "verified_at", "closed_at", "returned_at"),
    "work_order_history": ("occurred_at",),
}
GEOMETRY_COLUMNS = ("geometry",)
# The tables whose content `cli.py checksum` compares (equal builds and restored backups give equal lines;
# readings with their archived rows, data/retention.py); batch numbering is bookkeeping, not content.
DATA_TABLES = ("admin_units", "map_features", "event_categories", "events", "event_history",
               "sensors", "readings_all", "demo_event_plans", "quarantine")
VOLATILE_COLUMNS = ("batch_id",)


def epoch_seconds_to_arrow(values: pd.Series | np.ndarray) -> pa.Array:
    """Return a UTC timestamp array from epoch seconds; NaN becomes NULL."""
    raw = np.asarray(values, dtype="float64")
    missing = np.isnan(raw)
    seconds = np.where(missing, 0, raw).astype("int64")
    return pa.array(seconds, type=pa.timestamp("s", tz="UTC"), mask=missing)


def geometries_to_arrow(values: pd.Series) -> pa.Array:
    """Return WKB bytes for shapely geometries."""
    return pa.array(shapely.to_wkb(np.asarray(values, dtype=object)), type=pa.binary())


def frame_to_arrow(frame: pd.DataFrame, time_columns: tuple[str, ...] = ()) -> pa.Table:
    """Return an Arrow table with time and geometry columns converted for DuckDB."""
    columns = {}
    for name in frame.columns:
        series = frame[name]
        if name in time_columns and not isinstance(series.dtype, pd.DatetimeTZDtype):
            columns[name] = epoch_seconds_to_arrow(series)
        elif name in GEOMETRY_COLUMNS:
            columns[name] = geometries_to_arrow(series)
        else:
            columns[name] = pa.Array.from_pandas(series)
    return pa.table(columns)


def append_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> int:
    """Insert a frame's rows into ``table`` (columns matched by name); return the row count."""
    if frame.empty:
        return 0
    arrow = frame_to_arrow(frame, TIME_COLUMNS.get(table, ()))
    view = f"_append_{table}"
    db.register(con, view, arrow)
    try:
        names = ", ".join(f'"{c}"' for c in arrow.column_names)
        con.execute(f'INSERT INTO {table} ({names}) SELECT {names} FROM "{view}"')
    finally:
        con.unregister(view)
    return len(frame)


def append_new_events(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, since_s: int, until_s: int) -> int:
    """Append cases received in [since_s, until_s); raise if one's (source, event_id) is already held.

    ``events`` has no key index (it made large batches slow): writers keep the key unique. The demo
    city's ids carry their local date, so a repeated id can only sit in the same window; checking
    that window lets DuckDB's zone maps skip the rest of the table.
    """
    repeated = frame.duplicated(["source", "event_id"])
    if repeated.any():
        raise duckdb.ConstraintException(f"duplicate event key in the frame: {_key(frame[repeated].iloc[0])}")
    with _registered(con, "_append_new_events", frame[["source", "event_id"]]):
        held = con.execute("SELECT n.source, n.event_id FROM _append_new_events n SEMI JOIN (SELECT source, "
                           "event_id FROM events WHERE received_at >= to_timestamp(?) AND received_at < "
                           "to_timestamp(?)) e USING (source, event_id) LIMIT 1", [since_s, until_s]).fetchall()
    if held:
        raise duckdb.ConstraintException(f"duplicate event key, already stored: {held[0][0]}:{held[0][1]}")
    return append_frame(con, "events", frame)


def _key(row: pd.Series) -> str:
    return f"{row['source']}:{row['event_id']}"


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame):
    """Expose a frame to SQL under ``name`` for a with-block."""
    db.register(con, name, frame)
    try:
        yield name
    finally:
        con.unregister(name)


def table_checksum(con: duckdb.DuckDBPyConnection, table: str, exclude: tuple[str, ...] = ()) -> tuple[int, int]:
    """Return (row count, order-independent hash sum) of a table's content."""
    columns = [
        row[0]
        for row in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "AND table_catalog = current_database() ORDER BY ordinal_position",   # not an attached backup's
            [table],
        ).fetchall()
        if row[0] not in exclude
    ]
    names = ", ".join(f'"{c}"' for c in columns)
    count, total = con.execute(f"SELECT count(*), sum(hash({names})::HUGEINT) FROM {table}").fetchone()
    return int(count), int(total or 0)


def store_checksum(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    """Return table -> (rows, content hash) for every data table (what ``cli.py checksum`` prints)."""
    return {table: table_checksum(con, table, exclude=VOLATILE_COLUMNS) for table in DATA_TABLES}
