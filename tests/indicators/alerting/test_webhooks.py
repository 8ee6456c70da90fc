"""Webhooks against a local receiver on 127.0.0.1: formats, retry with backoff, never blocking the caller."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from indicators.alerting import store
from indicators.alerting.rules import Webhook
from indicators.alerting.webhooks import WebhookSender, render, send_with_retry
from tests.indicators.alerting.test_evaluator import con  # noqa: F401  (fixture)


class Receiver:
    """A loopback HTTP server recording JSON bodies; fails the first ``failures`` requests with 500."""

    def __init__(self, failures: int = 0):
        self.bodies, self.failures, self.gate = [], failures, threading.Event()
        self.gate.set()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                outer.gate.wait(30)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.bodies.append((self.path, body))
                status = 500 if outer.failures > 0 else 200
                outer.failures -= 1
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b'{"errcode": 0}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.gate.set()
        self.server.shutdown()


@pytest.fixture
def receiver():
    r = Receiver(failures=2)
    yield r
    r.close()


ALERT = {"alert_id": 7, "indicator_id": "water_flood.rainfall.max_hourly_mm.last_hour", "unit_code": "990100",
         "severity": "red", "value": 57.0, "threshold": 50.0, "handling_level": 1}


def test_formats():
    assert render("json", "fired_red", ALERT) == {"event": "fired_red", "alert": ALERT}
    wecom = render("wecom", "fired_red", ALERT)
    assert wecom["msgtype"] == "text" and "红色预警" in wecom["text"]["content"] and "57.0" in wecom["text"]["content"]
    assert render("dingtalk", "escalated", ALERT)["text"]["content"].startswith("【预警升级】")


def test_retry_backs_off_exponentially_and_reports_the_last_error():
    waits, calls = [], []

    def failing():
        calls.append(1)
        raise OSError("connection refused")

    assert send_with_retry(failing, 4, 0.5, sleep=waits.append) == (4, "OSError: connection refused")
    assert waits == [0.5, 1.0, 2.0] and len(calls) == 4


def _queued(con) -> int:
    alert_id = con.execute("INSERT INTO alerts (indicator_id, unit_code, level, kind, state, severity, peak_severity, "
                           "value, threshold, started_at) VALUES (?, '990100', 'city', 'threshold', 'firing', 'red', "
                           "'red', 57.0, 50.0, now()) RETURNING alert_id", [ALERT["indicator_id"]]).fetchone()[0]
    return store.enqueue(con, alert_id, "fired_red", 1_790_000_000)


def test_sender_delivers_in_the_background_with_retries(con, receiver):
    hooks = (Webhook("generic", receiver.url + "/hook", "json"), Webhook("robot", receiver.url + "/wecom", "wecom"),
             Webhook("other", receiver.url + "/never", "dingtalk", events=("escalated",)))
    sender = WebhookSender(con, hooks, attempts=4, backoff_s=0.01)
    sender.start()
    receiver.gate.clear()                       # the receiver hangs until released
    notification = _queued(con)
    sender.wake([notification])                 # returns although nothing has been answered yet
    assert receiver.bodies == []
    receiver.gate.set()
    sender.stop()
    paths = [p for p, _ in receiver.bodies]
    assert paths == ["/hook", "/hook", "/hook", "/wecom"]          # two failures retried, then both sent
    assert receiver.bodies[-1][1]["msgtype"] == "text"
    row = con.execute("SELECT status, attempts, last_error FROM alert_notifications WHERE notification_id = ?",
                      [notification]).fetchone()
    assert row == ("sent", 4, None)


def test_a_dead_receiver_is_recorded_as_failed(con):
    sender = WebhookSender(con, (Webhook("dead", "http://127.0.0.1:9/none", "json"),), attempts=2, backoff_s=0.01)
    assert sender.deliver(_queued(con)) == "failed"
    assert con.execute("SELECT attempts FROM alert_notifications").fetchone()[0] == 2
