"""Read model of /duty: the shifts around now with their people, and the handovers written."""

from __future__ import annotations

import duckdb

from data.clock import utc

DAY_S = 86_400


def shifts(con: duckdb.DuckDBPyConnection, now_s: int, days_before: int = 1, days_after: int = 7) -> list[dict]:
    """Return the shifts from a day before ``now_s`` to a week after, each with its people (name, duty
    role, mobile; leaders first)."""
    cursor = con.execute(
        "SELECT s.shift_id, epoch(s.starts_at)::BIGINT AS starts_at, epoch(s.ends_at)::BIGINT AS ends_at, s.label, "
        "s.starts_at <= ? AND s.ends_at > ? AS on_duty, "
        "list({'name': p.name, 'duty_role': p.duty_role, 'mobile': p.mobile} ORDER BY p.duty_role, p.name) "
        "FILTER (WHERE p.name IS NOT NULL) AS people FROM duty_shifts s LEFT JOIN duty_people p USING (shift_id) "
        "WHERE s.ends_at > ? AND s.starts_at < ? GROUP BY s.shift_id, s.starts_at, s.ends_at, s.label ORDER BY s.starts_at",
        [utc(now_s), utc(now_s), utc(now_s - days_before * DAY_S), utc(now_s + days_after * DAY_S)])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def handovers(con: duckdb.DuckDBPyConnection, limit: int = 30) -> list[dict]:
    """Return the latest handovers: when, the shifts, and how many open items of each kind."""
    cursor = con.execute(
        "SELECT h.handover_id, epoch(h.changed_at)::BIGINT AS changed_at, epoch(h.written_at)::BIGINT AS written_at, "
        "f.label AS from_label, t.label AS to_label, h.items FROM handovers h "
        "LEFT JOIN duty_shifts f ON f.shift_id = h.from_shift_id LEFT JOIN duty_shifts t ON t.shift_id = h.to_shift_id "
        "ORDER BY h.changed_at DESC LIMIT ?", [limit])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
