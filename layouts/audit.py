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
    # the actions by their data.audit.record codes (the filter above matches the codes)
    "audit.action.login.success": ("登录成功", "Signed in"),
    "audit.action.login.bad": ("登录失败", "Sign-in failed"),
    "audit.action.login.locked": ("登录被锁定", "Sign-in locked"),
    "audit.action.login.disabled": ("停用账号登录", "Sign-in of a disabled user"),
    "audit.action.logout": ("退出登录", "Signed out"),
    "audit.action.user.add": ("新增用户", "User added"),
    "audit.action.user.passwd": ("重置密码", "Password reset"),
    "audit.action.user.disable": ("停用用户", "User disabled"),
    "audit.action.user.enable": ("启用用户", "User enabled"),
    "audit.action.token.create": ("创建令牌", "Token created"),
    "audit.action.token.revoke": ("吊销令牌", "Token revoked"),
    "audit.action.token.use": ("使用令牌", "Token used"),
    "audit.action.token.refused": ("令牌被拒", "Token refused"),
    "audit.action.export.events": ("导出案件", "Cases exported"),
    "audit.action.pii.unmask": ("查看个人信息", "Personal data shown"),
    "audit.action.backup.create": ("创建备份", "Backup made"),
    "audit.action.backup.download": ("下载备份", "Backup downloaded"),
    "audit.action.report.download": ("下载简报", "Brief downloaded"),
    "audit.action.report.link_opened": ("打开简报链接", "Brief link opened"),
    "audit.action.report.link_refused": ("简报链接被拒", "Brief link refused"),
    "audit.action.roster.add": ("新增值班", "Shift added"),
    "audit.action.roster.remove": ("删除值班", "Shift removed"),
    "audit.action.alert.ack": ("确认预警", "Alert acknowledged"),
    "audit.action.alert.silence.create": ("新增静默", "Silence added"),
    "audit.action.alert.silence.remove": ("删除静默", "Silence removed"),
    "audit.action.alert.silence.expire": ("静默到期", "Silence expired"),
    "audit.action.alarm.confirm": ("确认视频告警", "Camera alarm confirmed"),
    "audit.action.alarm.dismiss": ("排除视频告警", "Camera alarm dismissed"),
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
    rows = [[action_text(entry[c], language) if c == "action" else _cell(entry[c], tz) for c in COLUMNS]
            for entry in entries]
    return simple_table([t(f"audit.col.{c}", language) for c in COLUMNS], rows, testid="audit-table")


def action_text(action, language: str) -> str:
    """Return an action by its name in ``language``; an action with no name yet stays its code."""
    name = t(f"audit.action.{action}", language)
    return str(action) if name == f"audit.action.{action}" else name


def _cell(value, tz: str) -> str:
    if value is None:
        return ""
    if hasattr(value, "astimezone"):
        return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)
