"""Read model of /alarms: the review queue, the cameras, and false-alarm rates by type and camera.

A false alarm is one the reviewers dismissed; the rate is dismissed / reviewed (confirmed plus
dismissed) among alarms first seen in the window. Quiet alarms are never reviewed and count in
neither. The catalog computes the same rates per unit (indicators/catalog/cameras.yaml).
"""

from __future__ import annotations

import duckdb

from data.alarm_types import SEVERITIES
from data.clock import utc

QUEUE_LIMIT = 200


def _records(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def review_queue(con: duckdb.DuckDBPyConnection, limit: int = QUEUE_LIMIT) -> list[dict]:
    """Return the alarms waiting for review, most severe and oldest first, with type and camera."""
    return _records(con.execute(
        "SELECT a.alarm_id, a.type_code, t.name_zh, t.name_en, a.severity, a.camera_id, c.name AS camera_name, "
        "c.place, c.grid_code, epoch(a.first_at)::BIGINT AS first_at, epoch(a.last_at)::BIGINT AS last_at, "
        "a.reports, a.confidence, a.description, t.category_code IS NOT NULL AS confirmable "
        "FROM alarms a JOIN alarm_types t ON t.code = a.type_code JOIN cameras c USING (camera_id) "
        "WHERE a.status = 'pending' ORDER BY list_position(?, a.severity) DESC, a.first_at LIMIT ?",
        [list(SEVERITIES), limit]))


def recent_decisions(con: duckdb.DuckDBPyConnection, limit: int = 30) -> list[dict]:
    """Return the latest reviewed alarms with who decided, when and why."""
    return _records(con.execute(
        "SELECT a.alarm_id, t.name_zh, t.name_en, c.place, a.status, a.reviewed_by, "
        "epoch(a.reviewed_at)::BIGINT AS reviewed_at, a.review_note, a.case_id "
        "FROM alarms a JOIN alarm_types t ON t.code = a.type_code JOIN cameras c USING (camera_id) "
        "WHERE a.status IN ('confirmed', 'dismissed') ORDER BY a.reviewed_at DESC, a.alarm_id DESC LIMIT ?", [limit]))


def false_alarm_rates(con: duckdb.DuckDBPyConnection, by: str, since_s: int, until_s: int) -> list[dict]:
    """Return reviewed, dismissed and the false-alarm rate per alarm type or camera (``by``: type|camera)
    among alarms first seen in [since_s, until_s), highest rate first."""
    key = {"type": "a.type_code", "camera": "a.camera_id"}[by]
    names = ("any_value(t.name_zh) AS name_zh, any_value(t.name_en) AS name_en" if by == "type"
             else "any_value(c.name) AS name_zh, any_value(c.name) AS name_en")
    return _records(con.execute(
        f"SELECT {key} AS key, {names}, count(*) AS reviewed, count(*) FILTER (WHERE a.status = 'dismissed') AS "
        "dismissed, dismissed / reviewed AS rate FROM alarms a JOIN alarm_types t ON t.code = a.type_code "
        "JOIN cameras c USING (camera_id) WHERE a.status IN ('confirmed', 'dismissed') AND a.first_at >= ? "
        "AND a.first_at < ? GROUP BY ALL ORDER BY rate DESC, key", [utc(since_s), utc(until_s)]))


def cameras(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Return the camera registry with each camera's latest report and pending alarms."""
    return _records(con.execute(
        "SELECT c.camera_id, c.name, c.place, c.grid_code, u.name_zh AS grid_zh, u.name_en AS grid_en, c.online, "
        "epoch(max(r.occurred_at))::BIGINT AS last_report, count(DISTINCT a.alarm_id) AS pending "
        "FROM cameras c LEFT JOIN admin_units u ON u.code = c.grid_code "
        "LEFT JOIN alarm_reports r USING (camera_id) LEFT JOIN alarms a ON a.camera_id = c.camera_id "
        "AND a.status = 'pending' GROUP BY ALL ORDER BY c.camera_id"))


def alarm_types(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Return the store's alarm types."""
    return _records(con.execute("SELECT code, name_zh, name_en, severity, category_code, dedupe_minutes, quiet_hours, "
                                "enabled FROM alarm_types ORDER BY code"))
