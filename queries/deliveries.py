"""Read model of /deliveries: the notification outbox, newest first, with each message's state."""

from __future__ import annotations

import duckdb

from data.outbox import STATUSES

LIMIT = 300


def messages(con: duckdb.DuckDBPyConnection, status: str | None = None, limit: int = LIMIT) -> list[dict]:
    """Return the newest messages (optionally of one status) with attempts, next attempt and last error."""
    wanted = [status] if status in STATUSES else list(STATUSES)
    cursor = con.execute(
        "SELECT message_id, epoch(created_at)::BIGINT AS created_at, topic, receiver, status, attempts, "
        "epoch(next_attempt_at)::BIGINT AS next_attempt_at, epoch(last_attempt_at)::BIGINT AS last_attempt_at, "
        "epoch(sent_at)::BIGINT AS sent_at, http_status, last_error FROM outbox WHERE status IN (SELECT unnest(?)) "
        "ORDER BY message_id DESC LIMIT ?", [wanted, limit])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def status_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Return how many messages are in each status (every status, zero included)."""
    found = dict(con.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall())
    return {status: int(found.get(status, 0)) for status in STATUSES}
