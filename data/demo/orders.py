"""The demo city's work orders: about one dispatched case in a hundred becomes a work order, whose
life (report-in, work, feedback, verification, closing, or a return) is planned from a hash of the
case, so a build and a live tick agree on every step without a plan table.

Most departments sign for their orders well within the deadline; some late, a few return an order
as not theirs, some feedback is sent back once at verification: the closed-loop KPIs are not
empty and not perfect. Reminders and escalations are not planned: the server's deadline sweep
(data/orders/deadlines.py) sends them, as it would for any order, and the build runs it once at
its "now". :func:`play` writes what happened in (from_s, to_s] in bulk, in the caller's transaction.
"""

from __future__ import annotations

import json
import zlib

import duckdb
import numpy as np
import pandas as pd

from data import db, writer
from data.clock import DAY_S, HOUR_S
from data.orders.machine import DEFAULT_DEADLINES_H

ORDER_SHARE = 0.01                # of dispatched cases
LOOK_BACK_S = 10 * DAY_S          # the longest planned life: a late, sent-back feedback and its verification
CENTRE = "duty_demo"              # the centre's actor in the demo's history
PRIORITY_SHARES = (("critical", 0.05), ("urgent", 0.2), ("normal", 0.75))
RETURN_SHARE, REJECT_SHARE, LATE_REPORT_SHARE, LATE_FINISH_SHARE, SECOND_DEPARTMENT_SHARE = 0.06, 0.08, 0.12, 0.1, 0.2
# the step columns of a plan, in life order, with the state each leads to
STEPS = (("reported_s", "report_in", "reported"), ("started_s", "start", "in_progress"),
         ("first_feedback_s", "feedback", "feedback"), ("rejected_s", "reject", "in_progress"),
         ("feedback_s", "feedback", "feedback"), ("verified_s", "verify", "verified"),
         ("returned_s", "return", "returned"), ("closed_s", "close", "closed"))
ORDER_COLUMNS = ("reported_at", "started_at", "feedback_at", "verified_at", "closed_at", "returned_at")


def _cases(con: duckdb.DuckDBPyConnection, seed: int, since_s: int, until_s: int) -> pd.DataFrame:
    """Return the dispatched cases in (since_s, until_s] chosen to become orders (by a hash of the seed and case)."""
    frame = con.execute(
        "SELECT e.source, e.event_id, epoch(e.dispatched_at)::BIGINT AS created_s, e.grid_code, "
        "coalesce(e.handling_level, c.default_level, 3) AS level, coalesce(e.department, c.department) AS department, "
        "coalesce(c.name_zh, e.category_code) AS category FROM events e "
        "LEFT JOIN event_categories c ON c.code = e.category_code "
        "WHERE e.dispatched_at > to_timestamp(?) AND e.dispatched_at <= to_timestamp(?) AND e.grid_code IS NOT NULL "
        "AND coalesce(e.department, c.department) IN (SELECT code FROM departments)",
        [since_s, until_s]).df()
    keys = frame["source"] + ":" + frame["event_id"]
    draw = np.array([zlib.crc32(f"{seed}:order:{k}".encode()) / 2**32 for k in keys])
    return frame[draw < ORDER_SHARE].assign(key=keys[draw < ORDER_SHARE]).reset_index(drop=True)


def plan_orders(cases: pd.DataFrame, seed: int, departments: list[str]) -> pd.DataFrame:
    """Return one planned life per chosen case: deadlines and the instant of every step (NaN: never)."""
    rows = [_plan(row, np.random.default_rng(zlib.crc32(f"{seed}:{row.key}".encode())), departments)
            for row in cases.itertuples()]
    return pd.DataFrame(rows)


