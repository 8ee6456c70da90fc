"""Deadlines of open work orders: automatic reminders (催办) and escalation one level up (升级).

At each configured share of a deadline's span (dispatch → report-in deadline while the order waits
to be signed for; dispatch → finish deadline until the feedback arrives) the order gets one
reminder, by the actor ``system``. When the report-in deadline passes and nobody has signed for
the order, it goes one handling level up (3 community → 2 street → 1 district, among the levels the
city has), and again after each further span of the same length, so an order nobody takes keeps
climbing to the top. The server runs :func:`sweep` after every indicator refresh; a test
runs it at any instant of its own clock. Each order's changes are one transaction, and each
reminder or escalation queues its message in the notification outbox in that same transaction
(topics ``order.remind`` and ``order.escalate``, to every receiver subscribed: docs/NOTIFICATIONS.md).
"""

from __future__ import annotations

import duckdb

from data import db, outbox, settings, versions
from data.clock import utc
from data.orders.machine import SYSTEM_ACTOR
from data.orders.store import add_history, handling_levels, level_above

# deadline → (its column, the states in which it is still waited for)
DEADLINES = {"report": ("report_due_at", ("dispatched",)),
             "finish": ("finish_due_at", ("dispatched", "reported", "in_progress"))}


def remind_shares(con: duckdb.DuckDBPyConnection) -> tuple[float, ...]:
    """Return the shares of each deadline at which a reminder goes out (the setting order_remind_shares)."""
    return settings.resolve("order_remind_shares", con=con)


def sweep(con: duckdb.DuckDBPyConnection, at_s: int) -> dict[str, int]:
    """Send the reminders due by ``at_s`` and escalate the orders past their report-in deadline;
    return how many of each."""
    shares = remind_shares(con)
    done = {"reminders": 0, "escalations": 0}
    for order_id, due_key, share in _due_reminders(con, at_s, shares):
        _remind(con, order_id, due_key, share, at_s)
        done["reminders"] += 1
    levels = handling_levels(con)
    for order_id, level in _late_report_ins(con, at_s):
        done["escalations"] += _escalate(con, order_id, level, levels, at_s)
    return done


def _due_reminders(con, at_s: int, shares: tuple[float, ...]) -> list[tuple[int, str, float]]:
    """Return (order, deadline, share) of every automatic reminder due and not yet sent."""
    due = []
    for key, (column, states) in DEADLINES.items():
        rows = con.execute(
            f"""SELECT o.order_id, s.share FROM work_orders o, (SELECT unnest($shares) AS share) s
                WHERE o.state IN (SELECT unnest($states))
                  AND epoch(o.created_at) + s.share * epoch(o.{column} - o.created_at) <= $at
                  AND NOT EXISTS (SELECT 1 FROM work_order_history h WHERE h.order_id = o.order_id
                                  AND h.action = 'remind' AND h.actor = $system
                                  AND h.details ->> 'deadline' = $key
                                  AND (h.details ->> 'share')::DOUBLE = s.share)
                ORDER BY o.order_id, s.share""",
            {"shares": list(shares), "states": list(states), "at": at_s, "system": SYSTEM_ACTOR,
             "key": key}).fetchall()
        due.extend((int(order_id), key, float(share)) for order_id, share in rows)
    return due


def _remind(con, order_id: int, key: str, share: float, at_s: int) -> None:
    details = {"deadline": key, "share": share}
    with db.transaction(con):
        state = con.execute("UPDATE work_orders SET reminders = reminders + 1, updated_at = ? WHERE order_id = ? "
                            "RETURNING state", [utc(at_s), order_id]).fetchone()[0]
        add_history(con, order_id, SYSTEM_ACTOR, "remind", state, state, details, at_s)
        _notify(con, "order.remind", order_id, details,
                f"【工单催办 order reminder】#{order_id}：{'报到' if key == 'report' else '办结'}时限已过"
                f" {share:.0%} / {share:.0%} of the {'report-in' if key == 'report' else 'finish'} time has passed")
        versions.bump(con, "orders", earliest_s=at_s)


def _late_report_ins(con, at_s: int) -> list[tuple[int, int]]:
    """Return (order, level) of the unsigned orders past their report-in deadline
    and, once escalated k times, past k more spans after it (the deadline itself stays: the
    on-time report-in rate reads it)."""
    rows = con.execute("SELECT order_id, handling_level FROM work_orders "
                       "WHERE state = 'dispatched' AND report_due_at + escalations * (report_due_at - created_at) <= ? "
                       "ORDER BY order_id", [utc(at_s)]).fetchall()
    return [(int(r[0]), int(r[1])) for r in rows]


def _escalate(con, order_id: int, level: int, levels: tuple[int, ...], at_s: int) -> int:
    """Move one late order a level up with a new report-in deadline; return 1, or 0 at the top level."""
    above = level_above(levels, level)
    if above is None:
        return 0
    with db.transaction(con):
        con.execute("UPDATE work_orders SET handling_level = ?, escalations = escalations + 1, updated_at = ? "
                    "WHERE order_id = ?", [above, utc(at_s), order_id])
        details = {"from_level": level, "to_level": above, "reason": "report_in_late"}
        add_history(con, order_id, SYSTEM_ACTOR, "escalate", "dispatched", "dispatched", details, at_s)
        _notify(con, "order.escalate", order_id, details,
                f"【工单升级 order escalated】#{order_id}：逾期未报到，由{level}级升至{above}级"
                f" / not reported in on time: level {level} → {above}")
        versions.bump(con, "orders", earliest_s=at_s)
    return 1


def _notify(con, topic: str, order_id: int, details: dict, text: str) -> None:
    """Queue the message of one reminder or escalation, once (a sweep run twice notifies once)."""
    key = f"order-{order_id}-{topic}-" + "-".join(str(value) for value in details.values())
    outbox.queue_message(con, topic=topic, receiver=outbox.FAN_OUT, dedupe_key=key,
                         body={"event": topic.replace(".", "_"), "order_id": order_id, **details, "text": text})


def on_refresh(con: duckdb.DuckDBPyConnection, summary) -> None:
    """Refresh listener (app.REFRESH_LISTENERS): sweep the deadlines at the refresh's instant."""
    sweep(con, summary.at_s)
