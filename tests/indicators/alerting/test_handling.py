"""Handling actions with their audit trail, and grouping of the live list up the hierarchy."""

from __future__ import annotations

import pytest

from indicators.alerting import handling, queries
from indicators.alerting.evaluator import AlertEvaluator
from indicators.alerting.rules import load_config
from tests.indicators.alerting.test_evaluator import CROWD, HOUR, T0, catalog, con, put, usual_history  # noqa: F401


def _units(con):
    community, street, district = con.execute(
        "SELECT code, street_code, district_code FROM admin_units WHERE level = 'community' ORDER BY code LIMIT 1"
    ).fetchone()
    return community, street, district


@pytest.fixture
def firing(con, catalog):
    community, street, district = _units(con)
    rows = [(CROWD, community, "community", 400.0, 100.0), (CROWD, street, "street", 400.0, 100.0),
            (CROWD, district, "district", 400.0, 100.0)]
    put(con, T0, rows)
    usual_history(con, [(street, "street"), (district, "district")])    # their rule is a z-score against history
    AlertEvaluator(catalog, "Asia/Shanghai", load_config()).evaluate(con, T0)
    return {level: con.execute("SELECT alert_id FROM alerts WHERE level = ?", [level]).fetchone()[0]
            for level in ("community", "street", "district")}


def test_actions_change_the_alert_and_are_audited(con, firing):
    alert_id = firing["community"]
    assert handling.acknowledge(con, alert_id, "duty-1", "on it", T0 + 60)["acked_by"] == "duty-1"
    assert handling.assign(con, alert_id, "duty-1", 2, "城管局", T0 + 120)["department"] == "城管局"
    assert handling.silence(con, alert_id, "duty-1", "crews on site", T0 + 4 * HOUR, T0 + 180)["silence_reason"]
    assert handling.escalate(con, alert_id, "duty-1", "needs the district", T0 + 240)["handling_level"] == 1
    closed = handling.close(con, alert_id, "leader-2", "crowd dispersed", T0 + 300)
    assert closed["state"] == "closed" and closed["close_note"] == "crowd dispersed"
    trail = handling.audit_trail(con, alert_id)
    assert [(e["actor"], e["action"]) for e in trail] == [("duty-1", "ack"), ("duty-1", "assign"), ("duty-1", "silence"),
                                                         ("duty-1", "escalate"), ("leader-2", "close")]
    with pytest.raises(handling.HandlingError):
        handling.acknowledge(con, alert_id, "duty-1", "again", T0 + 400)


@pytest.mark.parametrize("call", [
    lambda con, a: handling.silence(con, a, "x", "", T0 + HOUR, T0),
    lambda con, a: handling.silence(con, a, "x", "why", T0 - 1, T0),
    lambda con, a: handling.assign(con, a, "x", 4, "dept", T0),
    lambda con, a: handling.close(con, a, "x", " ", T0),
    lambda con, a: handling.acknowledge(con, a, "", "c", T0),
])
def test_invalid_actions_are_refused_and_not_audited(con, firing, call):
    with pytest.raises(handling.HandlingError):
        call(con, firing["street"])
    assert handling.audit_trail(con, firing["street"]) == []


def test_district_alert_gathers_the_same_indicators_alerts_beneath_it(con, firing):
    frame = queries.live_alerts(con, T0)
    assert set(frame["group_root"]) == {firing["district"]}
    groups = queries.grouped(frame)
    assert len(groups) == 1 and {m["alert_id"] for m in groups[0][1]} == {firing["street"], firing["community"]}
    assert queries.live_alerts(con, T0, level="street")["alert_id"].tolist() == [firing["street"]]


def test_history_shows_transitions_and_actions(con, firing):
    handling.acknowledge(con, firing["district"], "duty-1", "seen", T0 + 60)
    history = queries.alert_history(con, firing["district"])
    assert history["action"].tolist() == ["normal → pending", "pending → firing", "ack"]


def test_domain_and_unit_filters(con, firing):
    community, street, district = _units(con)
    assert set(queries.live_alerts(con, T0, domain="crowding")["alert_id"]) == set(firing.values())
    assert queries.live_alerts(con, T0, domain="air").empty
    assert set(queries.live_alerts(con, T0, unit=street)["alert_id"]) == {firing["street"], firing["community"]}
    assert set(queries.live_alerts(con, T0, unit=district)["alert_id"]) == set(firing.values())
