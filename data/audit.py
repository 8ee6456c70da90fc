"""The audit log: who did what to what, when. One call, record(), for every feature.

    from data import audit
    audit.record(cursor, principal.actor, "alert.ack", target="alert:123", detail={"comment": text})

Actions are dotted verbs (login.success, export.events, pii.unmask, token.use, alert.ack,
alert.silence, threshold.change). ``detail`` is any JSON-serialisable value.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import duckdb

MAX_DETAIL_CHARS = 4000        # the log records decisions, not payloads


def record(con: duckdb.DuckDBPyConnection, actor: str, action: str, target: str | None = None,
           detail: object = None, remote_addr: str | None = None) -> None:
    """Append one entry to the audit log (bound parameters; detail stored as JSON text)."""
    text = None if detail is None else json.dumps(detail, ensure_ascii=False, default=str)[:MAX_DETAIL_CHARS]
    con.execute("INSERT INTO audit_log (occurred_at, actor, action, target, detail, remote_addr) VALUES (?, ?, ?, ?, ?, ?)",
                [datetime.now(timezone.utc), actor, action, target, text, remote_addr])


def count_since(con: duckdb.DuckDBPyConnection, actions: tuple[str, ...], remote_addr: str, since: datetime) -> int:
    """Return how many entries of ``actions`` came from ``remote_addr`` at or after ``since``."""
    return con.execute("SELECT count(*) FROM audit_log WHERE remote_addr = ? AND list_contains(?, action) "
                       "AND occurred_at >= ?", [remote_addr, list(actions), since]).fetchall()[0][0]


def recent(con: duckdb.DuckDBPyConnection, limit: int = 200, action_prefix: str | None = None) -> list[dict]:
    """Return the newest entries first, optionally only actions starting with ``action_prefix``."""
    rows = con.execute(
        "SELECT audit_id, occurred_at, actor, action, target, detail, remote_addr FROM audit_log "
        "WHERE ? IS NULL OR starts_with(action, ?) ORDER BY audit_id DESC LIMIT ?",
        [action_prefix, action_prefix or "", limit]).fetchall()
    keys = ("audit_id", "occurred_at", "actor", "action", "target", "detail", "remote_addr")
    return [dict(zip(keys, row)) for row in rows]
