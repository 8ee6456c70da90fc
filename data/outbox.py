"""The notification outbox: messages written in the producer's transaction, delivered by the sender.

Any producer (the alert evaluator, the morning brief, order reminders) calls :func:`queue_message`
inside the transaction that records its event, so a message exists exactly when that event
committed: a crash before the commit loses both, a crash after it loses neither. The sender
(:mod:`data.delivery`) reads the table, not a memory queue, so a restart resumes what was queued.

A message's life: ``queued`` → ``sending`` (committed *before* the request leaves) → ``sent``, or
``failed`` (a 5xx, a timeout, a refused connection: tried again at ``next_attempt_at``, with
back-off) or ``refused`` (a 4xx: the receiver will never take it, so it is not retried). A row
still ``sending`` when the process starts was in flight during a crash: :func:`recover_interrupted`
makes it ``failed`` so it is sent again with the same idempotency key (see docs/NOTIFICATIONS.md).

The body is a JSON object. Group robots (WeCom, DingTalk) read ``text`` and ``mentions`` (mobile
numbers to @); a JSON receiver gets the whole body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb

from data.clock import now_utc

STATUSES = ("queued", "sending", "sent", "failed", "refused", "none")
PENDING = ("queued", "failed")            # what the sender picks up (failed ones once due)
FAN_OUT = "*"                             # legacy receiver: every receiver of the topic
MAX_TEXT = 4000                           # a robot message's text is cut here (WeCom takes 2048 bytes of
#                                           markdown, 4096 of text)
RETRY_BASE_S, RETRY_CAP_S = 10.0, 900.0   # back-off of failed messages: 10 s, 20 s, … at most 15 min


@dataclass(frozen=True)
class Message:
    """One queued message as the sender reads it."""

    message_id: int
    topic: str
    receiver: str
    body: dict
    attempts: int

    @property
    def idempotency_key(self) -> str:
        """Return the key sent with every attempt of this message (the same across a crash)."""
        return f"outbox-{self.message_id}"


def queue_message(con: duckdb.DuckDBPyConnection, *, topic: str, receiver: str, body: dict,
                  dedupe_key: str | None = None) -> int:
    """Queue ``body`` for ``receiver`` in the caller's transaction; return the message id.

    With a ``dedupe_key``, a message already queued for the same topic, receiver and key is
    returned instead of a second one (a job that runs twice notifies once)."""
    if not topic or not receiver:
        raise ValueError("a message needs a topic and a receiver")
    if not isinstance(body, dict):
        raise ValueError("a message body is a JSON object")
    if dedupe_key is not None:
        found = con.execute("SELECT message_id FROM outbox WHERE topic = ? AND receiver = ? AND dedupe_key = ? "
                            "ORDER BY message_id LIMIT 1", [topic, receiver, dedupe_key]).fetchone()
        if found:
            return found[0]
    text = json.dumps(body, ensure_ascii=False, default=str)
    return con.execute("INSERT INTO outbox (created_at, topic, receiver, body, dedupe_key) VALUES (?, ?, ?, ?, ?) "
                       "RETURNING message_id", [now_utc(), topic, receiver, text, dedupe_key]).fetchone()[0]


def recover_interrupted(con: duckdb.DuckDBPyConnection) -> int:
    """Make every message left ``sending`` by a dead process ``failed`` and due now; return how many.

    Call it once when the sender starts, before any sending: one process owns the store, so a
    ``sending`` row then can only be a request a crash interrupted."""
    rows = con.execute("UPDATE outbox SET status = 'failed', next_attempt_at = NULL, "
                       "last_error = 'interrupted: the process stopped while sending' "
                       "WHERE status = 'sending' RETURNING message_id").fetchall()
    return len(rows)


def fan_out(con: duckdb.DuckDBPyConnection, receivers_of: dict[str, tuple[str, ...]]) -> int:
    """Replace each pending legacy message (receiver '*') by one per receiver of its topic.

    ``receivers_of`` maps a topic to its receivers' names; return the messages queued."""
    legacy = con.execute("SELECT message_id, topic, body FROM outbox WHERE receiver = ? AND status IN (?, ?)",
                         [FAN_OUT, *PENDING]).fetchall()
    queued = 0
    for message_id, topic, body in legacy:
        for receiver in receivers_of.get(topic, ()):
            queue_message(con, topic=topic, receiver=receiver, body=json.loads(body),
                          dedupe_key=f"fan-out-{message_id}")
            queued += 1
        con.execute("UPDATE outbox SET status = 'none', last_error = ? WHERE message_id = ?",
                    [f"fanned out to {queued} receiver(s)", message_id])
    return queued


