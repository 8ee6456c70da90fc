"""Handling alerts (三级办理): acknowledge, assign, silence, escalate, close; every action audited.

Each function takes the ``actor`` (today a plain name; the signed-in user once accounts exist)
and the instant, changes the alert and appends to alert_audit in one transaction.
"""

from __future__ import annotations

import duckdb

from data import versions
from data.clock import utc, utc_or_none
from data.db import transaction
from indicators.alerting import store

HANDLING_LEVELS = (1, 2, 3)       # 1 district, 2 street, 3 community


class HandlingError(ValueError):
    """The action is not possible on this alert; the message says why."""


def _act(con, actor: str, action: str, alert_id: int, at_s: int, sql: str, params: list, details: dict) -> dict:
    if not actor or not actor.strip():
        raise HandlingError("an actor is required")
    state = con.execute("SELECT state FROM alerts WHERE alert_id = ?", [alert_id]).fetchone()
    if state is None:
        raise HandlingError(f"no alert {alert_id}")
    if state[0] == "closed":
        raise HandlingError(f"alert {alert_id} is closed")
    with transaction(con):
        con.execute(sql, params + [alert_id])
        store.audit(con, actor.strip(), action, alert_id, details, at_s)
        versions.bump(con, "alerts", earliest_s=at_s)
    return store.alert_dict(con, alert_id)


def acknowledge(con: duckdb.DuckDBPyConnection, alert_id: int, actor: str, comment: str, at_s: int) -> dict:
    """Acknowledge an alert with a comment (stops escalation); return the alert."""
    return _act(con, actor, "ack", alert_id, at_s,
                "UPDATE alerts SET acked_by = ?, acked_at = ?, ack_comment = ? WHERE alert_id = ?",
                [actor.strip(), utc(at_s), comment], {"comment": comment})


def assign(con: duckdb.DuckDBPyConnection, alert_id: int, actor: str, handling_level: int, department: str,
           at_s: int) -> dict:
    """Assign an alert to a handling level (1 district, 2 street, 3 community) and department."""
    if handling_level not in HANDLING_LEVELS:
        raise HandlingError(f"handling level must be one of {HANDLING_LEVELS}")
    return _act(con, actor, "assign", alert_id, at_s,
                "UPDATE alerts SET handling_level = ?, department = ? WHERE alert_id = ?",
                [handling_level, department], {"handling_level": handling_level, "department": department})


def silence(con: duckdb.DuckDBPyConnection, alert_id: int, actor: str, reason: str, until_s: int, at_s: int) -> dict:
    """Silence an alert until ``until_s`` (no notifications, no escalation) with a reason."""
    if not reason or not reason.strip():
        raise HandlingError("a silence needs a reason")
    if until_s <= at_s:
        raise HandlingError("a silence must expire in the future")
    return _act(con, actor, "silence", alert_id, at_s,
                "UPDATE alerts SET silenced_until = ?, silence_reason = ?, silence_id = NULL WHERE alert_id = ?",
                [utc_or_none(until_s), reason.strip()], {"reason": reason.strip(), "until": utc_or_none(until_s)})


def unsilence(con: duckdb.DuckDBPyConnection, alert_id: int, actor: str, at_s: int) -> dict:
    """End an alert's silence now."""
    return _act(con, actor, "unsilence", alert_id, at_s,
                "UPDATE alerts SET silenced_until = NULL WHERE alert_id = ?", [], {})


def escalate(con: duckdb.DuckDBPyConnection, alert_id: int, actor: str, reason: str, at_s: int) -> dict:
    """Move an alert one handling level up by hand."""
    level = con.execute("SELECT coalesce(handling_level, 3) FROM alerts WHERE alert_id = ?", [alert_id]).fetchone()
    if level is not None and level[0] <= 1:
        raise HandlingError("already at the district level")
    return _act(con, actor, "escalate", alert_id, at_s,
                "UPDATE alerts SET handling_level = coalesce(handling_level, 3) - 1, escalations = escalations + 1, "
                "escalated_at = ? WHERE alert_id = ?", [utc(at_s)], {"reason": reason})


def close(con: duckdb.DuckDBPyConnection, alert_id: int, actor: str, note: str, at_s: int) -> dict:
    """Close an alert with a resolution note (a series crossing again opens a new alert)."""
    if not note or not note.strip():
        raise HandlingError("closing needs a resolution note")
    return _act(con, actor, "close", alert_id, at_s,
                "UPDATE alerts SET state = 'closed', closed_by = ?, closed_at = ?, close_note = ? WHERE alert_id = ?",
                [actor.strip(), utc(at_s), note.strip()], {"note": note.strip()})


def audit_trail(con: duckdb.DuckDBPyConnection, alert_id: int) -> list[dict]:
    """Return an alert's handling actions, oldest first."""
    rows = con.execute("SELECT epoch(occurred_at)::BIGINT, actor, action, details FROM alert_audit WHERE alert_id = ? "
                       "ORDER BY audit_id", [alert_id]).fetchall()
    return [{"at_s": r[0], "actor": r[1], "action": r[2], "details": r[3]} for r in rows]
