"""The delivery log ("/deliveries", administrators and duty officers): every notification in the
outbox with its state, attempts, next attempt and last error."""

from __future__ import annotations

from dash import dcc, html

from data.outbox import FAN_OUT, STATUSES
from layouts import ids
from layouts.components import simple_table
from layouts.events_page import fmt_time
from layouts.i18n import add_texts, t

REFRESH_MS = 15_000
COLUMNS = ("message_id", "created_at", "topic", "receiver", "status", "attempts", "next_attempt_at", "sent_at",
           "http_status", "last_error")
MAX_ERROR = 160

add_texts({
    "nav.deliveries": ("通知投递", "Deliveries"),
    "deliveries.heading": ("通知投递记录（最新在前）", "Notification deliveries (newest first)"),
    "deliveries.all": ("全部状态", "Every status"),
    "deliveries.empty": ("没有通知。", "No notifications."),
    "deliveries.status.queued": ("待发送", "Queued"),
    "deliveries.status.sending": ("发送中", "Sending"),
    "deliveries.status.sent": ("已送达", "Sent"),
    "deliveries.status.failed": ("失败待重试", "Failed, will retry"),
    "deliveries.status.refused": ("被拒收", "Refused"),
    "deliveries.status.none": ("已分发/无接收方", "Fanned out / no receiver"),
    "deliveries.every_receiver": ("全部订阅方", "every subscriber"),
    "deliveries.col.message_id": ("编号", "ID"),
    "deliveries.col.created_at": ("生成时间", "Queued at"),
    "deliveries.col.topic": ("主题", "Topic"),
    "deliveries.col.receiver": ("接收方", "Receiver"),
    "deliveries.col.status": ("状态", "Status"),
    "deliveries.col.attempts": ("尝试次数", "Attempts"),
    "deliveries.col.next_attempt_at": ("下次尝试", "Next attempt"),
    "deliveries.col.sent_at": ("送达时间", "Sent at"),
    "deliveries.col.http_status": ("应答码", "Answer"),
    "deliveries.col.last_error": ("最近错误", "Last error"),
    # the outbox topics the product queues (a webhook subscribes to them by these codes)
    "deliveries.topic.alert.fired_red": ("红色预警", "Red alert"),
    "deliveries.topic.alert.escalated": ("预警升级", "Alert escalated"),
    "deliveries.topic.alarm.new": ("新视频告警", "New camera alarm"),
    "deliveries.topic.order.remind": ("工单催办", "Work order reminder"),
    "deliveries.topic.order.escalate": ("工单升级", "Work order escalated"),
    "deliveries.topic.brief.morning": ("早报推送", "Morning brief"),
})


def layout(**_query) -> html.Div:
    """Return the page frame; callbacks.deliveries fills it."""
    return html.Div([
        dcc.Interval(id=ids.DELIVERIES_TICK, interval=REFRESH_MS),
        html.H4(id=ids.DELIVERIES_HEADING, className="mb-3"),
        dcc.Dropdown(id=ids.DELIVERIES_STATUS, clearable=True, style={"maxWidth": "20rem"}, className="mb-2"),
        html.Div(id=ids.DELIVERIES_COUNTS, className="mb-3"),
        html.Div(id=ids.DELIVERIES_TABLE),
    ], className="container-fluid py-3")


def status_options(language: str) -> list[dict]:
    """Return the status filter's options in the UI language."""
    return [{"label": t(f"deliveries.status.{s}", language), "value": s} for s in STATUSES]


def status_counts(counts: dict[str, int], language: str) -> html.Div:
    """Return one badge per status with its count."""
    return html.Div([html.Span(f"{t(f'deliveries.status.{s}', language)} {n}", className="badge bg-secondary me-2",
                               **{"data-status": s}) for s, n in counts.items()], **{"data-testid": "delivery-counts"})


def messages_table(rows: list[dict], language: str, tz: str) -> html.Div:
    """Return the messages as a table (every value as text; the error cut short)."""
    if not rows:
        return html.P(t("deliveries.empty", language), className="text-muted")
    body = [[_cell(column, row[column], language, tz) for column in COLUMNS] for row in rows]
    return simple_table([t(f"deliveries.col.{c}", language) for c in COLUMNS], body, testid="delivery-table")


def _cell(column: str, value, language: str, tz: str) -> str:
    if value is None:
        return ""
    if column.endswith("_at"):
        return fmt_time(value, tz)
    if column == "status":
        return t(f"deliveries.status.{value}", language)
    if column == "topic" and t(f"deliveries.topic.{value}", language) != f"deliveries.topic.{value}":
        return t(f"deliveries.topic.{value}", language)
    if column == "receiver" and value == FAN_OUT:
        return t("deliveries.every_receiver", language)
    return str(value)[:MAX_ERROR]