def _plan(case, rng: np.random.Generator, departments: list[str]) -> dict:
    priority = rng.choice([p for p, _ in PRIORITY_SHARES], p=[s for _, s in PRIORITY_SHARES])
    report_h, finish_h = DEFAULT_DEADLINES_H[priority]
    c = int(case.created_s)
    named = [case.department]
    if rng.random() < SECOND_DEPARTMENT_SHARE:
        named.append(str(rng.choice([d for d in departments if d != case.department])))
    plan = {"key": case.key, "title": f"{case.category} {case.event_id}", "unit_code": case.grid_code,
            "handling_level": int(case.level), "priority": priority, "departments": named, "created_s": c,
            "report_due_s": c + int(report_h * HOUR_S), "finish_due_s": c + int(finish_h * HOUR_S),
            **{column: np.nan for column, _, _ in STEPS}}
    if rng.random() < RETURN_SHARE:
        plan["returned_s"] = c + int(rng.uniform(10, 60) * 60)
        plan["closed_s"] = plan["returned_s"] + int(rng.uniform(1, 4) * HOUR_S)
        return plan
    late = rng.random() < LATE_REPORT_SHARE
    plan["reported_s"] = c + int(report_h * HOUR_S * (rng.uniform(1.1, 3) if late else rng.beta(2, 5)))
    plan["started_s"] = plan["reported_s"] + int(rng.uniform(5, 60) * 60)
    late = rng.random() < LATE_FINISH_SHARE
    finish = max(plan["started_s"] + 600, c + int(finish_h * HOUR_S * (rng.uniform(1.05, 2) if late else rng.beta(2, 4))))
    if rng.random() < REJECT_SHARE:
        plan["first_feedback_s"], plan["rejected_s"] = finish, finish + HOUR_S
        finish += int(rng.uniform(2, 8) * HOUR_S)
    plan["feedback_s"] = finish
    plan["verified_s"] = finish + int(rng.uniform(0.5, 6) * HOUR_S)
    plan["closed_s"] = plan["verified_s"] + int(rng.uniform(0.1, 2) * HOUR_S)
    return plan


def state_at(plan: pd.DataFrame, at_s: int) -> pd.Series:
    """Return each planned order's state at ``at_s`` (the state of its last step by then)."""
    state = pd.Series("dispatched", index=plan.index)
    for column, _, to_state in STEPS:          # in life order: a later step overrides
        state = state.mask(plan[column] <= at_s, to_state)
    return state


def history_rows(plan: pd.DataFrame, since_s: int, until_s: int) -> pd.DataFrame:
    """Return the history of the plans' steps (dispatch included) in (since_s, until_s]."""
    rows = []
    for p in plan.itertuples():
        steps = [(p.created_s, CENTRE, "dispatch", None, "dispatched", {"departments": p.departments})]
        state = "dispatched"
        for column, action, to_state in STEPS:
            at = getattr(p, column)
            if not pd.isna(at):
                actor = CENTRE if action in ("reject", "verify", "close") else p.departments[0]
                steps.append((int(at), actor, action, state, to_state, _details(action)))
                state = to_state
        rows += [(p.key, *step[:5], json.dumps(step[5], ensure_ascii=False)) for step in steps
                 if since_s < step[0] <= until_s]
    return pd.DataFrame(rows, columns=["key", "at_s", "actor", "action", "from_state", "to_state", "details"])


def _details(action: str) -> dict:
    texts = {"feedback": "已到场处置完毕，现场照片已上传", "reject": "现场复核仍未整改到位", "return": "不属本部门职责，请重新派单"}
    return {"text": texts[action]} if action in texts else {}


def play(con: duckdb.DuckDBPyConnection, seed: int, since_s: int, until_s: int) -> int:
    """Write the demo orders' dispatches and steps in (since_s, until_s]; return history rows written.

    An order a person has moved since (its state is not the plan's) is left to them."""
    if until_s <= since_s:
        return 0
    departments = [r[0] for r in con.execute("SELECT code FROM departments ORDER BY code").fetchall()]
    plan = plan_orders(_cases(con, seed, since_s - LOOK_BACK_S, until_s), seed, departments)
    if plan.empty or len(departments) < 2:
        return 0
    plan = plan.assign(state=state_at(plan, until_s), state_before=state_at(plan, since_s))
    _insert_new(con, plan[(plan["created_s"] > since_s) & (plan["created_s"] <= until_s)], until_s)
    moved = _update_moved(con, plan[(plan["created_s"] <= since_s) & (plan["state"] != plan["state_before"])], until_s)
    history = history_rows(plan[(plan["created_s"] > since_s) | plan["key"].isin(moved)], since_s, until_s)
    return _insert_history(con, history)


