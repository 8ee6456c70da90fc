"""POST /api/v1/alarms through the app's request guard, and who may review, edit the roster or read
the delivery log, enforced on the server whatever the page shows."""

from __future__ import annotations

import json

import pytest

from data import cameras
from tests.api.conftest import ORIGIN

CAMERA = "32110200001320000017"


@pytest.fixture(scope="module")
def feed(secured):
    """Register one camera in the secured app's store; return a client posting with the alarm token."""
    cursor = secured.app_context.cursor()
    grid = cursor.execute("SELECT min(code) FROM admin_units WHERE level = 'grid'").fetchone()[0]
    cameras.save_cameras(cursor, [{"camera_id": CAMERA, "name": "东门路口监控", "place": "东门", "lon": None,
                                   "lat": None, "grid_code": grid, "online": True}])
    client = secured.dash_app.server.test_client()
    return lambda body, token=secured.alarm_token: client.post(
        "/api/v1/alarms", data=body if isinstance(body, bytes) else json.dumps(body),
        headers={"Authorization": f"Bearer {token}"}, content_type="application/json")


def _at(secured, minutes_before: int) -> int:
    return secured.app_context.now_s() - minutes_before * 60


def test_reports_are_recorded_with_a_result_each(secured, feed):
    answer = feed([{"camera_id": CAMERA, "type": "crowding", "occurred_at": _at(secured, 30), "external_id": "a1"},
                   {"camera_id": CAMERA, "type": "crowding", "occurred_at": _at(secured, 25), "external_id": "a2"},
                   {"camera_id": CAMERA, "type": "crowding", "occurred_at": _at(secured, 25), "external_id": "a2"},
                   {"camera_id": "123", "type": "crowding", "occurred_at": _at(secured, 1)}])
    assert answer.status_code == 200, answer.text
    body = answer.get_json()
    assert [r["status"] for r in body["results"]] == ["new", "merged", "duplicate", "rejected"]
    assert "camera_id" in body["results"][3]["reason"] and body["accepted"] == 3


@pytest.mark.parametrize("body, status, message", [
    (b"{not json", 400, "UTF-8 JSON"),
    (b"[]", 400, "no report"),
    (json.dumps([{"camera_id": CAMERA}] * 501).encode(), 413, "at most 500"),
    (b"x" * (256 * 1024 + 1), 413, "larger than"),
    (json.dumps({"camera_id": CAMERA, "type": "smoke", "occurred_at": "soon"}).encode(), 400, "occurred_at"),
])
def test_bad_bodies_get_a_clear_error(feed, body, status, message):
    answer = feed(body)
    assert answer.status_code == status and message in answer.text


@pytest.mark.parametrize("token_of", ["ingest_token", "display_token"])
def test_other_tokens_may_not_post_alarms(secured, feed, token_of):
    assert feed({"camera_id": CAMERA, "type": "smoke", "occurred_at": 0}, getattr(secured, token_of)).status_code == 403


def test_a_session_may_not_post_alarms(secured):
    answer = secured.client("admin").post("/api/v1/alarms", json={"camera_id": CAMERA}, headers={"Origin": ORIGIN})
    assert answer.status_code == 403 and "scope alarms" in answer.text


def _callback(secured, who: str, output: str, inputs: list, state: list) -> dict:
    body = {"output": output, "outputs": [{"id": i, "property": p} for i, p in
                                          (part.rsplit(".", 1) for part in output[2:-2].split("..."))],
            "inputs": inputs, "state": state, "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]}
    answer = secured.client(who).post("/_dash-update-component", json=body, headers={"Origin": ORIGIN})
    assert answer.status_code == 200, answer.text
    return answer.get_json()["response"]


def _confirm(secured, who: str, alarm_id: int) -> str:
    response = _callback(secured, who, "..alarms-message.children...alarms-changed.data..",
                         [{"id": "alarms-confirm", "property": "n_clicks", "value": 1}],
                         [{"id": "alarms-pick", "property": "value", "value": alarm_id},
                          {"id": "alarms-note", "property": "value", "value": None},
                          {"id": "alarms-changed", "property": "data", "value": 0},
                          {"id": "language", "property": "data", "value": "en"}])
    return json.dumps(response["alarms-message"]["children"], ensure_ascii=False)


@pytest.mark.parametrize("who, allowed", [("analyst", False), ("leader", False), ("duty_officer", True)])
def test_only_reviewers_confirm(secured, feed, who, allowed):
    alarm_id = feed({"camera_id": CAMERA, "type": "smoke", "occurred_at": _at(secured, 5 + len(who))}
                    ).get_json()["results"][0]["alarm_id"]
    message = _confirm(secured, who, alarm_id)
    status = secured.app_context.cursor().execute("SELECT status FROM alarms WHERE alarm_id = ?",
                                                  [alarm_id]).fetchone()[0]
    assert (status == "confirmed") is allowed
    assert ("confirmed: case ALARM-" in message) is allowed and ("Only duty officers" in message) is not allowed


@pytest.mark.parametrize("who, allowed", [("analyst", False), ("leader", True)])
def test_only_the_centre_roles_edit_the_roster(secured, who, allowed):
    start = 100 + len(who)                           # a distinct day per role, far ahead
    response = _callback(secured, who, "..duty-message.children...duty-changed.data..",
                         [{"id": "duty-add", "property": "n_clicks", "value": 1}],
                         [{"id": "duty-start", "property": "value", "value": f"2027-0{start % 9 + 1}-01 08:00"},
                          {"id": "duty-end", "property": "value", "value": f"2027-0{start % 9 + 1}-01 20:00"},
                          {"id": "duty-label", "property": "value", "value": "白班"},
                          {"id": "duty-people", "property": "value", "value": "周建国，leader，10000000001"},
                          {"id": "duty-changed", "property": "data", "value": 0},
                          {"id": "language", "property": "data", "value": "zh"}])
    text = json.dumps(response["duty-message"]["children"], ensure_ascii=False)
    assert ("已添加班次" in text) is allowed and ("只有管理员" in text) is not allowed
