"""The DuckDB store: where it lives, opening it, and migrating its schema.

One process owns the database file. Threads in that process each take their own
``cursor()`` from the connection returned by :func:`open_store`.
"""

from __future__ import annotations

import logging
import os
import re
from contextlib import contextmanager
from pathlib import Path

import duckdb

from data import settings

DEFAULT_DB_PATH = Path(settings.setting("db").default)
# DuckDB's own limits, set on purpose (DuckDB would take 80 % of RAM and one thread per core). The
# machine has 2 cores and 24 GiB shared with the wall-screen browser, the OS and the Python heap
# (pandas frames live outside DuckDB's limit): 8 GB bounds the buffer pool (beyond it DuckDB spills
# to <db>.tmp), and 2 threads match the cores. See docs/PERFORMANCE.md, "Zhenjiang scale".
MEMORY_LIMIT_ENV, DEFAULT_MEMORY_LIMIT = settings.setting("db_memory_limit").env, settings.setting("db_memory_limit").default
THREADS_ENV, DEFAULT_THREADS = settings.setting("db_threads").env, settings.setting("db_threads").default
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class StoreLockedError(RuntimeError):
    """The database file is held by another process (normally the running server)."""


class StoreError(RuntimeError):
    """The database cannot be opened or migrated; the message says why in plain words."""


def resolve_db_path(cli_value: str | os.PathLike | None = None) -> Path:
    """Return the database path: the --db value, else $CITY_DB, else var/city.duckdb."""
    return Path(settings.resolve("db", str(cli_value) if cli_value else None))


def available_migrations() -> list[tuple[int, Path]]:
    """Return (version, path) of every migration file, in version order."""
    found = []
    for path in MIGRATIONS_DIR.iterdir():
        match = _MIGRATION_NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def latest_schema_version() -> int:
    """Return the schema version this code expects."""
    return available_migrations()[-1][0]


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """Return the schema version recorded in the database (0 for an empty one)."""
    has_table = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()[0][0]
    if not has_table:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]


def migrate(con: duckdb.DuckDBPyConnection, target: int | None = None) -> list[int]:
    """Apply pending migrations up to ``target`` (default: latest); return the versions applied."""
    target = latest_schema_version() if target is None else target
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    current = schema_version(con)
    if current > latest_schema_version():
        raise StoreError(
            f"The database has schema version {current}, newer than this program "
            f"({latest_schema_version()}). Update City Vitals before opening it."
        )
    # Numbers are reserved per feature and may land out of order (0006 before 0005): apply every
    # missing version, not only those above the highest one recorded.
    recorded = {row[0] for row in con.execute("SELECT version FROM schema_version").fetchall()}
    applied = []
    for version, path in available_migrations():
        if version not in recorded and version <= target:
            _apply_migration(con, version, path.read_text(encoding="utf-8"))
            applied.append(version)
    return applied


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """Run the block in one transaction: commit at the end, roll back on any exception.

    A commit that fails (a write conflict) has already ended the transaction: DuckDB rolls it back
    itself, so the error is raised as it is."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _apply_migration(con: duckdb.DuckDBPyConnection, version: int, sql: str) -> None:
    with transaction(con):
        con.execute(sql)
        con.execute("INSERT INTO schema_version (version) VALUES (?)", [version])


def connect(path: str | os.PathLike, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database file, translating a lock held by another process into StoreLockedError."""
    path = Path(path)
    if str(path) != ":memory:":
        if read_only and not path.exists():
            raise StoreError(f"No database at {path}. Build one with: python cli.py demo --db {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=engine_config(path))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreLockedError(locked_message(path)) from None
        raise StoreError(f"Cannot open the database {path}: {exc}") from None
    except duckdb.Error as exc:
        raise StoreError(f"Cannot open the database {path} with ${MEMORY_LIMIT_ENV}/${THREADS_ENV}: {exc}") from None
    con.execute("SET TimeZone = 'UTC'")
    return con


WRITE_FAILURES = ("No space left on device", "File too large", "Disk quota exceeded")


def is_write_failure(exc: BaseException) -> bool:
    """True when ``exc`` is the store failing to write its files (a full disk, a file-size limit): the
    unit of work was rolled back whole, and the same work succeeds once there is room again."""
    return isinstance(exc, (duckdb.Error, OSError)) and any(text in str(exc) for text in WRITE_FAILURES)


def register(con: duckdb.DuckDBPyConnection, name: str, table: object) -> None:
    """Expose a frame or an Arrow table to SQL on ``con`` as ``name``. DuckDB 2 refuses to register while
    the connection holds an unread result of an earlier ``execute()`` (a ``fetchone()`` leaves one), so
    that result is run to its end first."""
    con.complete()
    con.register(name, table)


def log_failure(logger: logging.Logger, exc: BaseException, what: str, *args: object) -> None:
    """Log that background work ``what`` failed: one error line when the store could not be written (expected
    on a full disk, and retried), the whole traceback for anything else (a bug to read)."""
    if is_write_failure(exc):
        logger.error(what + " (the store could not be written: %s)", *args, str(exc).splitlines()[0])
    else:
        logger.error(what, *args, exc_info=exc)


def engine_config(path: Path | None = None) -> dict[str, object]:
    """Return DuckDB's memory limit and threads (the settings db_memory_limit and db_threads) and, for a
    file, its folder as the place relative paths resolve (the archive's Parquet files, data/retention.py)."""
    config = {"memory_limit": settings.resolve("db_memory_limit"), "threads": settings.resolve("db_threads")}
    if path is not None and str(path) != ":memory:":
        config["file_search_path"] = str(Path(path).resolve().parent)
    return config


def engine_settings(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Return the memory limit and threads DuckDB is running with on this connection."""
    row = con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchall()[0]
    return {"memory_limit": row[0], "threads": row[1]}


def locked_message(path: Path) -> str:
    """Return the plain-language explanation shown when another process holds the database."""
    return (
        f"The database {path} is in use by another process, most likely the running server "
        f"(python app.py). DuckDB lets only one process open it. Either stop the server first, "
        f"or use a different file with --db PATH (or CITY_DB=PATH)."
    )


def open_store(path: str | os.PathLike | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the store at ``path`` and bring its schema up to date."""
    con = connect(resolve_db_path(path), read_only=read_only)
    if not read_only:
        migrate(con)
    elif schema_version(con) < latest_schema_version():
        raise StoreError("The database needs a schema upgrade; open it once without read-only mode.")
    return con


def get_setting(con: duckdb.DuckDBPyConnection, key: str, default: str | None = None) -> str | None:
    """Return one value from the settings table, or ``default``."""
    rows = con.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchall()   # fetch all: see ENVIRONMENT.md
    return rows[0][0] if rows else default


def put_settings(con: duckdb.DuckDBPyConnection, values: dict[str, object]) -> None:
    """Insert or replace settings (values stored as text)."""
    for key, value in values.items():
        con.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", [key, str(value)]
        )