def _as_times(plan: pd.DataFrame) -> pd.DataFrame:
    columns = {"reported_at": plan["reported_s"], "started_at": plan["started_s"], "feedback_at": plan["feedback_s"],
               "verified_at": plan["verified_s"], "closed_at": plan["closed_s"], "returned_at": plan["returned_s"]}
    until = plan["until_s"]
    out = {name: values.where(values <= until) for name, values in columns.items()}
    first_feedback = plan["first_feedback_s"].where(plan["first_feedback_s"] <= until)
    out["feedback_at"] = out["feedback_at"].fillna(first_feedback)
    out["verify_failures"] = (plan["rejected_s"] <= until).astype("int32")
    return pd.DataFrame(out)


def _insert_new(con, new: pd.DataFrame, until_s: int) -> None:
    if new.empty:
        return
    times = _as_times(new.assign(until_s=until_s))
    frame = pd.DataFrame({
        "title": new["title"], "source_kind": "case", "source_id": new["key"], "unit_code": new["unit_code"],
        "handling_level": new["handling_level"].astype("int32"), "priority": new["priority"], "state": new["state"],
        "created_by": CENTRE, "created_at": new["created_s"], "report_due_at": new["report_due_s"],
        "finish_due_at": new["finish_due_s"], "updated_at": _last_step(new, until_s),
        "feedback": np.where(times["feedback_at"].notna(), _details("feedback")["text"], None),
        "return_reason": np.where(times["returned_at"].notna(), _details("return")["text"], None)}).join(times)
    writer.append_frame(con, "work_orders", frame)
    ids = dict(con.execute("SELECT source_id, order_id FROM work_orders WHERE source_kind = 'case' "
                           "AND source_id IN (SELECT unnest(?::VARCHAR[]))", [new["key"].tolist()]).fetchall())
    links = [(ids[k], d, i == 0) for k, named in zip(new["key"], new["departments"]) for i, d in enumerate(named)]
    writer.append_frame(con, "work_order_departments", pd.DataFrame(links, columns=["order_id", "department", "lead"]))


def _last_step(plan: pd.DataFrame, until_s: int) -> pd.Series:
    steps = plan[[column for column, _, _ in STEPS]]
    return steps.where(steps <= until_s).max(axis=1).fillna(plan["created_s"]).astype("int64")


def _update_moved(con, moved: pd.DataFrame, until_s: int) -> list[str]:
    """Carry the planned steps onto orders still in the state the plan had them in; return their keys."""
    if moved.empty:
        return []
    times = _as_times(moved.assign(until_s=until_s))
    frame = pd.DataFrame({"key": moved["key"], "state": moved["state"], "state_before": moved["state_before"],
                          "updated_at": _last_step(moved, until_s)}).join(times)
    arrow = writer.frame_to_arrow(frame, ("updated_at", *ORDER_COLUMNS))
    db.register(con, "_demo_order_moves", arrow)
    try:
        keys = con.execute(
            f"""UPDATE work_orders o SET state = m.state, updated_at = m.updated_at, verify_failures = m.verify_failures,
                   {', '.join(f'{c} = m.{c}' for c in ORDER_COLUMNS)},
                   feedback = CASE WHEN m.feedback_at IS NOT NULL THEN '{_details("feedback")["text"]}' END,
                   return_reason = CASE WHEN m.returned_at IS NOT NULL THEN '{_details("return")["text"]}' END
                FROM _demo_order_moves m
                WHERE o.source_kind = 'case' AND o.source_id = m.key AND o.created_by = '{CENTRE}'
                  AND o.state = m.state_before
                RETURNING o.source_id""").fetchall()
    finally:
        con.unregister("_demo_order_moves")
    return [k[0] for k in keys]


def _insert_history(con, history: pd.DataFrame) -> int:
    if history.empty:
        return 0
    ids = con.execute("SELECT source_id, order_id FROM work_orders WHERE source_kind = 'case' "
                      "AND source_id IN (SELECT unnest(?::VARCHAR[]))", [history["key"].unique().tolist()]).df()
    frame = history.merge(ids, left_on="key", right_on="source_id").sort_values(["at_s", "order_id"])
    return writer.append_frame(con, "work_order_history", frame[["order_id", "actor", "action", "from_state", "to_state",
                                                                 "details"]].assign(occurred_at=frame["at_s"]))
