"""Who may do what with alerts and work orders, through the real HTTP door (Dash callbacks posted
as the browser posts them), for every role: handling alerts is the duty officers' (and admins');
dispatching is the centre's and the leaders'; a department sees and acts on its own orders only."""

from __future__ import annotations

import json

import pytest

from access import accounts
from data.orders import machine, store
from layouts import ids
from tests.api.conftest import DEPARTMENT, ORIGIN

WHO = accounts.USER_ROLES
HANDLERS = {"admin", "duty_officer"}
DISPATCHERS = {"admin", "duty_officer", "leader"}


def _post(secured, who: str, output: str, outputs: list, inputs: list, state: list, changed: list[str]):
    body = {"output": output, "outputs": outputs, "inputs": inputs, "state": state, "changedPropIds": changed}
    return secured.client(who).post("/_dash-update-component", json=body, headers={"Origin": ORIGIN})


def _text(answer) -> str:
    return json.dumps(answer.get_json(), ensure_ascii=False) if answer.status_code == 200 else ""


@pytest.fixture(scope="module")
def orders(secured):
    """Two orders in the secured city: one to DEPARTMENT, one to another department."""
    con = secured.app_context.con.cursor()
    unit = con.execute("SELECT min(code) FROM admin_units WHERE level = 'community'").fetchone()[0]
    now = secured.app_context.now_s()
    made = {}
    for department in (DEPARTMENT, "公安局"):
        made[department] = store.create_order(
            con, title=f"access {department}", unit_code=unit, departments=[department],
            handling_level=store.handling_levels(con)[-1], report_due_s=now + 3600, finish_due_s=now + 7200,
            actor="test", permissions=machine.SYSTEM_PERMISSIONS, at_s=now - 60)
    return made


def _alert_audits(secured) -> int:
    return secured.app_context.con.cursor().execute("SELECT count(*) FROM alert_audit").fetchone()[0]


@pytest.fixture(scope="module")
def alert_id(secured) -> int:
    """A firing alert over the city (written as the evaluator would open one)."""
    con = secured.app_context.con.cursor()
    return con.execute("INSERT INTO alerts (indicator_id, unit_code, level, kind, state, severity, peak_severity, "
                       "started_at) SELECT 'cases.intake.count.today', code, 'city', 'threshold', 'firing', 'red', "
                       "'red', now() FROM admin_units WHERE level = 'city' RETURNING alert_id").fetchone()[0]


@pytest.mark.parametrize("who", WHO)
def test_only_handlers_acknowledge_alerts(secured, alert_id, who):
    before = _alert_audits(secured)
    keys = ("alerts-ack", "alerts-silence", "alerts-assign", "alerts-escalate", "alerts-close")
    answer = _post(secured, who, "..alerts-message.children...alerts-changed.data..",
                   [{"id": ids.ALERTS_MESSAGE, "property": "children"}, {"id": ids.ALERTS_CHANGED, "property": "data"}],
                   [{"id": k, "property": "n_clicks", "value": 1 if k == "alerts-ack" else None} for k in keys],
                   [{"id": i, "property": p, "value": v} for i, p, v in (
                       (ids.ALERTS_SELECTED, "data", alert_id), (ids.ALERTS_ACTOR, "value", "x"),
                       (ids.ALERTS_COMMENT, "value", "seen"), (ids.ALERTS_SILENCE_HOURS, "value", 1),
                       (ids.ALERTS_ASSIGN_LEVEL, "value", 3), (ids.ALERTS_DEPARTMENT, "value", ""),
                       (ids.ALERTS_CHANGED, "data", 0), (ids.LANGUAGE, "data", "en"))],
                   ["alerts-ack.n_clicks"])
    if who not in {"admin", "leader", "analyst", "duty_officer"}:
        assert answer.status_code == 403
        return
    assert answer.status_code == 200, answer.text
    handled = _alert_audits(secured) > before
    assert handled == (who in HANDLERS), (who, _text(answer))
    if who not in HANDLERS:
        assert "duty officers handle them" in _text(answer)


def _list_answer(secured, who: str):
    inputs = [{"id": ids.ORDERS_TICK, "property": "n_intervals", "value": 0}]
    inputs += [{"id": i, "property": "value", "value": None}
               for i in (ids.ORDERS_FILTER_STATE, ids.ORDERS_FILTER_DEPARTMENT, ids.ORDERS_FILTER_LEVEL)]
    inputs += [{"id": ids.ORDERS_CHANGED, "property": "data", "value": 0}, {"id": ids.LANGUAGE, "property": "data",
                                                                          "value": "zh"},
               {"id": ids.ORDERS_PAGE, "property": "data", "value": 0}]
    output = _output_of(secured, ids.ORDERS_TICK)
    outputs = [{"id": i, "property": prop} for i, prop in (part.rsplit(".", 1) for part in output[2:-2].split("..."))]
    return _post(secured, who, output, outputs, inputs, [{"id": ids.ORDERS_SHOWN, "property": "data", "value": None}],
                 [])


