"""Silences by matcher: every alert of an indicator (or of an indicator prefix, a domain) in a unit subtree.

A silence has a reason, a start and an expiry. While it is active the evaluator copies it onto
every open alert it covers, alerts that arise during it included (``alerts.silenced_until``,
``silence_reason``, ``silence_id``), so they neither notify nor escalate; each alert's trail
records which silence covered it. Creating, expiring and removing a silence are audited in
the audit log; expiring or removing one early ends it on the alerts it covered.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from data import audit, versions
from data.clock import utc, utc_or_none
from data.db import transaction
from indicators.alerting import store
from indicators.alerting.handling import HandlingError

OPEN_STATES = ("pending", "firing", "recovering", "no_data", "stale")
COVERS_SQL = """(CASE WHEN ends_with(s.indicator_match, '*')
                      THEN starts_with(a.indicator_id, rtrim(s.indicator_match, '*'))
                      ELSE a.indicator_id = s.indicator_match END)
                AND (s.unit_code IS NULL OR s.unit_code IN (a.unit_code, u.city_code, u.district_code,
                                                            u.street_code, u.community_code))"""


def check_match(indicator_match: str) -> str:
    """Return a cleaned matcher: an indicator id, or a prefix ending in one '*' (``air.*``, ``air.pm25.*``)."""
    text = (indicator_match or "").strip()
    if not text or text == "*":
        raise HandlingError("a silence needs an indicator or a prefix such as air.* (not everything)")
    if "*" in text[:-1] or any(c in text for c in "?[] "):
        raise HandlingError(f"not an indicator or prefix: {text!r} (only a trailing * is allowed)")
    return text


def covers(indicator_match: str, indicator_id: str) -> bool:
    """Return whether a matcher covers an indicator (the same test as COVERS_SQL)."""
    if indicator_match.endswith("*"):
        return indicator_id.startswith(indicator_match[:-1])
    return indicator_id == indicator_match


def create(con: duckdb.DuckDBPyConnection, actor: str, indicator_match: str, unit_code: str | None, reason: str,
           until_s: int, at_s: int, starts_s: int | None = None, known_ids: list[str] | None = None) -> dict:
    """Create a silence from ``starts_s`` (default now) until ``until_s``; silence the alerts it covers now.

    With ``known_ids`` (the catalog's indicator ids) a matcher that covers none of them is refused.
    """
    match, unit, starts_s = check_match(indicator_match), (unit_code or "").strip() or None, starts_s or at_s
    if known_ids is not None and not any(covers(match, i) for i in known_ids):
        raise HandlingError(f"{match} matches no indicator")
    _check(con, actor, reason, unit, starts_s, until_s, at_s)
    with transaction(con):
        silence_id = con.execute(
            "INSERT INTO alert_silences (indicator_match, unit_code, reason, created_by, created_at, starts_at, ends_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING silence_id",
            [match, unit, reason.strip(), actor.strip(), utc(at_s), utc_or_none(starts_s), utc_or_none(until_s)],
        ).fetchone()[0]
        audit.record(con, actor.strip(), "alert.silence.create", f"silence:{silence_id}",
                     {"match": match, "unit": unit, "reason": reason.strip(), "from": utc_or_none(starts_s),
                      "until": utc_or_none(until_s)})
        apply(con, at_s, silence_id=silence_id)
        versions.bump(con, "alerts", earliest_s=at_s)
    return silence_dict(con, silence_id)


def _check(con, actor: str, reason: str, unit: str | None, starts_s: int, until_s: int, at_s: int) -> None:
    if not actor or not actor.strip():
        raise HandlingError("an actor is required")
    if not reason or not reason.strip():
        raise HandlingError("a silence needs a reason")
    if until_s <= max(starts_s, at_s):
        raise HandlingError("a silence must expire in the future, after it starts")
    if unit and not con.execute("SELECT count(*) FROM admin_units WHERE code = ?", [unit]).fetchall()[0][0]:
        raise HandlingError(f"no unit {unit}")


def expire(con: duckdb.DuckDBPyConnection, silence_id: int, actor: str, at_s: int) -> dict:
    """End a silence now (it stays listed as expired); the alerts it covered are silenced no more."""
    return _end(con, silence_id, actor, at_s, remove=False)


def remove(con: duckdb.DuckDBPyConnection, silence_id: int, actor: str, at_s: int) -> dict:
    """End a silence now and take it off the list (the row and the audit keep the record)."""
    return _end(con, silence_id, actor, at_s, remove=True)


def _end(con, silence_id: int, actor: str, at_s: int, remove: bool) -> dict:
    if not actor or not actor.strip():
        raise HandlingError("an actor is required")
    row = con.execute("SELECT epoch(ends_at)::BIGINT, removed FROM alert_silences WHERE silence_id = ?",
                      [silence_id]).fetchall()
    if not row or row[0][1]:
        raise HandlingError(f"no silence {silence_id}")
    if not remove and row[0][0] <= at_s:
        raise HandlingError(f"silence {silence_id} has already expired")
    with transaction(con):
        con.execute("UPDATE alert_silences SET ends_at = least(ends_at, ?), ended_by = ?, removed = ? "
                    "WHERE silence_id = ?", [utc(at_s), actor.strip(), remove, silence_id])
        con.execute("UPDATE alerts SET silenced_until = ? WHERE silence_id = ? AND silenced_until > ?",
                    [utc(at_s), silence_id, utc(at_s)])
        audit.record(con, actor.strip(), "alert.silence." + ("remove" if remove else "expire"),
                     f"silence:{silence_id}", {"at": utc(at_s)})
        versions.bump(con, "alerts", earliest_s=at_s)
    return silence_dict(con, silence_id)


def apply(con: duckdb.DuckDBPyConnection, at_s: int, alert_id: int | None = None,
          silence_id: int | None = None) -> list[int]:
    """Copy the active silences onto the open alerts they cover (the longest wins); return the alerts changed.

    Call it inside the caller's transaction. Each newly covered alert gets a ``silence`` entry in
    its trail, by the silence's author, naming the silence.
    """
    rows = con.execute(
        f"""SELECT a.alert_id, s.silence_id, s.ends_at, s.reason, s.created_by
            FROM alerts a LEFT JOIN admin_units u ON u.code = a.unit_code
            JOIN alert_silences s ON {COVERS_SQL}
            WHERE NOT s.removed AND s.starts_at <= ? AND s.ends_at > ?
              AND a.state IN (SELECT unnest(?)) AND coalesce(a.silenced_until < s.ends_at, true)
              AND (?::BIGINT IS NULL OR a.alert_id = ?) AND (?::BIGINT IS NULL OR s.silence_id = ?)
            QUALIFY row_number() OVER (PARTITION BY a.alert_id ORDER BY s.ends_at DESC, s.silence_id) = 1""",
        [utc(at_s), utc(at_s), list(OPEN_STATES), alert_id, alert_id, silence_id, silence_id]).fetchall()
    for alert, silence, ends_at, reason, author in rows:
        con.execute("UPDATE alerts SET silenced_until = ?, silence_reason = ?, silence_id = ? WHERE alert_id = ?",
                    [ends_at, reason, silence, alert])
        store.audit(con, author, "silence", alert, {"silence": silence, "reason": reason, "until": ends_at}, at_s)
    return [r[0] for r in rows]


def list_silences(con: duckdb.DuckDBPyConnection, at_s: int, include_ended: bool = False) -> pd.DataFrame:
    """Return the silences not removed (active and scheduled first; expired ones too if asked), newest first."""
    return con.execute(
        """SELECT s.silence_id, s.indicator_match, s.unit_code, u.name_zh AS unit_name_zh, u.name_en AS unit_name_en,
                  s.reason, s.created_by, epoch(s.created_at)::BIGINT AS created_s,
                  epoch(s.starts_at)::BIGINT AS starts_s, epoch(s.ends_at)::BIGINT AS ends_s, s.ended_by,
                  CASE WHEN s.ends_at <= ? THEN 'expired' WHEN s.starts_at > ? THEN 'scheduled' ELSE 'active' END
                      AS status,
                  (SELECT count(*) FROM alerts a WHERE a.silence_id = s.silence_id AND a.silenced_until > ?)
                      AS alerts_silenced
           FROM alert_silences s LEFT JOIN admin_units u ON u.code = s.unit_code
           WHERE NOT s.removed AND (? OR s.ends_at > ?)
           ORDER BY (s.ends_at <= ?), s.silence_id DESC""",
        [utc(at_s)] * 3 + [include_ended] + [utc(at_s)] * 2).df()


def silence_dict(con: duckdb.DuckDBPyConnection, silence_id: int) -> dict:
    """Return one silence as a dict (times as epoch seconds)."""
    frame = con.execute("SELECT * FROM alert_silences WHERE silence_id = ?", [silence_id]).df()
    if frame.empty:
        raise HandlingError(f"no silence {silence_id}")
    row = frame.iloc[0].to_dict()
    return {k: (store.epoch(v) if k.endswith("_at") else (None if pd.isna(v) else v)) for k, v in row.items()}
