"""Writing work orders: dispatch and every later step, each one transaction with its history row.

:func:`create_order` is the one way an order comes to be (from an alert, a case, a unit on the map,
a camera alarm or by hand); :func:`act` takes every later step of data/orders/machine.py. Both take
the actor, the permissions of the actor's role and, for a department's user, its department: the
checks happen here, on the server, whatever page or API calls them. An order, its departments and
its first history row are written in one transaction, so a crash never leaves half an order.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from data import versions
from data.clock import utc
from data.db import transaction
from data.levels import store_levels
from data.orders.machine import (DISPATCH_PERMISSION, HANDLING_LEVEL_NAMES, MAX_TEXT, MAX_TITLE, PRIORITIES,
                                 SOURCE_KINDS, OrderError, check_step)

# the column each step stamps with its instant (and the text column it fills)
_STAMPS = {"report_in": ("reported_at", None), "start": ("started_at", None),
           "feedback": ("feedback_at", "feedback"), "return": ("returned_at", "return_reason"),
           "verify": ("verified_at", None), "close": ("closed_at", None), "supervise": ("supervised_at", None),
           "instruct": (None, "instructions")}


def handling_levels(con: duckdb.DuckDBPyConnection) -> tuple[int, ...]:
    """Return the handling levels of the store's city (1 district, 2 street, 3 community), those whose
    level its units have; a city with none of them (neighbourhoods right under the city) handles
    every order at one level, 1."""
    present = set(store_levels(con))
    return tuple(n for n, name in HANDLING_LEVEL_NAMES.items() if name in present) or (1,)


def level_above(levels: tuple[int, ...], level: int) -> int | None:
    """Return the handling level one step up from ``level`` among ``levels`` (None at the top)."""
    higher = [n for n in levels if n < level]
    return max(higher) if higher else None


def departments(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Return the city's departments (code, name_zh, name_en) by code."""
    rows = con.execute("SELECT code, name_zh, name_en FROM departments ORDER BY code").fetchall()
    return [{"code": r[0], "name_zh": r[1], "name_en": r[2]} for r in rows]


def create_order(con: duckdb.DuckDBPyConnection, *, title: str, unit_code: str, departments: list[str],
                 handling_level: int, report_due_s: int, finish_due_s: int, priority: str = "normal",
                 instructions: str | None = None, source_kind: str = "manual", source_id: str | None = None,
                 actor: str, permissions: frozenset[str], at_s: int) -> int:
    """Dispatch a work order; return its id. Raise OrderError naming the field at fault, or
    PermissionError when the role may not dispatch. ``source_kind`` and ``source_id`` name what it
    came from (alert id, 'source:event_id' of a case, unit code, alarm id; none for 'manual')."""
    if DISPATCH_PERMISSION not in permissions:
        raise PermissionError("your role may not dispatch work orders")
    named = _check_new_order(con, title, unit_code, departments, handling_level, report_due_s, finish_due_s,
                             priority, instructions, source_kind, source_id, actor, at_s)
    details = {"departments": named, "handling_level": handling_level, "priority": priority,
               "report_due": report_due_s, "finish_due": finish_due_s, "source": [source_kind, source_id]}
    with transaction(con):
        order_id = con.execute(
            "INSERT INTO work_orders (title, source_kind, source_id, unit_code, handling_level, priority, "
            "instructions, state, created_by, created_at, report_due_at, finish_due_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'dispatched', ?, ?, ?, ?, ?) RETURNING order_id",
            [title.strip(), source_kind, source_id, unit_code, handling_level, priority,
             (instructions or "").strip() or None, actor.strip(), utc(at_s), utc(report_due_s), utc(finish_due_s),
             utc(at_s)]).fetchone()[0]
        for position, department in enumerate(named):
            con.execute("INSERT INTO work_order_departments VALUES (?, ?, ?)", [order_id, department, position == 0])
        add_history(con, order_id, actor.strip(), "dispatch", None, "dispatched", details, at_s)
        versions.bump(con, "orders", earliest_s=at_s)
    return int(order_id)


def _check_new_order(con, title, unit_code, named, level, report_due_s, finish_due_s, priority, instructions,
                     source_kind, source_id, actor, at_s) -> list[str]:
    """Return the departments, deduplicated in order; raise OrderError naming the first bad field."""
    if not (actor or "").strip():
        raise OrderError("actor: required")
    if not (title or "").strip() or len(title) > MAX_TITLE:
        raise OrderError(f"title: required, at most {MAX_TITLE} characters")
    if not con.execute("SELECT count(*) FROM admin_units WHERE code = ?", [unit_code]).fetchone()[0]:
        raise OrderError(f"unit_code: no unit {unit_code!r}")
    named = list(dict.fromkeys(d for d in departments_text(named) if d))
    known = {d["code"] for d in departments(con)}
    if not named or any(d not in known for d in named):
        raise OrderError(f"departments: name one or more of the city's departments (unknown: "
                         f"{', '.join(d for d in named if d not in known) or 'none given'})")
    if level not in handling_levels(con):
        raise OrderError(f"handling_level: one of {handling_levels(con)}")
    if priority not in PRIORITIES:
        raise OrderError(f"priority: one of {', '.join(PRIORITIES)}")
    if not at_s < report_due_s <= finish_due_s:
        raise OrderError("report_due: the deadline to report in must come after dispatch and not after the finish")
    if instructions and len(instructions) > MAX_TEXT:
        raise OrderError(f"instructions: at most {MAX_TEXT} characters")
    _check_source(con, source_kind, source_id)
    return named