@pytest.mark.parametrize("who", WHO)
def test_the_list_shows_a_department_its_own_orders_only(secured, orders, who):
    answer = _list_answer(secured, who)
    assert answer.status_code == 200, (who, answer.text[:300])
    text = _text(answer)
    assert f"#{orders[DEPARTMENT]}" in text
    assert (f"#{orders['公安局']}\"" in text) == (who != "department")


def _step(secured, who: str, order_id: int, action: str, text: str | None = None):
    step_id = {"type": ids.ORDERS_STEP, "index": action}
    return _post(secured, who, "..orders-message.children...orders-changed.data..",
                 [{"id": ids.ORDERS_MESSAGE, "property": "children"}, {"id": ids.ORDERS_CHANGED, "property": "data"}],
                 [[{"id": step_id, "property": "n_clicks", "value": 1}]],
                 [{"id": ids.ORDERS_SELECTED, "property": "data", "value": order_id},
                  {"id": ids.ORDERS_STEP_TEXT, "property": "value", "value": text},
                  {"id": ids.ORDERS_CHANGED, "property": "data", "value": 0},
                  {"id": ids.LANGUAGE, "property": "data", "value": "en"}],
                 [json.dumps(step_id, separators=(",", ":"), sort_keys=True) + ".n_clicks"])


def test_a_department_cannot_touch_another_departments_order(secured, orders):
    con = secured.app_context.con.cursor()
    answer = _step(secured, "department", orders["公安局"], "report_in")
    assert answer.status_code == 200 and "no work order" in _text(answer)
    assert store.order_row(con, orders["公安局"])["state"] == "dispatched"


@pytest.mark.parametrize("who", ["analyst", "leader", "duty_officer"])
def test_the_centre_cannot_sign_for_a_department(secured, orders, who):
    answer = _step(secured, who, orders[DEPARTMENT], "report_in")
    assert answer.status_code == 200 and "may not report_in" in _text(answer)
    assert store.order_row(secured.app_context.con.cursor(), orders[DEPARTMENT])["state"] == "dispatched"


def _output_of(secured, input_id: str) -> str:
    """Return the registered output key of the callback fired by ``input_id`` (duplicate outputs carry a hash)."""
    deps = secured.client("admin").get("/_dash-dependencies").get_json()
    return next(d["output"] for d in deps if any(i["id"] == input_id for i in d["inputs"]))


def _dispatch(secured, who: str, unit: str):
    states = [(ids.ORDERS_NEW_TITLE, "value", "via http"), (ids.ORDERS_NEW_UNIT, "value", unit),
              (ids.ORDERS_NEW_DEPARTMENTS, "value", [DEPARTMENT]), (ids.ORDERS_NEW_LEVEL, "value", 3),
              (ids.ORDERS_NEW_PRIORITY, "value", "normal"), (ids.ORDERS_NEW_REPORT_H, "value", 1),
              (ids.ORDERS_NEW_FINISH_H, "value", 4), (ids.ORDERS_NEW_INSTRUCTIONS, "value", None),
              (ids.ORDERS_PREFILL, "data", {"source": None, "id": None}), (ids.ORDERS_CHANGED, "data", 0),
              (ids.LANGUAGE, "data", "en")]
    return _post(secured, who, _output_of(secured, f"{ids.ORDERS_DISPATCH}"),
                 [{"id": i, "property": p} for i, p in ((ids.ORDERS_MESSAGE, "children"), (ids.ORDERS_CHANGED, "data"),
                                                        (ids.ORDERS_SELECTED, "data"))],
                 [{"id": ids.ORDERS_DISPATCH, "property": "n_clicks", "value": 1}],
                 [{"id": i, "property": p, "value": v} for i, p, v in states], [f"{ids.ORDERS_DISPATCH}.n_clicks"])


@pytest.mark.parametrize("who", WHO)
def test_only_dispatchers_dispatch(secured, who):
    con = secured.app_context.con.cursor()
    unit = con.execute("SELECT min(code) FROM admin_units WHERE level = 'community'").fetchone()[0]
    before = con.execute("SELECT count(*) FROM work_orders WHERE title = 'via http'").fetchone()[0]
    answer = _dispatch(secured, who, unit)
    assert answer.status_code == 200, (who, answer.text[:300])
    after = con.execute("SELECT count(*) FROM work_orders WHERE title = 'via http'").fetchone()[0]
    assert (after == before + 1) == (who in DISPATCHERS), (who, _text(answer))
