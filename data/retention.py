"""Retention: sensor readings and indicator snapshots older than N days move out of the store into
Parquet files that every reader still reads.

Files go to ``<store name>.archive/kind=<table>/month=<YYYY-MM>/part-<id>.parquet`` beside the store
(Hive-style partitions by kind and month). Readers never name the tables themselves but their
union relations (``readings_all``, ``indicator_history_all``: :func:`union_name`), views over the
table and the files listed in ``archive_parts``; paths in the views are relative, resolved against
the store's folder (``file_search_path``, set by data/db.connect), so a store and its archive can
move together.

Moving is crash-safe: whole months (UTC) that end before ``now - N days`` are copied to a
temporary file inside one transaction, the file's row count is checked against the rows the
transaction sees, the file is renamed, then the same transaction lists it, rewrites the view and
deletes exactly those rows, and commits. A kill before the commit leaves a file nobody lists (swept
on the next run) and every row still in the table.

Settings (environment first, then the stored setting; 0 or absent: keep everything in the store):
``CITY_RETENTION_READINGS_DAYS`` / ``retention.readings_days``, ``CITY_RETENTION_HISTORY_DAYS`` /
``retention.history_days``.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb

from data import db, settings
from data.background import PeriodicJob
from data.clock import utc

log = logging.getLogger(__name__)
# table -> (union relation every reader reads, the instant column months are cut by, its setting in data.settings)
UNIONS = {
    "readings": ("readings_all", "ts", "retention_readings_days"),
    "indicator_history": ("indicator_history_all", "as_of", "retention_history_days"),
}
ARCHIVE_SUFFIX = ".archive"
CHECK_EVERY_S = 3600.0
HISTORY_DAYS = 90       # hourly indicator snapshots kept at all: the refresh deletes older ones, the archive drops them


@dataclass(frozen=True)
class MovedPart:
    """One month of one table moved to a Parquet file."""

    kind: str
    month: str
    file: str
    rows: int
    bytes: int


def union_name(table: str) -> str:
    """Return the relation readers read for ``table``: its union with the archive, or the table itself."""
    return UNIONS[table][0] if table in UNIONS else table


def retention_days(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Return the days of ``table`` kept in the store (0: all); raise settings.SettingError naming a bad setting."""
    return settings.resolve(UNIONS[table][2], con=con)


def archive_folder_name(con: duckdb.DuckDBPyConnection) -> str:
    """Return the archive folder's name (relative to the store's folder)."""
    return _store_file(con).stem + ARCHIVE_SUFFIX


def _store_file(con: duckdb.DuckDBPyConnection) -> Path:
    rows = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    return Path(rows[0][0])


def is_archived(con: duckdb.DuckDBPyConnection, kind: str, instant_s: float) -> bool:
    """Return whether the (UTC) month holding ``instant_s`` has moved to the archive for ``kind``."""
    month = utc(instant_s).strftime("%Y-%m")
    return con.execute("SELECT count(*) FROM archive_parts WHERE kind = ? AND month = ?",
                       [kind, month]).fetchall()[0][0] > 0


def parts(con: duckdb.DuckDBPyConnection, kind: str | None = None) -> list[str]:
    """Return the listed archive files (relative to the store's folder), of one kind or all."""
    return [row[0] for row in con.execute(
        "SELECT file FROM archive_parts WHERE ? IS NULL OR kind = ? ORDER BY file", [kind, kind]).fetchall()]


# --- moving ------------------------------------------------------------------------------------

def apply_retention(con: duckdb.DuckDBPyConnection, now: datetime | None = None) -> list[MovedPart]:
    """Move every whole month older than each table's retention to the archive; return what moved."""
    now = now or datetime.now(timezone.utc)
    moved = []
    sweep_unlisted(con)
    for table in UNIONS:
        days = retention_days(con, table)
        if days > 0:
            moved += move_before(con, table, _month_start(now - timedelta(days=days)))
    drop_parts_before(con, "indicator_history", now - timedelta(days=HISTORY_DAYS))
    return moved