def next_due(con: duckdb.DuckDBPyConnection, receiver: str) -> Message | None:
    """Return the oldest message of ``receiver`` due now (queued, or failed and past its wait)."""
    row = con.execute("SELECT message_id, topic, receiver, body, attempts FROM outbox "
                      "WHERE receiver = ? AND status IN (?, ?) AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
                      "ORDER BY message_id LIMIT 1", [receiver, *PENDING, now_utc()]).fetchone()
    if row is None:
        return None
    return Message(row[0], row[1], row[2], json.loads(row[3]), row[4])


def seconds_until_due(con: duckdb.DuckDBPyConnection, receiver: str) -> float | None:
    """Return how long until ``receiver``'s next failed message is due (None: nothing waits)."""
    row = con.execute("SELECT min(next_attempt_at) FROM outbox WHERE receiver = ? AND status IN (?, ?)",
                      [receiver, *PENDING]).fetchone()
    if row is None or row[0] is None:
        return None
    return max(0.0, (row[0] - now_utc()).total_seconds())


def mark_sending(con: duckdb.DuckDBPyConnection, message_id: int) -> bool:
    """Record that an attempt starts (committed before the request leaves); False if already taken."""
    row = con.execute("UPDATE outbox SET status = 'sending', attempts = attempts + 1, last_attempt_at = ? "
                      "WHERE message_id = ? AND status IN (?, ?) RETURNING message_id",
                      [now_utc(), message_id, *PENDING]).fetchone()
    return row is not None


def mark_sent(con: duckdb.DuckDBPyConnection, message_id: int, http_status: int) -> None:
    """Record that the receiver took the message."""
    con.execute("UPDATE outbox SET status = 'sent', sent_at = ?, http_status = ?, last_error = NULL, "
                "next_attempt_at = NULL WHERE message_id = ?", [now_utc(), http_status, message_id])


def mark_refused(con: duckdb.DuckDBPyConnection, message_id: int, http_status: int | None, error: str) -> None:
    """Record that the receiver refused the message for good (a 4xx): it is not tried again."""
    con.execute("UPDATE outbox SET status = 'refused', http_status = ?, last_error = ?, next_attempt_at = NULL "
                "WHERE message_id = ?", [http_status, error[:500], message_id])


def mark_failed(con: duckdb.DuckDBPyConnection, message_id: int, attempts: int, http_status: int | None,
                error: str) -> float:
    """Record a failed attempt and when to try again (back-off by attempts); return the wait in seconds."""
    wait_s = retry_after_s(attempts)
    con.execute("UPDATE outbox SET status = 'failed', http_status = ?, last_error = ?, "
                "next_attempt_at = ? + to_seconds(?) WHERE message_id = ?",
                [http_status, error[:500], now_utc(), wait_s, message_id])
    return wait_s


def retry_after_s(attempts: int) -> float:
    """Return the wait after the ``attempts``-th failed attempt: 10 s doubling up to 15 minutes."""
    return min(RETRY_CAP_S, RETRY_BASE_S * 2 ** max(0, attempts - 1))


def pending_receivers(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Return the receivers that have messages waiting (queued or failed)."""
    return [r[0] for r in con.execute("SELECT DISTINCT receiver FROM outbox WHERE status IN (?, ?) ORDER BY 1",
                                      list(PENDING)).fetchall()]
