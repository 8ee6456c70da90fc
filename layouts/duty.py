"""The duty page ("/duty"): the roster around now with the people on each shift, a form to add or
remove a shift (the centre's roles), and the handovers written at each shift change."""

from __future__ import annotations

import json

from dash import dcc, html

from layouts import ids
from layouts.components import simple_table
from layouts.events_page import fmt_time
from layouts.i18n import add_texts, t

REFRESH_MS = 30_000

add_texts({
    "nav.duty": ("值班交接", "Duty"),
    "duty.heading": ("值班表与交接班", "Duty roster and handovers"),
    "duty.shifts": ("值班表（前一天至后七天）", "Shifts (a day back to a week ahead)"),
    "duty.shifts.empty": ("这段时间没有排班。", "No shift is rostered in this period."),
    "duty.on_duty": ("当班", "on duty"),
    "duty.col.start": ("开始", "Starts"),
    "duty.col.end": ("结束", "Ends"),
    "duty.col.label": ("班次", "Shift"),
    "duty.col.people": ("值班人员（角色、手机）", "People (role, mobile)"),
    "duty.col.now": ("状态", "Now"),
    "duty.edit": ("排班", "Edit the roster"),
    "duty.start": ("开始时间，如 2026-12-08 08:00（本地时间）", "Start, e.g. 2026-12-08 08:00 (local time)"),
    "duty.end": ("结束时间", "End"),
    "duty.label": ("班次名称（可选）", "Shift name (optional)"),
    "duty.people": ("每行一人：姓名, 带班领导 或 值班员, 手机号", "One person a line: name, leader or officer, mobile"),
    "duty.people.example": ("周建国, 带班领导, 13800000001\n李晓梅, 值班员, 13800000002",
                            "Zhou Jianguo, leader, 13800000001\nLi Xiaomei, officer, 13800000002"),
    "duty.add": ("添加班次", "Add the shift"),
    "duty.remove_pick": ("选择未开始的班次", "Choose a shift not yet begun"),
    "duty.remove": ("删除班次", "Remove the shift"),
    "duty.added": ("已添加班次 #{shift}。", "Shift #{shift} added."),
    "duty.removed": ("已删除班次 #{shift}。", "Shift #{shift} removed."),
    "duty.not_allowed": ("只有管理员、领导和值班员可以排班。", "Only administrators, leaders and duty officers edit the roster."),
    "duty.not_future": ("只能删除尚未开始的班次。", "Only a shift that has not begun can be removed."),
    "duty.bad_people": ("第 {line} 行应为：姓名, 角色, 手机号", "Line {line} should read: name, role, mobile"),
    "duty.handovers": ("交接班记录", "Handovers"),
    "duty.handover_pick": ("选择交接记录", "Choose a handover"),
    "duty.handovers.empty": ("还没有交接记录。", "No handover has been written yet."),
    "duty.handover.at": ("交接时间", "Shift change"),
    "duty.handover.from": ("交班", "Handed over by"),
    "duty.handover.to": ("接班", "Taken over by"),
    "duty.kind.alerts": ("未关闭预警", "Open alerts"),
    "duty.kind.alarms": ("待研判视频告警", "Camera alarms waiting for review"),
    "duty.kind.orders": ("未办结工单", "Open work orders"),
    "duty.none": ("无", "none"),
    "duty.colon": ("：", ": "),
    "duty.role.leader": ("带班领导", "leader"),
    "duty.role.officer": ("值班员", "officer"),
    "duty.field.alert_id": ("预警", "Alert"),
    "duty.field.indicator_id": ("指标", "Indicator"),
    "duty.field.unit_code": ("单元", "Unit"),
    "duty.field.severity": ("等级", "Severity"),
    "duty.field.state": ("状态", "State"),
    "duty.field.fired_at": ("触发时间", "Fired"),
    "duty.field.acked_by": ("确认人", "Acknowledged by"),
    "duty.field.handling_level": ("办理层级", "Handling level"),
    "duty.field.alarm_id": ("告警", "Alarm"),
    "duty.field.type_code": ("类型", "Type"),
    "duty.field.camera_id": ("摄像机", "Camera"),
    "duty.field.place": ("地点", "Place"),
    "duty.field.reports": ("报告次数", "Reports"),
    "duty.field.first_at": ("首次", "First"),
    "duty.field.order_id": ("工单", "Order"),
    "duty.field.title": ("事项", "Matter"),
    "duty.field.report_due_at": ("报到时限", "Report in by"),
    "duty.field.finish_due_at": ("办结时限", "Finish by"),
})


