"""Alert notifications through the outbox: the message text, its receivers and the sender's start.

The evaluator queues one outbox message per webhook subscribed to the event (``fired_red``,
``escalated``) inside its transaction; :mod:`data.delivery` posts them in the background with
retries, so a slow or dead receiver never blocks a refresh. The people on duty are @-mentioned
(their mobile numbers from the roster), the shift leader when an unacknowledged red alert escalates.
"""

from __future__ import annotations

from data import outbox
from data.delivery import OutboxSender, Receiver
from indicators.alerting.rules import Webhook

SEVERITY_ZH = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}
EVENT_ZH = {"fired_red": "红色预警", "escalated": "预警升级"}
TOPIC_PREFIX = "alert."


def message_text(event: str, alert: dict) -> str:
    """Return the human-readable line sent to group robots."""
    level = alert.get("handling_level")
    return (f"【{EVENT_ZH.get(event, event)}】{alert['indicator_id']} @ {alert['unit_code']}："
            f"{SEVERITY_ZH.get(alert['severity'], alert['severity'])}，当前值 {alert.get('value')}，"
            f"阈值 {alert.get('threshold')}" + (f"，办理层级 {level}" if level else "") + f"（告警 #{alert['alert_id']}）")


def alert_body(event: str, alert: dict, mentions: list[str] | tuple[str, ...] = ()) -> dict:
    """Return the outbox body of one alert notification: the event, the alert, its text and @mentions."""
    return {"event": event, "alert": alert, "text": message_text(event, alert), "mentions": list(mentions)}


def topic(event: str) -> str:
    """Return the outbox topic of an alert event."""
    return TOPIC_PREFIX + event


def receivers(webhooks: tuple[Webhook, ...]) -> dict[str, Receiver]:
    """Return the outbox receivers of the configured webhooks, by name."""
    return {w.name: Receiver(w.name, w.url, w.format, tuple(topic(e) for e in w.events)) for w in webhooks}


def start_sender(con, webhooks: tuple[Webhook, ...], poll_s: float = 5.0) -> OutboxSender:
    """Fan out legacy alert messages, then start the outbox sender for the webhooks; return it."""
    by_name = receivers(webhooks)
    topics = {t for r in by_name.values() for t in r.topics}
    cursor = con.cursor()
    outbox.fan_out(cursor, {t: tuple(n for n, r in by_name.items() if t in r.topics) for t in topics})
    sender = OutboxSender(con, by_name, poll_s=poll_s)
    sender.start()
    return sender
