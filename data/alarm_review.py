"""The review queue of camera alarms: confirm one (a case in ``events`` with the alarm as its source)
or dismiss it with a reason. Each decision is one transaction, audited with its actor.

A confirmed alarm becomes a case of the camera channel: its category is the alarm type's, its
place the camera's grid and point, received when the alarm first occurred and accepted at the
confirmation, due after the category's service hours. ``then`` lets the caller add to the same
transaction (the work order made from the alarm: the orders module's ``create_order``); the id it
returns is kept on the alarm.
"""

from __future__ import annotations

from typing import Callable

import duckdb

from data import audit, versions
from data.alarm_types import ensure_camera_channel
from data.alarms import AlarmError
from data.clock import utc
from data.db import transaction
from data.text import check_text

DISMISS_REASONS = ("false_detection", "already_handled", "licensed_activity", "device_fault", "other")
MAX_NOTE = 200
OrderHook = Callable[[duckdb.DuckDBPyConnection, dict, tuple[str, str]], int | None]


def pending_alarm(con: duckdb.DuckDBPyConnection, alarm_id: int) -> dict:
    """Return a pending alarm with its type and camera, or raise AlarmError (unknown or reviewed)."""
    frame = con.execute(
        "SELECT a.*, t.name_zh, t.name_en, t.category_code, c.name AS camera_name, c.place, c.grid_code, c.lon, c.lat "
        "FROM alarms a JOIN alarm_types t ON t.code = a.type_code JOIN cameras c USING (camera_id) "
        "WHERE a.alarm_id = ?", [alarm_id]).df()
    if frame.empty:
        raise AlarmError(f"no alarm #{alarm_id}")
    alarm = frame.iloc[0].to_dict()
    if alarm["status"] != "pending":
        raise AlarmError(f"alarm #{alarm_id} is {alarm['status']}, not waiting for review")
    return alarm


def confirm(con: duckdb.DuckDBPyConnection, alarm_id: int, actor: str, note: str | None, at_s: int,
            then: OrderHook | None = None) -> tuple[str, str]:
    """Confirm a pending alarm: make its case (and, through ``then``, its order); return the case key."""
    note = check_text(note, "note", MAX_NOTE, required=False) or None
    with transaction(con):
        alarm = pending_alarm(con, alarm_id)
        case = create_case(con, alarm, at_s)
        order_id = then(con, alarm, case) if then else None
        con.execute("UPDATE alarms SET status = 'confirmed', reviewed_by = ?, reviewed_at = ?, review_note = ?, "
                    "case_source = ?, case_id = ?, order_id = ? WHERE alarm_id = ?",
                    [actor, utc(at_s), note, case[0], case[1], order_id, alarm_id])
        audit.record(con, actor, "alarm.confirm", f"alarm:{alarm_id}", {"case": f"{case[0]}:{case[1]}", "note": note})
        versions.bump(con, "events", earliest_s=int(alarm["first_at"].timestamp()))
    return case


def dismiss(con: duckdb.DuckDBPyConnection, alarm_id: int, actor: str, reason: str, note: str | None,
            at_s: int) -> None:
    """Dismiss a pending alarm with a reason (one of DISMISS_REASONS) and an optional note."""
    if reason not in DISMISS_REASONS:
        raise AlarmError(f"reason must be one of {DISMISS_REASONS}")
    note = check_text(note, "note", MAX_NOTE, required=reason == "other") or None
    with transaction(con):
        pending_alarm(con, alarm_id)
        con.execute("UPDATE alarms SET status = 'dismissed', reviewed_by = ?, reviewed_at = ?, review_note = ? "
                    "WHERE alarm_id = ?", [actor, utc(at_s), reason if note is None else f"{reason}: {note}", alarm_id])
        audit.record(con, actor, "alarm.dismiss", f"alarm:{alarm_id}", {"reason": reason, "note": note})


def create_case(con: duckdb.DuckDBPyConnection, alarm: dict, at_s: int) -> tuple[str, str]:
    """Insert the case of a confirmed alarm into ``events``; return its (source, event_id)."""
    category = alarm["category_code"]
    if not category:
        raise AlarmError(f"alarm type {alarm['type_code']} has no case category in this city: give it a "
                         "'category' in the alarm types file and load it again")
    sla_hours, level, department = con.execute(
        "SELECT sla_hours, default_level, department FROM event_categories WHERE code = ?", [category]).fetchone()
    source, event_id = ensure_camera_channel(con), f"ALARM-{int(alarm['alarm_id'])}"
    description = (f"{alarm['name_zh']} / {alarm['name_en']}: {alarm['place']} ({alarm['camera_name']}, "
                   f"{alarm['camera_id']}, x{int(alarm['reports'])})")
    con.execute(
        "INSERT INTO events (source, event_id, category_code, grid_code, lon, lat, received_at, accepted_at, due_at, "
        "status, handling_level, department, description, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ? + to_seconds(?), 'accepted', ?, ?, ?, ?)",
        [source, event_id, category, alarm["grid_code"], _number(alarm["lon"]), _number(alarm["lat"]),
         alarm["first_at"], utc(at_s), utc(at_s), float(sla_hours) * 3600, int(level), department, description,
         utc(at_s)])
    return source, event_id


def _number(value) -> float | None:
    return None if value is None or value != value else float(value)
