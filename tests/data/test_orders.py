"""Work orders: the state machine table, dispatch checks, department scope, history, and the
deadline sweep on a test clock (reminders, then escalation one level up)."""

from __future__ import annotations

import json

import pytest

from access import accounts
from data import db, handover, settings
from data.orders import deadlines, machine, store
from data.orders.machine import OrderError

T0 = 1_795_000_000
CENTRE = accounts.PERMISSIONS["duty_officer"]
DEPARTMENT = accounts.PERMISSIONS["department"]
LEADER = accounts.PERMISSIONS["leader"]
ANALYST = accounts.PERMISSIONS["analyst"]


@pytest.fixture
def con(tiny_db_copy):
    """The tiny city without its demo orders: these tests count and sweep their own."""
    con = db.open_store(tiny_db_copy)
    for table in ("work_order_history", "work_order_departments", "work_orders"):
        con.execute(f"DELETE FROM {table}")
    yield con
    con.close()


def community(con) -> str:
    return con.execute("SELECT min(code) FROM admin_units WHERE level = 'community'").fetchone()[0]


def new_order(con, departments=("水务局", "城管局"), level=3, report_h=1.0, finish_h=24.0, **extra) -> int:
    fields = dict(title="积水点清理", unit_code=community(con), departments=list(departments), handling_level=level,
                  report_due_s=T0 + int(report_h * 3600), finish_due_s=T0 + int(finish_h * 3600), actor="duty",
                  permissions=CENTRE, at_s=T0)
    return store.create_order(con, **{**fields, **extra})


# (permissions, department, steps taken in order) → final state, or the error expected at the last step
LOOPS = [
    ("signed, fed back, verified, closed", [(DEPARTMENT, "水务局", "report_in", None), (DEPARTMENT, "水务局", "start", None),
                                           (DEPARTMENT, "水务局", "feedback", "已清理"), (CENTRE, None, "verify", None),
                                           (CENTRE, None, "close", None)], "closed"),
    ("the second department signs too", [(DEPARTMENT, "城管局", "report_in", None)], "reported"),
    ("returned with a reason, then closed", [(DEPARTMENT, "水务局", "return", "不属本部门"), (CENTRE, None, "close", None)],
     "closed"),
    ("feedback sent back for more work", [(DEPARTMENT, "水务局", "report_in", None),
                                          (DEPARTMENT, "水务局", "feedback", "已处理"), (CENTRE, None, "reject", "仍有积水")],
     "in_progress"),
    ("reminders and instructions keep the state", [(CENTRE, None, "remind", None), (LEADER, None, "instruct", "今日办结"),
                                                   (LEADER, None, "supervise", "专人跟进")], "dispatched"),
]
REFUSALS = [
    ("a department may not verify", [(DEPARTMENT, "水务局", "report_in", None), (DEPARTMENT, "水务局", "feedback", "好"),
                                     (DEPARTMENT, "水务局", "verify", None)], PermissionError),
    ("the centre may not report in for a department", [(CENTRE, None, "report_in", None)], PermissionError),
    ("an analyst may not remind", [(ANALYST, None, "remind", None)], PermissionError),
    ("another department's order is invisible", [(DEPARTMENT, "公安局", "report_in", None)], OrderError),
    ("feedback needs text", [(DEPARTMENT, "水务局", "report_in", None), (DEPARTMENT, "水务局", "feedback", "  ")],
     OrderError),
    ("return needs a reason", [(DEPARTMENT, "水务局", "return", None)], OrderError),
    ("no verifying before feedback", [(CENTRE, None, "verify", None)], OrderError),
    ("a closed order takes no step", [(DEPARTMENT, "水务局", "return", "错派"), (CENTRE, None, "close", None),
                                      (CENTRE, None, "remind", None)], OrderError),
    ("unknown step", [(CENTRE, None, "delete", None)], OrderError),
]


@pytest.mark.parametrize("name,steps,final", LOOPS, ids=[c[0] for c in LOOPS])
def test_the_loop_moves_through_the_declared_states(con, name, steps, final):
    order_id = new_order(con)
    for i, (permissions, department, action, text) in enumerate(steps):
        store.act(con, order_id, action, actor=f"user{i}", permissions=permissions, department=department,
                  at_s=T0 + 60 * (i + 1), text=text)
    assert store.order_row(con, order_id)["state"] == final
    trail = store.history(con, order_id)
    assert [h["action"] for h in trail] == ["dispatch"] + [s[2] for s in steps]
    assert [h["actor"] for h in trail] == ["duty"] + [f"user{i}" for i in range(len(steps))]
    assert [h["at_s"] for h in trail] == [T0] + [T0 + 60 * (i + 1) for i in range(len(steps))]


@pytest.mark.parametrize("name,steps,error", REFUSALS, ids=[c[0] for c in REFUSALS])
def test_refused_steps_change_nothing(con, name, steps, error):
    order_id = new_order(con)
    *before, last = steps
    for permissions, department, action, text in before:
        store.act(con, order_id, action, actor="u", permissions=permissions, department=department, at_s=T0 + 60,
                  text=text)
    row, trail = store.order_row(con, order_id), store.history(con, order_id)
    with pytest.raises(error):
        store.act(con, order_id, last[2], actor="u", permissions=last[0], department=last[1], at_s=T0 + 120,
                  text=last[3])
    assert store.order_row(con, order_id) == row and store.history(con, order_id) == trail


def test_every_step_names_a_permission_some_role_holds_and_states_exist():
    held = set().union(*accounts.PERMISSIONS.values())
    for step in machine.STEPS.values():
        assert step.permission in held, step
        assert set(step.from_states) <= set(machine.STATES) and step.to_state in (None, *machine.STATES)
    assert machine.DISPATCH_PERMISSION in held


