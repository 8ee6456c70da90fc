"""Camera and IoT alarm reports in: checked, de-duplicated, quiet hours applied, notified.

Each report names a registered camera, an alarm type and the instant it occurred. Reports of the
same camera and type close in time fold into one alarm with a count: a report joins an alarm when
it occurred within the type's ``dedupe_minutes`` of the alarm's span [first_at, last_at] (so a
camera that keeps reporting a blocked road every few minutes makes one alarm, however long it
lasts), and only an alarm of the same kind, quiet or not (an alarm that goes on after the quiet
hours end starts a new, reviewable alarm). A report in its type's quiet hours (local time of its
occurrence) makes or joins a ``quiet`` alarm: kept and counted, never queued for review nor
notified. A report whose ``external_id`` the camera already sent is answered ``duplicate`` and
counted once. A new red alarm is queued in the outbox for the receivers of topic ``alarm.new``,
@-mentioning the people on duty, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import duckdb

from data import outbox, roster
from data.alarm_types import in_quiet_hours, parse_quiet_hours, stored_types
from data.cameras import CameraError, check_camera_id
from data.clock import utc
from data.db import transaction
from data.text import TextError, check_text

MAX_REPORTS = 500                   # per request
MAX_FUTURE_S = 300                  # a camera clock may run a little ahead
MAX_AGE_S = 7 * 86_400              # older reports are refused: a late feed replaying a week is a mistake
MAX_DESCRIPTION, MAX_EXTERNAL_ID = 500, 64
NOTIFY_SEVERITIES = ("red",)
TOPIC_NEW = "alarm.new"


class AlarmError(ValueError):
    """An alarm cannot be recorded or reviewed; the message says why."""


@dataclass(frozen=True)
class Report:
    """One checked report."""

    camera_id: str
    type_code: str
    occurred_s: int
    external_id: str | None
    description: str | None
    confidence: float | None


def parse_instant(value, field: str = "occurred_at") -> int:
    """Return epoch seconds of an ISO 8601 instant with an offset (or Z), or of epoch seconds."""
    if isinstance(value, bool):
        raise AlarmError(f"{field} must be an ISO 8601 time with an offset, or epoch seconds")
    if isinstance(value, (int, float)):
        return int(value)
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise AlarmError(f"{field} must be an ISO 8601 time with an offset, like 2026-12-07T08:30:00+08:00") from None
    if moment.tzinfo is None:
        raise AlarmError(f"{field} needs an offset (+08:00 or Z): a camera's local time is ambiguous")
    return int(moment.timestamp())


def check_report(raw, now_s: int, types: dict, cameras: set[str]) -> Report:
    """Return the checked report, or raise AlarmError/TextError naming the faulty field."""
    if not isinstance(raw, dict):
        raise AlarmError("a report is a JSON object")
    unknown = set(raw) - {"camera_id", "type", "occurred_at", "external_id", "description", "confidence"}
    if unknown:
        raise AlarmError(f"unknown field(s) {sorted(unknown)[:5]}")
    try:
        camera_id = check_camera_id(raw.get("camera_id"))
    except CameraError as exc:
        raise AlarmError(f"camera_id: {exc}") from None
    if camera_id not in cameras:
        raise AlarmError(f"camera_id: camera {camera_id} is not registered")
    kind = types.get(str(raw.get("type", "")))
    if kind is None or not kind["enabled"]:
        raise AlarmError(f"type: not a known alarm type (one of {sorted(types)[:12]})")
    occurred = parse_instant(raw.get("occurred_at"))
    if occurred > now_s + MAX_FUTURE_S:
        raise AlarmError("occurred_at is in the future")
    if occurred < now_s - MAX_AGE_S:
        raise AlarmError("occurred_at is more than 7 days old")
    return Report(camera_id, kind["code"], occurred,
                  check_text(raw.get("external_id"), "external_id", MAX_EXTERNAL_ID, required=False) or None,
                  check_text(raw.get("description"), "description", MAX_DESCRIPTION, required=False) or None,
                  _confidence(raw.get("confidence")))


def _confidence(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise AlarmError("confidence must be a number from 0 to 1")
    return float(value)


def receive(con: duckdb.DuckDBPyConnection, items: list, now_s: int, tz: str) -> list[dict]:
    """Record a request's reports in one transaction; return one result per item, in order:
    {"index", "status": new|merged|quiet|duplicate|rejected, "alarm_id" or "reason"}."""
    if len(items) > MAX_REPORTS:
        raise AlarmError(f"at most {MAX_REPORTS} reports per request")
    types = stored_types(con)
    cameras = {r[0] for r in con.execute("SELECT camera_id FROM cameras").fetchall()}
    results: list[dict] = [{}] * len(items)
    checked = []
    for index, raw in enumerate(items):
        try:
            checked.append((index, check_report(raw, now_s, types, cameras)))
        except (AlarmError, TextError) as exc:
            results[index] = {"index": index, "status": "rejected", "reason": str(exc)}
    with transaction(con):
        for index, report in sorted(checked, key=lambda pair: pair[1].occurred_s):
            status, alarm_id = record_report(con, report, types[report.type_code], now_s, tz)
            results[index] = {"index": index, "status": status, "alarm_id": alarm_id}
        if checked:
            con.execute("UPDATE cameras SET online = true, status_at = ? WHERE camera_id IN (SELECT unnest(?))",
                        [utc(now_s), sorted({r.camera_id for _, r in checked})])
    return results


def record_report(con: duckdb.DuckDBPyConnection, report: Report, kind: dict, now_s: int, tz: str) -> tuple[str, int]:
    """Fold one checked report into its alarm (in the caller's transaction); return (outcome, alarm id)."""
    if report.external_id:
        seen = con.execute("SELECT alarm_id FROM alarm_reports WHERE camera_id = ? AND external_id = ? LIMIT 1",
                           [report.camera_id, report.external_id]).fetchone()
        if seen:
            return "duplicate", seen[0]
    quiet = is_quiet(kind, report.occurred_s, tz)
    alarm_id = joinable_alarm(con, report, kind["dedupe_minutes"], quiet)
    if alarm_id is not None:
        con.execute("UPDATE alarms SET reports = reports + 1, first_at = least(first_at, ?), "
                    "last_at = greatest(last_at, ?), confidence = greatest(confidence, ?), "
                    "description = coalesce(?, description) WHERE alarm_id = ?",
                    [utc(report.occurred_s), utc(report.occurred_s), report.confidence, report.description, alarm_id])
        outcome = "merged"
    else:
        alarm_id = open_alarm(con, report, kind, "quiet" if quiet else "pending", now_s)
        outcome = "quiet" if quiet else "new"
    con.execute("INSERT INTO alarm_reports (received_at, occurred_at, camera_id, type_code, external_id, confidence, "
                "alarm_id, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [utc(now_s), utc(report.occurred_s), report.camera_id, report.type_code, report.external_id,
                 report.confidence, alarm_id, outcome])
    return outcome, alarm_id