def layout(**_query) -> html.Div:
    """Return the page frame; callbacks.duty fills it."""
    return html.Div([
        dcc.Interval(id=ids.DUTY_TICK, interval=REFRESH_MS),
        dcc.Store(id=ids.DUTY_CHANGED, data=0),
        html.H4(id=ids.DUTY_HEADING, className="mb-3"),
        html.Div(id=ids.DUTY_SHIFTS, className="mb-3"),
        html.Div(id=ids.DUTY_LABELS),
        html.Div([
            dcc.Input(id=ids.DUTY_START, type="text", maxLength=25, className="form-control"),
            dcc.Input(id=ids.DUTY_END, type="text", maxLength=25, className="form-control"),
            dcc.Input(id=ids.DUTY_LABEL, type="text", maxLength=60, className="form-control"),
        ], className="d-flex gap-2 mb-2", style={"maxWidth": "48rem"}),
        dcc.Textarea(id=ids.DUTY_PEOPLE, maxLength=3000, className="form-control mb-2",
                     style={"maxWidth": "48rem", "height": "6rem"}),
        html.Div([
            html.Button(id=ids.DUTY_ADD, n_clicks=0, className="btn btn-sm btn-primary"),
            dcc.Dropdown(id=ids.DUTY_REMOVE_PICK, style={"minWidth": "22rem"}),
            html.Button(id=ids.DUTY_REMOVE, n_clicks=0, className="btn btn-sm btn-outline-danger"),
        ], className="d-flex flex-wrap gap-2 align-items-center mb-2"),
        html.Div(id=ids.DUTY_MESSAGE, className="mb-3", **{"data-testid": "duty-message"}),
        html.Div(id=ids.DUTY_HANDOVERS),
        dcc.Dropdown(id=ids.DUTY_HANDOVER_PICK, style={"maxWidth": "30rem"}, className="mb-2"),
        html.Div(id=ids.DUTY_HANDOVER),
    ], className="container-fluid py-3")


def shifts_section(rows: list[dict], language: str, tz: str) -> html.Div:
    """Return the shifts table; the shift on duty is marked."""
    heading = html.H5(t("duty.shifts", language))
    if not rows:
        return html.Div([heading, html.P(t("duty.shifts.empty", language), className="text-muted")])
    body = [[fmt_time(r["starts_at"], tz), fmt_time(r["ends_at"], tz), r["label"], people_text(r["people"], language),
             t("duty.on_duty", language) if r["on_duty"] else ""] for r in rows]
    columns = ("start", "end", "label", "people", "now")
    return html.Div([heading, simple_table([t(f"duty.col.{c}", language) for c in columns], body,
                                           testid="duty-shifts")])


def people_text(people: list[dict] | None, language: str, with_mobile: bool = True) -> str:
    """Return 'name (role, mobile); …' with the duty roles in the UI language."""
    return "; ".join(f"{p['name']} ({t('duty.role.' + p['duty_role'], language)}"
                     + (f", {p['mobile']})" if with_mobile else ")") for p in people or ())


def remove_options(rows: list[dict], now_s: int, tz: str) -> list[dict]:
    """Return the shifts not yet begun, as choices to remove."""
    return [{"label": f"#{r['shift_id']} {fmt_time(r['starts_at'], tz)} {r['label']}", "value": int(r["shift_id"])}
            for r in rows if r["starts_at"] > now_s]


def handover_options(rows: list[dict], language: str, tz: str) -> list[dict]:
    """Return the handovers as choices, newest first."""
    return [{"label": f"{fmt_time(r['changed_at'], tz)} {r['from_label'] or '—'} → {r['to_label'] or '—'}",
             "value": int(r["handover_id"])} for r in rows]


def handover_view(found: dict | None, language: str, tz: str) -> html.Div:
    """Return one handover: when, who handed over to whom, and each kind of open item."""
    if found is None:
        return html.P(t("duty.handovers.empty", language), className="text-muted")
    people = lambda side: people_text(found[side], language, with_mobile=False) or t("duty.none", language)  # noqa: E731
    colon = t("duty.colon", language)
    parts = [html.P([html.B(t("duty.handover.at", language) + colon), fmt_time(found["changed_at"].timestamp(), tz)]),
             html.P([html.B(t("duty.handover.from", language) + colon), people("from_shift")]),
             html.P([html.B(t("duty.handover.to", language) + colon), people("to_shift")])]
    for kind, block in found["items"].items():
        parts.append(html.H6(f"{t(f'duty.kind.{kind}', language)} ({block['count']})"))
        parts.append(_items_table(block["items"], language, tz))
    return html.Div(parts, **{"data-testid": "handover"})


def _items_table(items: list[dict], language: str, tz: str) -> html.Div:
    if not items:
        return html.P(t("duty.none", language), className="text-muted")
    columns = list(items[0])
    rows = [[_value(c, item.get(c), language, tz) for c in columns] for item in items]
    return simple_table([_label(f"duty.field.{c}", c, language) for c in columns], rows)


def _label(key: str, fallback: str, language: str) -> str:
    """Return a text's translation, or ``fallback`` when the key is unknown (another module's field)."""
    text = t(key, language)
    return fallback if text == key else text


def _value(column: str, value, language: str, tz: str) -> str:
    if value is None:
        return ""
    if column.endswith("_at") and isinstance(value, (int, float)):
        return fmt_time(value, tz)
    if column in ("severity", "state"):          # an alert's words, else a work order's state
        return _label(f"alerts.{column}.{value}", _label(f"orders.state.{value}", str(value), language), language)
    return json.dumps(value, ensure_ascii=False, default=str).strip('"')
