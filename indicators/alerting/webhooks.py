"""Webhook notifications: generic JSON, WeCom and DingTalk group-robot formats, sent off the refresh loop.

The evaluator queues rows in alert_notifications inside its transaction and wakes the sender;
the sender thread posts each to every webhook subscribed to the event, retrying with
exponential backoff, and records the outcome on the row. A slow or dead receiver never
blocks a refresh.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import urllib.request
from typing import Callable

import duckdb

from indicators.alerting.rules import Webhook

log = logging.getLogger(__name__)
SEVERITY_ZH = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}
EVENT_ZH = {"fired_red": "红色预警", "escalated": "预警升级"}


def message_text(event: str, alert: dict) -> str:
    """Return the human-readable line sent to group robots."""
    level = alert.get("handling_level")
    return (f"【{EVENT_ZH.get(event, event)}】{alert['indicator_id']} @ {alert['unit_code']}："
            f"{SEVERITY_ZH.get(alert['severity'], alert['severity'])}，当前值 {alert.get('value')}，"
            f"阈值 {alert.get('threshold')}" + (f"，办理层级 {level}" if level else "") + f"（告警 #{alert['alert_id']}）")


def render(fmt: str, event: str, alert: dict) -> dict:
    """Return the request body of one notification in a webhook's format."""
    if fmt == "wecom":
        return {"msgtype": "text", "text": {"content": message_text(event, alert)}}
    if fmt == "dingtalk":
        return {"msgtype": "text", "text": {"content": message_text(event, alert)}, "at": {"isAtAll": False}}
    return {"event": event, "alert": alert}


def post_json(url: str, body: dict, timeout_s: float = 5.0) -> None:
    """POST a JSON body; raise on a non-2xx answer or a robot's non-zero errcode."""
    data = json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        answer = response.read()
    try:
        errcode = json.loads(answer or b"{}").get("errcode", 0)
    except (ValueError, AttributeError):
        errcode = 0
    if errcode:
        raise RuntimeError(f"robot answered errcode {errcode}")


def send_with_retry(send: Callable[[], None], attempts: int, backoff_s: float,
                    sleep: Callable[[float], None] = time.sleep) -> tuple[int, str | None]:
    """Call ``send`` until it succeeds, waiting backoff·2^k between tries; return (tries, last error)."""
    error = None
    for k in range(attempts):
        try:
            send()
            return k + 1, None
        except Exception as exc:             # any failure of the receiver is retried, then recorded
            error = f"{type(exc).__name__}: {exc}"
            if k + 1 < attempts:
                sleep(backoff_s * 2 ** k)
    return attempts, error


class WebhookSender:
    """Delivers queued notifications in a daemon thread with its own cursor."""

    def __init__(self, con: duckdb.DuckDBPyConnection, webhooks: tuple[Webhook, ...], attempts: int = 5,
                 backoff_s: float = 1.0):
        self._cursor = con.cursor()
        self._webhooks = webhooks
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def wake(self, notification_ids: list[int]) -> None:
        """Hand notification ids to the sender (returns at once)."""
        for notification_id in notification_ids:
            self._queue.put(notification_id)

    def start(self) -> None:
        """Start the sender thread."""
        self._thread = threading.Thread(target=self._run, name="alert-webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what is queued, then stop."""
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while (notification_id := self._queue.get()) is not None:
            try:
                self.deliver(notification_id)
            except Exception:
                log.exception("alert notification %s could not be delivered", notification_id)

    def deliver(self, notification_id: int) -> str:
        """Send one notification to every subscribed webhook; record and return its status."""
        event, payload = self._cursor.execute("SELECT event, payload FROM alert_notifications WHERE notification_id = ?",
                                              [notification_id]).fetchone()
        alert = json.loads(payload)
        tries, errors = 0, []
        targets = [w for w in self._webhooks if event in w.events]
        for hook in targets:
            body = render(hook.format, event, alert)
            n, error = send_with_retry(lambda: post_json(hook.url, body), self._attempts, self._backoff_s)
            tries += n
            if error:
                errors.append(f"{hook.name}: {error}")
        status = "none" if not targets else ("failed" if errors else "sent")
        self._cursor.execute("UPDATE alert_notifications SET status = ?, attempts = ?, last_error = ? "
                             "WHERE notification_id = ?", [status, tries, "; ".join(errors) or None, notification_id])
        return status