def is_quiet(kind: dict, occurred_s: int, tz: str) -> bool:
    """Return whether an instant falls in the type's quiet hours, read in the city's local time."""
    local = utc(occurred_s).astimezone(ZoneInfo(tz)).time()
    return in_quiet_hours(parse_quiet_hours(kind.get("quiet_hours")), local)


def joinable_alarm(con: duckdb.DuckDBPyConnection, report: Report, minutes: int, quiet: bool) -> int | None:
    """Return the alarm of the report's camera and type whose span, widened by ``minutes``, holds the
    report and whose quietness matches (None: the report opens a new alarm)."""
    if minutes <= 0:
        return None
    row = con.execute(
        "SELECT alarm_id FROM alarms WHERE camera_id = ? AND type_code = ? AND (status = 'quiet') = ? "
        "AND first_at - to_minutes(?) <= ? AND last_at + to_minutes(?) >= ? ORDER BY last_at DESC LIMIT 1",
        [report.camera_id, report.type_code, quiet, minutes, utc(report.occurred_s), minutes,
         utc(report.occurred_s)]).fetchone()
    return row[0] if row else None


def open_alarm(con: duckdb.DuckDBPyConnection, report: Report, kind: dict, status: str, now_s: int) -> int:
    """Insert a new alarm for a report; queue its notification when it is pending and severe enough."""
    alarm_id = con.execute(
        "INSERT INTO alarms (camera_id, type_code, severity, first_at, last_at, received_at, status, description, "
        "confidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING alarm_id",
        [report.camera_id, report.type_code, kind["severity"], utc(report.occurred_s), utc(report.occurred_s),
         utc(now_s), status, report.description, report.confidence]).fetchone()[0]
    if status == "pending" and kind["severity"] in NOTIFY_SEVERITIES:
        notify_new(con, alarm_id, report, kind, now_s)
    return alarm_id


def notify_new(con: duckdb.DuckDBPyConnection, alarm_id: int, report: Report, kind: dict, now_s: int) -> int:
    """Queue the new-alarm message for every receiver of topic alarm.new, @-mentioning the shift."""
    place = con.execute("SELECT place, name FROM cameras WHERE camera_id = ?", [report.camera_id]).fetchone()
    text = (f"【{kind['name_zh']} {kind['name_en']}】{place[0]}（{place[1]}，{report.camera_id}）"
            f"告警 #{alarm_id} alarm #{alarm_id}")
    body = {"event": "alarm_new", "alarm": {"alarm_id": alarm_id, "camera_id": report.camera_id,
                                             "type": report.type_code, "severity": kind["severity"],
                                             "occurred_at": report.occurred_s, "place": place[0]},
            "text": text, "mentions": roster.mobiles_on_duty(con, now_s)}
    return outbox.queue_message(con, topic=TOPIC_NEW, receiver=outbox.FAN_OUT, body=body,
                                dedupe_key=f"alarm-{alarm_id}")
