"""The city's reviewed thresholds file, kept in the store as text (setting ``city.thresholds``).

The store keeps the file a person reviewed, comments and all, so ``thresholds show`` gives back what
was put in. Validating it needs the indicator catalog, which the store does not know of: callers
validate first (``indicators.thresholds.use_thresholds``; the demo builder ships files a test checks).
"""

from __future__ import annotations

import duckdb

from data import db

THRESHOLDS_KEY = "city.thresholds"


def put_thresholds_text(con: duckdb.DuckDBPyConnection, text: str) -> None:
    """Store ``text`` as the city's thresholds file, replacing the one stored before."""
    db.put_settings(con, {THRESHOLDS_KEY: text})


def thresholds_text(con: duckdb.DuckDBPyConnection) -> str | None:
    """Return the stored thresholds file, or None when the city has none (the catalog's bounds apply)."""
    return db.get_setting(con, THRESHOLDS_KEY)


def clear_thresholds(con: duckdb.DuckDBPyConnection) -> None:
    """Forget the city's thresholds file (the catalog's bounds apply again)."""
    con.execute("DELETE FROM settings WHERE key = ?", [THRESHOLDS_KEY])
