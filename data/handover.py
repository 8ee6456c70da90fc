"""Shift handovers (交接班): at each shift change, a record of what the outgoing shift hands on.

The background job (:func:`write_due_handover`, run every minute by the server) writes one handover
per shift once it has begun: the open alerts, the camera alarms still waiting for review and the
open work orders (OPEN_ITEMS: one reader per kind). Only the shift on duty now gets one: a handover lists what is open at the
moment it is written, so writing one for a past shift would invent its state.
"""

from __future__ import annotations

import json
from typing import Callable

import duckdb

from data.alarm_types import SEVERITIES
from data.clock import now_utc, utc
from data.db import transaction

MAX_ITEMS = 200                     # per kind; the count says how many there were
OpenItems = Callable[[duckdb.DuckDBPyConnection, int], list[dict]]


def open_alerts(con: duckdb.DuckDBPyConnection, at_s: int) -> list[dict]:
    """Return the alerts not closed nor resolved at ``at_s``, most severe first."""
    cursor = con.execute(
        "SELECT alert_id, indicator_id, unit_code, severity, state, epoch(fired_at)::BIGINT AS fired_at, acked_by, "
        "handling_level FROM alerts WHERE state IN ('pending', 'firing', 'recovering') AND started_at <= ? "
        "ORDER BY list_position(?, severity) DESC, alert_id LIMIT ?", [utc(at_s), list(SEVERITIES), MAX_ITEMS + 1])
    return _records(cursor)


def pending_alarms(con: duckdb.DuckDBPyConnection, at_s: int) -> list[dict]:
    """Return the camera alarms waiting for review at ``at_s``, most severe first."""
    cursor = con.execute(
        "SELECT a.alarm_id, a.type_code, a.camera_id, c.place, a.severity, a.reports, "
        "epoch(a.first_at)::BIGINT AS first_at FROM alarms a JOIN cameras c USING (camera_id) "
        "WHERE a.status = 'pending' AND a.received_at <= ? "
        "ORDER BY list_position(?, a.severity) DESC, a.alarm_id LIMIT ?", [utc(at_s), list(SEVERITIES), MAX_ITEMS + 1])
    return _records(cursor)


def open_orders(con: duckdb.DuckDBPyConnection, at_s: int) -> list[dict]:
    """Return the work orders open at ``at_s`` (neither closed nor returned), late report-ins first."""
    cursor = con.execute(
        "SELECT order_id, title, unit_code, state, handling_level, epoch(report_due_at)::BIGINT AS report_due_at, "
        "epoch(finish_due_at)::BIGINT AS finish_due_at FROM work_orders "
        "WHERE state NOT IN ('closed', 'returned') AND created_at <= ? "
        "ORDER BY (state = 'dispatched' AND report_due_at <= ?) DESC, finish_due_at, order_id LIMIT ?",
        [utc(at_s), utc(at_s), MAX_ITEMS + 1])
    return _records(cursor)


def _records(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


OPEN_ITEMS: dict[str, OpenItems] = {"alerts": open_alerts, "alarms": pending_alarms, "orders": open_orders}


def handover_items(con: duckdb.DuckDBPyConnection, at_s: int) -> dict:
    """Return {kind: {"count", "items"}} of every registered kind of open item at ``at_s``."""
    found = {}
    for kind, read in OPEN_ITEMS.items():
        rows = read(con, at_s)
        found[kind] = {"count": len(rows) if len(rows) <= MAX_ITEMS else f">{MAX_ITEMS}", "items": rows[:MAX_ITEMS]}
    return found


def write_due_handover(con: duckdb.DuckDBPyConnection, now_s: int) -> int | None:
    """Write the handover of the shift on duty at ``now_s`` unless it has one; return its id (None: none due)."""
    row = con.execute("SELECT shift_id, epoch(starts_at)::BIGINT FROM duty_shifts WHERE starts_at <= ? AND ends_at > ? "
                      "ORDER BY starts_at DESC LIMIT 1", [utc(now_s), utc(now_s)]).fetchone()
    if row is None:
        return None
    shift_id, starts_s = row
    with transaction(con):
        if con.execute("SELECT count(*) FROM handovers WHERE to_shift_id = ?", [shift_id]).fetchone()[0]:
            return None
        before = con.execute("SELECT shift_id FROM duty_shifts WHERE ends_at <= ? ORDER BY ends_at DESC LIMIT 1",
                             [utc(starts_s)]).fetchone()
        items = json.dumps(handover_items(con, now_s), ensure_ascii=False, default=str)
        return con.execute("INSERT INTO handovers (changed_at, from_shift_id, to_shift_id, written_at, items) "
                           "VALUES (?, ?, ?, ?, ?) RETURNING handover_id",
                           [utc(starts_s), before[0] if before else None, shift_id, now_utc(), items]).fetchone()[0]


def handover(con: duckdb.DuckDBPyConnection, handover_id: int) -> dict | None:
    """Return one handover with its shifts' labels and people (None if there is no such handover)."""
    cursor = con.execute("SELECT * FROM handovers WHERE handover_id = ?", [handover_id])
    rows = _records(cursor)
    if not rows:
        return None
    found = rows[0] | {"items": json.loads(rows[0]["items"])}
    for side in ("from_shift_id", "to_shift_id"):
        found[side.replace("_id", "")] = shift_people(con, found[side]) if found[side] is not None else []
    return found


def shift_people(con: duckdb.DuckDBPyConnection, shift_id: int) -> list[dict]:
    """Return the people of a shift (leaders first)."""
    return _records(con.execute("SELECT name, duty_role, mobile FROM duty_people WHERE shift_id = ? "
                                "ORDER BY duty_role, name", [shift_id]))