def drop_parts_before(con: duckdb.DuckDBPyConnection, kind: str, instant: datetime) -> list[str]:
    """Delete the archived months of ``kind`` that ended before ``instant`` (unlisted first, in one
    transaction with the view, then the files); return the files dropped."""
    ended = [row[0] for row in con.execute(
        "SELECT file FROM archive_parts WHERE kind = ? AND strptime(month, '%Y-%m') + INTERVAL 1 MONTH <= ?",
        [kind, instant.astimezone(timezone.utc).replace(tzinfo=None)]).fetchall()]
    if not ended:
        return []
    with db.transaction(con):
        con.execute("DELETE FROM archive_parts WHERE list_contains(?, file)", [ended])
        rewrite_union(con, kind)
    for relative in ended:
        (_store_file(con).parent / relative).unlink(missing_ok=True)
    log.info("retention: %d archived months of %s older than %d days dropped", len(ended), kind, HISTORY_DAYS)
    return ended


def move_before(con: duckdb.DuckDBPyConnection, table: str, cutoff: datetime) -> list[MovedPart]:
    """Move the rows of ``table`` before ``cutoff`` (a month start, UTC), one file per month."""
    column = UNIONS[table][1]
    months = [row[0] for row in con.execute(
        f"SELECT DISTINCT strftime({column} AT TIME ZONE 'UTC', '%Y-%m') FROM {table} WHERE {column} < ? ORDER BY 1",
        [cutoff]).fetchall()]
    return [_move_month(con, table, month) for month in months]


def _move_month(con: duckdb.DuckDBPyConnection, table: str, month: str) -> MovedPart:
    column = UNIONS[table][1]
    start = datetime.strptime(month, "%Y-%m").replace(tzinfo=timezone.utc)
    end = _month_start(start + timedelta(days=32))
    relative = f"{archive_folder_name(con)}/kind={table}/month={month}/part-{secrets.token_hex(6)}.parquet"
    final = _store_file(con).parent / relative
    temporary = final.with_name(final.name + ".tmp")
    final.parent.mkdir(parents=True, exist_ok=True)
    where = f"{column} >= ? AND {column} < ?"
    try:
        with db.transaction(con):
            rows = con.execute(f"SELECT count(*) FROM {table} WHERE {where}", [start, end]).fetchall()[0][0]
            con.execute(f"COPY (SELECT * FROM {table} WHERE {where} ORDER BY {column}) TO '{_quoted(temporary)}' "
                        "(FORMAT parquet, COMPRESSION zstd)", [start, end])
            written = con.execute(f"SELECT count(*) FROM read_parquet('{_quoted(temporary)}')").fetchall()[0][0]
            if written != rows:
                raise RuntimeError(f"the archive file of {table} {month} holds {written} rows, not {rows}")
            os.replace(temporary, final)
            con.execute("INSERT INTO archive_parts VALUES (?, ?, ?, ?, ?, ?)",
                        [relative, table, month, rows, final.stat().st_size, datetime.now(timezone.utc)])
            rewrite_union(con, table)
            con.execute(f"DELETE FROM {table} WHERE {where}", [start, end])
    except BaseException:
        temporary.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        raise
    log.info("retention: %s rows of %s %s moved to %s", f"{rows:,}", table, month, relative)
    return MovedPart(table, month, relative, rows, final.stat().st_size)


def rewrite_union(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Point ``table``'s union view at the table and every listed file of it."""
    files = parts(con, table)
    archived = ""
    if files:
        listed = ", ".join(f"'{_quoted(f)}'" for f in files)
        archived = f" UNION ALL BY NAME SELECT * FROM read_parquet([{listed}], hive_partitioning = false)"
    con.execute(f"CREATE OR REPLACE VIEW {union_name(table)} AS SELECT * FROM {table}{archived}")


def sweep_unlisted(con: duckdb.DuckDBPyConnection) -> list[Path]:
    """Delete the files of this store's archive that no row lists (left by a move that did not commit)."""
    folder = _store_file(con).parent / archive_folder_name(con)
    if not folder.is_dir():
        return []
    listed = {(_store_file(con).parent / f).resolve() for f in parts(con)}
    doomed = [p for p in folder.rglob("part-*") if p.is_file() and p.resolve() not in listed]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def _month_start(instant: datetime) -> datetime:
    return instant.astimezone(timezone.utc).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _quoted(path) -> str:
    return str(path).replace("'", "''")        # our own paths, never text from a request


def start_retention(con: duckdb.DuckDBPyConnection) -> PeriodicJob:
    """Apply the retention settings every hour in the background (its own cursor); a bad setting stops the start."""
    cursor = con.cursor()
    for table in UNIONS:
        retention_days(cursor, table)
    job = PeriodicJob("retention", lambda: apply_retention(cursor), CHECK_EVERY_S)
    job.start()
    return job