@pytest.mark.parametrize("field,change", [
    ("title", {"title": " "}), ("unit_code", {"unit_code": "nope"}), ("departments", {"departments": []}),
    ("departments", {"departments": ["不存在的局"]}), ("handling_level", {"handling_level": 7}),
    ("priority", {"priority": "asap"}), ("report_due", {"report_due_s": T0}),
    ("report_due", {"report_due_s": T0 + 7200, "finish_due_s": T0 + 3600}),
    ("source_id", {"source_kind": "alert", "source_id": "999999"}), ("source_kind", {"source_kind": "tweet"}),
    ("source_id", {"source_kind": "case", "source_id": "hotline_12345:nope"}),
])
def test_a_bad_order_is_refused_naming_the_field_and_nothing_is_written(con, field, change):
    with pytest.raises(OrderError, match=f"^{field}"):
        new_order(con, **change)
    assert con.execute("SELECT count(*) FROM work_orders").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM work_order_history").fetchone()[0] == 0


def test_only_dispatching_roles_dispatch(con):
    with pytest.raises(PermissionError):
        new_order(con, permissions=ANALYST)
    with pytest.raises(PermissionError):
        new_order(con, permissions=DEPARTMENT)
    assert new_order(con, permissions=LEADER) > 0


def test_an_order_from_a_case_keeps_its_source(con):
    source, event_id = con.execute("SELECT source, event_id FROM events LIMIT 1").fetchone()
    order_id = new_order(con, source_kind="case", source_id=f"{source}:{event_id}")
    row = store.order_row(con, order_id)
    assert (row["source_kind"], row["source_id"], row["departments"]) == ("case", f"{source}:{event_id}",
                                                                          ["水务局", "城管局"])


def test_the_report_in_deadline_reminds_then_escalates_one_level_up(con):
    """A test clock: nothing at 29 min, the 50 % reminder at 30 min, the 80 % one at 48 min, the
    escalation to the street at 60 min, to the district one span later, then nothing more."""
    order_id = new_order(con, report_h=1.0, finish_h=48.0)
    clock = [(T0 + 29 * 60, 0, 0, 3), (T0 + 30 * 60, 1, 0, 3), (T0 + 40 * 60, 0, 0, 3), (T0 + 48 * 60, 1, 0, 3),
             (T0 + 59 * 60, 0, 0, 3), (T0 + 60 * 60, 0, 1, 2), (T0 + 61 * 60, 0, 0, 2), (T0 + 120 * 60, 0, 1, 1),
             (T0 + 600 * 60, 0, 0, 1)]
    for at_s, reminders, escalations, level in clock:
        assert deadlines.sweep(con, at_s) == {"reminders": reminders, "escalations": escalations}, at_s
        assert store.order_row(con, order_id)["handling_level"] == level
    trail = [(h["actor"], h["action"]) for h in store.history(con, order_id)]
    assert trail == [("duty", "dispatch"), ("system", "remind"), ("system", "remind"), ("system", "escalate"),
                     ("system", "escalate")]
    assert store.order_row(con, order_id)["report_due_at"] == T0 + 3600     # the deadline itself stays


def test_reminders_and_escalations_are_queued_once_in_the_outbox(con):
    order_id = new_order(con, report_h=1.0, finish_h=48.0)
    for at_s in (T0 + 30 * 60, T0 + 48 * 60, T0 + 60 * 60, T0 + 60 * 60):       # the last sweep twice
        deadlines.sweep(con, at_s)
    rows = con.execute("SELECT topic, receiver, body FROM outbox WHERE topic LIKE 'order.%' "
                       "AND body::JSON ->> 'order_id' = ? ORDER BY message_id", [str(order_id)]).fetchall()
    assert [row[0] for row in rows] == ["order.remind", "order.remind", "order.escalate"]
    assert {row[1] for row in rows} == {"*"}                       # to every receiver subscribed to the topic
    bodies = [json.loads(row[2]) for row in rows]
    assert [b["order_id"] for b in bodies] == [order_id] * 3 and [b.get("share") for b in bodies[:2]] == [0.5, 0.8]
    assert bodies[2]["to_level"] == 2 and f"#{order_id}" in bodies[2]["text"]


def test_the_handover_lists_the_open_orders_late_report_ins_first(con):
    on_time, late = new_order(con, report_h=5.0), new_order(con, report_h=1.0)
    closed = new_order(con)
    con.execute("UPDATE work_orders SET state = 'closed' WHERE order_id = ?", [closed])
    listed = [item["order_id"] for item in handover.open_orders(con, T0 + 2 * 3600)]
    assert listed == [late, on_time]


def test_a_signed_order_is_not_escalated_and_a_city_without_streets_skips_them(con):
    signed = new_order(con)
    store.act(con, signed, "report_in", actor="w", permissions=DEPARTMENT, department="水务局", at_s=T0 + 60)
    assert deadlines.sweep(con, T0 + 2 * 3600)["escalations"] == 0
    assert store.level_above((1, 3), 3) == 1 and store.level_above((1, 3), 1) is None


def test_reminder_shares_are_a_setting(con):
    db.put_settings(con, {settings.setting("order_remind_shares").stored: "0.25"})
    new_order(con, report_h=1.0, finish_h=4.0)
    assert deadlines.sweep(con, T0 + 15 * 60) == {"reminders": 1, "escalations": 0}
    db.put_settings(con, {settings.setting("order_remind_shares").stored: "1.5"})
    with pytest.raises(ValueError, match="orders.remind_shares"):
        deadlines.sweep(con, T0 + 20 * 60)