def departments_text(named) -> list[str]:
    """Return the department codes of a list (or one comma-separated string), stripped."""
    items = named.split(",") if isinstance(named, str) else list(named or [])
    return [str(item).strip() for item in items]


def _check_source(con, kind: str, source_id: str | None) -> None:
    if kind not in SOURCE_KINDS:
        raise OrderError(f"source_kind: one of {', '.join(SOURCE_KINDS)}")
    if kind == "manual":
        return
    if not source_id:
        raise OrderError(f"source_id: required for an order from a {kind}")
    if kind == "alert" and not (source_id.isdigit() and con.execute(
            "SELECT count(*) FROM alerts WHERE alert_id = ?", [int(source_id)]).fetchone()[0]):
        raise OrderError(f"source_id: no alert {source_id!r}")
    if kind == "case":
        channel, _, event_id = source_id.partition(":")
        if not con.execute("SELECT count(*) FROM events WHERE source = ? AND event_id = ?",
                           [channel, event_id]).fetchone()[0]:
            raise OrderError(f"source_id: no case {source_id!r} (write channel:case id)")
    if kind == "unit" and not con.execute("SELECT count(*) FROM admin_units WHERE code = ?", [source_id]).fetchone()[0]:
        raise OrderError(f"source_id: no unit {source_id!r}")


def act(con: duckdb.DuckDBPyConnection, order_id: int, action: str, *, actor: str, permissions: frozenset[str],
        department: str | None, at_s: int, text: str | None = None) -> dict:
    """Take one step on an order as ``actor`` (``department``: the department a department's user acts
    for); return the order. Raise OrderError or PermissionError, changing nothing."""
    if not (actor or "").strip():
        raise OrderError("actor: required")
    with transaction(con):
        order = order_row(con, order_id, department)
        step = check_step(action, order["state"], permissions, text)
        _apply(con, order, step.action, step.to_state, (text or "").strip() or None, at_s)
        add_history(con, order_id, actor.strip(), action, order["state"], step.to_state or order["state"],
                    {"text": (text or "").strip()} if text else {}, at_s)
        versions.bump(con, "orders", earliest_s=at_s)
    return order_row(con, order_id, department)


def _apply(con, order: dict, action: str, to_state: str | None, text: str | None, at_s: int) -> None:
    stamp, text_column = _STAMPS.get(action, (None, None))
    sets, params = ["updated_at = ?"], [utc(at_s)]
    if to_state:
        sets.append("state = ?")
        params.append(to_state)
    if stamp:
        sets.append(f"{stamp} = ?")
        params.append(utc(at_s))
    if text_column:
        sets.append(f"{text_column} = ?")
        params.append(text)
    if action == "remind":
        sets.append("reminders = reminders + 1")
    if action == "reject":
        sets.append("verify_failures = verify_failures + 1")
    if action == "escalate":
        _escalation(con, order, sets, params)
    con.execute(f"UPDATE work_orders SET {', '.join(sets)} WHERE order_id = ?", params + [order["order_id"]])


def _escalation(con, order: dict, sets: list, params: list) -> None:
    above = level_above(handling_levels(con), order["handling_level"])
    if above is None:
        raise OrderError("handling_level: the order is handled at the top level already")
    sets.extend(["handling_level = ?", "escalations = escalations + 1"])
    params.append(above)


def add_history(con, order_id: int, actor: str, action: str, from_state, to_state: str, details: dict,
                at_s: int) -> None:
    """Append one step to work_order_history."""
    con.execute("INSERT INTO work_order_history (order_id, occurred_at, actor, action, from_state, to_state, details) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", [order_id, utc(at_s), actor, action, from_state, to_state,
                                                 json.dumps(details, ensure_ascii=False, default=str)])


def order_row(con: duckdb.DuckDBPyConnection, order_id: int, department: str | None = None) -> dict:
    """Return one order with its departments (times as epoch seconds); raise OrderError when there is
    none, or when ``department`` (a department's user) is not among its departments."""
    frame = con.execute("SELECT * FROM work_orders WHERE order_id = ?", [order_id]).df()
    if frame.empty:
        raise OrderError(f"order_id: no work order {order_id}")
    row = {k: _plain(k, v) for k, v in frame.iloc[0].to_dict().items()}
    row["departments"] = [r[0] for r in con.execute(
        "SELECT department FROM work_order_departments WHERE order_id = ? ORDER BY NOT lead, department",
        [order_id]).fetchall()]
    if department is not None and department not in row["departments"]:
        raise OrderError(f"order_id: no work order {order_id}")     # another department's: as if absent
    return row


def _plain(key: str, value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if key.endswith("_at"):
        return int(pd.Timestamp(value).timestamp())
    return value.item() if hasattr(value, "item") else value


def history(con: duckdb.DuckDBPyConnection, order_id: int) -> list[dict]:
    """Return an order's steps, oldest first: instant (epoch s), actor, action, states and details."""
    rows = con.execute("SELECT epoch(occurred_at)::BIGINT, actor, action, from_state, to_state, details "
                       "FROM work_order_history WHERE order_id = ? ORDER BY history_id", [order_id]).fetchall()
    keys = ("at_s", "actor", "action", "from_state", "to_state", "details")
    return [dict(zip(keys, row)) for row in rows]


def user_department(con: duckdb.DuckDBPyConnection, username: str | None) -> str | None:
    """Return the department a user acts for (None for the centre's users)."""
    if not username:
        return None
    rows = con.execute("SELECT department FROM users WHERE username = ?", [username]).fetchall()
    return rows[0][0] if rows else None

