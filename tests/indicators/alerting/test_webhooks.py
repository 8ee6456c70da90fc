"""Alert notifications go through the outbox: one message per subscribed webhook, @-mentioning the
people on duty (the shift leader when a red alert escalates), delivered to a loopback receiver."""

from __future__ import annotations

import time

from data import roster
from data.delivery import render
from indicators.alerting import store
from indicators.alerting.rules import Webhook
from indicators.alerting.webhooks import alert_body, receivers, start_sender
from tests.data.outbox_receiver import Receiver
from tests.indicators.alerting.test_evaluator import con  # noqa: F401  (fixture)

ALERT = {"alert_id": 7, "indicator_id": "water_flood.rainfall.max_hourly_mm.last_hour", "unit_code": "990100",
         "severity": "red", "value": 57.0, "threshold": 50.0, "handling_level": 1}
AT = 1_790_000_000
ROSTER = """
shifts:
  - start: 2026-09-21T20:00
    end: 2026-09-22T08:00
    label: 夜班
    people:
      - {name: 王主任, role: leader, mobile: "13800000001"}
      - {name: 李值班, role: officer, mobile: "138 0000 0002"}
"""


def test_formats():
    body = alert_body("fired_red", ALERT, ["13800000002"])
    assert render("json", body)["alert"] == ALERT and render("json", body)["event"] == "fired_red"
    wecom = render("wecom", body)
    assert wecom["msgtype"] == "text" and "红色预警" in wecom["text"]["content"] and "57.0" in wecom["text"]["content"]
    assert wecom["text"]["mentioned_mobile_list"] == ["13800000002"]
    assert render("dingtalk", alert_body("escalated", ALERT))["text"]["content"].startswith("【预警升级】")


def _alert(con) -> int:
    return con.execute("INSERT INTO alerts (indicator_id, unit_code, level, kind, state, severity, peak_severity, "
                       "value, threshold, started_at) VALUES (?, '990100', 'city', 'threshold', 'firing', 'red', "
                       "'red', 57.0, 50.0, now()) RETURNING alert_id", [ALERT["indicator_id"]]).fetchone()[0]


def test_one_message_per_subscribed_webhook_mentioning_the_shift(con):
    roster.load_roster(con, ROSTER, "Asia/Shanghai", "admin")      # AT is 2026-09-22 00:53 in Shanghai
    hooks = (Webhook("generic", "http://127.0.0.1:9/a", "json"), Webhook("robot", "http://127.0.0.1:9/b", "wecom"),
             Webhook("leaders", "http://127.0.0.1:9/c", "dingtalk", events=("escalated",)))
    alert_id = _alert(con)
    fired = store.enqueue(con, alert_id, "fired_red", hooks, roster.mobiles_on_duty(con, AT))
    escalated = store.enqueue(con, alert_id, "escalated", hooks, roster.mobiles_on_duty(con, AT, leaders_only=True))
    rows = con.execute("SELECT message_id, receiver, topic, body::JSON->'mentions' FROM outbox "
                       "WHERE topic LIKE 'alert.%' ORDER BY 1").fetchall()       # the demo's orders queue theirs too
    assert [r[1:3] for r in rows] == [("generic", "alert.fired_red"), ("robot", "alert.fired_red"),
                                      ("generic", "alert.escalated"), ("robot", "alert.escalated"),
                                      ("leaders", "alert.escalated")]
    assert [r[0] for r in rows] == fired + escalated
    assert rows[0][3] == '["13800000001","13800000002"]' and rows[-1][3] == '["13800000001"]'
    assert roster.mobiles_on_duty(con, AT + 12 * 3600) == []           # after the shift: nobody rostered


def test_the_sender_delivers_queued_alert_messages(con):
    receiver = Receiver()
    try:
        hooks = (Webhook("generic", receiver.url + "/hook", "json"), Webhook("robot", receiver.url + "/wecom", "wecom"))
        ids = store.enqueue(con, _alert(con), "fired_red", hooks)
        sender = start_sender(con, hooks, poll_s=0.1)
        deadline = time.monotonic() + 20
        while len(receiver.posts) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        sender.stop()
    finally:
        receiver.close()
    assert sorted(p for p, _, _ in receiver.posts) == ["/hook", "/wecom"]
    assert {k for _, k, _ in receiver.posts} == {f"outbox-{i}" for i in ids}
    assert set(receivers(hooks)) == {"generic", "robot"}
