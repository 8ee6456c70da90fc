"""The audit log page ("/audit", administrators): who signed in, exported, unmasked, acknowledged."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from dash import dcc, html

from layouts import ids
from layouts.components import simple_table
from layouts.i18n import add_texts, t

REFRESH_MS = 30_000
COLUMNS = ("occurred_at", "actor", "action", "target", "detail", "remote_addr")

add_texts({
    "nav.audit": ("审计日志", "Audit log"),
    "audit.heading": ("审计日志（最新在前）", "Audit log (newest first)"),
    "audit.filter": ("按操作筛选，如 login. 或 export.", "Filter by action, e.g. login. or export."),
    "audit.empty": ("没有记录。", "No entries."),
    "audit.col.occurred_at": ("时间", "Time"),
    "audit.col.actor": ("操作人", "Actor"),
    "audit.col.action": ("操作", "Action"),
    "audit.col.target": ("对象", "Target"),
    "audit.col.detail": ("详情", "Detail"),
    "audit.col.remote_addr": ("来源地址", "Address"),
})


def layout(**_query) -> html.Div:
    """Return the page frame; callbacks.audit fills the table."""
    return html.Div([
        dcc.Interval(id=ids.AUDIT_TICK, interval=REFRESH_MS),
        html.H4(id=ids.AUDIT_HEADING, className="mb-3"),
        dcc.Input(id=ids.AUDIT_FILTER, type="text", debounce=True, maxLength=64, className="form-control mb-3",
                  style={"maxWidth": "24rem"}),
        html.Div(id=ids.AUDIT_TABLE),
    ], className="container-fluid py-3")


def audit_table(entries: list[dict], language: str, tz: str) -> html.Div:
    """Return the entries as a table (every value rendered as text)."""
    if not entries:
        return html.P(t("audit.empty", language), className="text-muted")
    rows = [[_cell(entry[c], tz) for c in COLUMNS] for entry in entries]
    return simple_table([t(f"audit.col.{c}", language) for c in COLUMNS], rows, testid="audit-table")


def _cell(value, tz: str) -> str:
    if value is None:
        return ""
    if hasattr(value, "astimezone"):
        return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)
