"""The /alerts page: the live list (grouped up the hierarchy), filters, handling actions, history and trace."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from data.clock import local_datetime, local_times
from data.text import inert
from indicators.model import LEVELS

from layouts import ids, theme
from layouts.components import simple_table
from layouts.i18n import DEFAULT_LANGUAGE, add_texts, t

REFRESH_MS = 30_000
SEVERITY_CLASS = {"red": "bg-danger", "orange": "bg-warning text-dark", "yellow": "bg-warning-subtle text-dark",
                  "blue": "bg-primary"}
DOMAINS = ("air", "water_flood", "crowding", "traffic", "environment", "utilities", "emergency", "public_safety",
           "hotline", "cases", "city_management", "disputes", "enterprise", "grid_governance", "petitions")

add_texts({
    "nav.alerts": ("预警处置", "Alerts"),
    "alerts.heading": ("预警处置", "Alerts"),
    "alerts.level": ("层级", "Level"),
    "alerts.domain": ("领域", "Domain"),
    "alerts.unit": ("单元编码", "Unit code"),
    "alerts.none": ("当前没有预警", "No open alerts"),
    "alerts.pick": ("在列表中选择一条预警", "Pick an alert in the list"),
    "alerts.col.severity": ("等级", "Severity"),
    "alerts.col.indicator": ("指标", "Indicator"),
    "alerts.col.unit": ("单元", "Unit"),
    "alerts.col.state": ("状态", "State"),
    "alerts.col.value": ("当前值 / 阈值", "Value / threshold"),
    "alerts.col.since": ("开始", "Since"),
    "alerts.col.handling": ("办理", "Handling"),
    "alerts.col.when": ("时间", "When"),
    "alerts.col.who": ("操作人", "By"),
    "alerts.col.what": ("事项", "What"),
    "alerts.col.detail": ("说明", "Detail"),
    "alerts.open": ("查看", "Open"),
    "alerts.grouped": ("下辖 {n} 条", "{n} beneath"),
    "alerts.actor": ("处理人", "Handled by"),
    "alerts.comment": ("意见 / 原因 / 办结说明", "Comment / reason / resolution note"),
    "alerts.hours": ("静默小时数", "Silence hours"),
    "alerts.assign_level": ("办理层级", "Handling level"),
    "alerts.department": ("责任部门", "Department"),
    "alerts.filter_level": ("层级", "Level"),
    "alerts.severity.blue": ("蓝色", "Blue"),
    "alerts.severity.yellow": ("黄色", "Yellow"),
    "alerts.severity.orange": ("橙色", "Orange"),
    "alerts.severity.red": ("红色", "Red"),
    "alerts.state.normal": ("正常", "normal"),
    "alerts.state.pending": ("待触发", "pending"),
    "alerts.state.firing": ("告警中", "firing"),
    "alerts.state.recovering": ("恢复中", "recovering"),
    "alerts.state.no_data": ("无数据", "no data"),
    "alerts.state.stale": ("数据中断", "stale"),
    "alerts.field.comment": ("意见", "comment"),
    "alerts.field.reason": ("原因", "reason"),
    "alerts.field.until": ("截至", "until"),
    "alerts.field.handling_level": ("办理层级", "handling level"),
    "alerts.field.department": ("部门", "department"),
    "alerts.field.note": ("说明", "note"),
    "alerts.no_history": ("暂无历史数据（每小时整点记录一次）", "No history yet (a value is kept every hour)"),
    "alerts.filter_domain": ("领域", "Domain"),
    "alerts.ack": ("确认", "Acknowledge"),
    "alerts.silence": ("静默", "Silence"),
    "alerts.assign": ("分派", "Assign"),
    "alerts.escalate": ("升级", "Escalate"),
    "alerts.close": ("办结", "Close"),
    "alerts.done": ("已记录：{action}", "Recorded: {action}"),
    "alerts.not_allowed": ("您的角色只能查看预警，处置由值班员负责", "Your role may read alerts; duty officers handle them"),
    "alerts.history": ("处置与状态记录", "History"),
    "alerts.trace": ("近72小时数值与阈值", "Values and thresholds, last 72 h"),
    "alerts.silenced": ("已静默", "silenced"),
    "alerts.acked": ("已确认", "acknowledged"),
    "alerts.inhibited": ("数据源中断，已抑制", "inhibited by a source outage"),
    "alerts.level.1": ("区级", "district"),
    "alerts.level.2": ("街道", "street"),
    "alerts.level.3": ("社区", "community"),
    "alerts.field.silence": ("静默规则", "silence"),
    "alerts.silences.heading": ("静默规则（按指标与辖区）", "Silences by indicator and area"),
    "alerts.silences.match": ("指标或前缀，如 crowding.*", "Indicator or prefix, e.g. crowding.*"),
    "alerts.silences.unit": ("单元编码（含下辖，空为全市）", "Unit code (and beneath; empty: whole city)"),
    "alerts.silences.reason": ("静默原因", "Reason"),
    "alerts.silences.add": ("新增静默", "Add silence"),
    "alerts.silences.none": ("当前没有静默规则", "No active silences"),
    "alerts.silences.expire": ("到期", "Expire"),
    "alerts.silences.remove": ("删除", "Remove"),
    "alerts.silences.added": ("已新增静默 #{id}，覆盖 {n} 条预警", "Silence #{id} added, covering {n} alerts"),
    "alerts.silences.ended": ("静默 #{id} 已{verb}", "Silence #{id}: {verb}"),
    "alerts.silences.col.match": ("指标", "Indicator"),
    "alerts.silences.col.unit": ("辖区", "Area"),
    "alerts.silences.col.until": ("起止", "From – until"),
    "alerts.silences.col.reason": ("原因", "Reason"),
    "alerts.silences.col.by": ("设置人", "By"),
    "alerts.silences.col.alerts": ("已静默预警", "Alerts silenced"),
    "alerts.silences.city": ("全市", "whole city"),
    "alerts.silences.status.active": ("生效中", "active"),
    "alerts.silences.status.scheduled": ("未开始", "scheduled"),
    "alerts.silences.status.expired": ("已到期", "expired"),
})


def layout(alert: str | None = None, language: str = DEFAULT_LANGUAGE, **_query) -> html.Div:
    """Return the page frame in ``language``; callbacks.alerts fills the list and the detail (``?alert=N`` opens one)."""
    return html.Div([
        dcc.Interval(id=ids.ALERTS_TICK, interval=REFRESH_MS),
        dcc.Store(id=ids.ALERTS_SELECTED, data=int(alert) if alert and str(alert).isdigit() else None),
        dcc.Store(id=ids.ALERTS_CHANGED, data=0),
        html.Div([
            html.Div([filters(language), html.Div(id=ids.ALERTS_LIST, className="mt-2"), silences_panel()],
                     className="col-12 col-xl-7"),
            html.Div([actions_form(), html.Div(id=ids.ALERTS_MESSAGE, className="small my-2", role="status"),
                      html.Div(id=ids.ALERTS_DETAIL)], className="col-12 col-xl-5"),
        ], className="row"),
    ], className="container-fluid py-3")


def filters(language: str = DEFAULT_LANGUAGE) -> html.Div:
    """Return the level, domain and unit filters."""
    return html.Div([
        dcc.Dropdown(id=ids.ALERTS_LEVEL, options=list(LEVELS), className="flex-fill alerts-filter",
                     placeholder=t("alerts.filter_level", language)),
        dcc.Dropdown(id=ids.ALERTS_DOMAIN, options=list(DOMAINS), className="flex-fill alerts-filter",
                     placeholder=t("alerts.filter_domain", language)),
        dcc.Input(id=ids.ALERTS_UNIT, type="text", placeholder="990102…", debounce=True, className="form-control"),
    ], className="d-flex gap-2")


def actions_form() -> html.Div:
    """Return the always-present handling form (actor, comment, silence hours, assignment, buttons)."""
    button = "btn btn-sm me-1 mb-1 "
    return html.Div([
        dcc.Input(id=ids.ALERTS_ACTOR, type="text", value="duty_officer", className="form-control form-control-sm mb-1"),
        dcc.Input(id=ids.ALERTS_COMMENT, type="text", className="form-control form-control-sm mb-1"),
        html.Div([
            dcc.Input(id=ids.ALERTS_SILENCE_HOURS, type="number", value=4, min=1, max=168,
                      className="form-control form-control-sm"),
            dcc.Dropdown(id=ids.ALERTS_ASSIGN_LEVEL, options=[1, 2, 3], value=3, clearable=False, className="flex-fill"),
            dcc.Input(id=ids.ALERTS_DEPARTMENT, type="text", className="form-control form-control-sm"),
        ], className="d-flex gap-1 mb-1"),
        html.Button(id=ids.ALERTS_ACK, n_clicks=0, className=button + "btn-primary"),
        html.Button(id=ids.ALERTS_SILENCE, n_clicks=0, className=button + "btn-secondary"),
        html.Button(id=ids.ALERTS_ASSIGN, n_clicks=0, className=button + "btn-outline-primary"),
        html.Button(id=ids.ALERTS_ESCALATE, n_clicks=0, className=button + "btn-outline-danger"),
        html.Button(id=ids.ALERTS_CLOSE, n_clicks=0, className=button + "btn-success"),
    ], className="card card-body p-2")


def silences_panel() -> html.Div:
    """Return the silences card: the form for a silence by matcher and the list of live ones."""
    small = "form-control form-control-sm"
    return html.Div([
        html.Div(id=ids.ALERTS_SILENCES_HEADING, className="fw-bold mb-1"),
        html.Div([
            dcc.Input(id=ids.ALERTS_SILENCE_MATCH, type="text", className=small),
            dcc.Input(id=ids.ALERTS_SILENCE_UNIT, type="text", className=small),
            dcc.Input(id=ids.ALERTS_SILENCE_RULE_HOURS, type="number", value=4, min=0.5, max=720, step=0.5,
                      className=small + " alerts-silence-hours"),
        ], className="d-flex gap-1 mb-1"),
        html.Div([
            dcc.Input(id=ids.ALERTS_SILENCE_REASON, type="text", className=small),
            html.Button(id=ids.ALERTS_SILENCE_ADD, n_clicks=0, className="btn btn-sm btn-secondary text-nowrap"),
        ], className="d-flex gap-1 mb-1"),
        html.Div(id=ids.ALERTS_SILENCE_MESSAGE, className="small mb-1", role="status"),
        html.Div(id=ids.ALERTS_SILENCES_LIST),
    ], className="card card-body p-2 mt-3")


def silence_list(frame: pd.DataFrame, language: str, tz: str):
    """Return the live silences: what, where, from when until when, why, by whom, alerts covered, and actions."""
    if frame.empty:
        return html.Div(t("alerts.silences.none", language), className="text-muted small",
                        **{"data-testid": "silences-empty"})
    heads = ["match", "unit", "until", "reason", "by", "alerts"]
    head = html.Thead(html.Tr([html.Th(t(f"alerts.silences.col.{h}", language)) for h in heads] + [html.Th("")]))
    rows = [silence_row(rec, language, tz) for rec in frame.to_dict("records")]
    return html.Table([head, html.Tbody(rows)], className="table table-sm align-middle mb-0",
                      **{"data-testid": "silences-table"})


def silence_row(rec: dict, language: str, tz: str) -> html.Tr:
    """Return one silence with its expire and remove buttons."""
    sid = int(rec["silence_id"])
    unit = rec.get("unit_name_zh" if language == "zh" else "unit_name_en") if isinstance(rec["unit_code"], str) else None
    where = f"{unit or rec['unit_code']} ({rec['unit_code']})" if isinstance(rec["unit_code"], str) \
        else t("alerts.silences.city", language)
    button = "btn btn-sm btn-outline-secondary me-1"
    return html.Tr([
        html.Td(html.Code(rec["indicator_match"])),
        html.Td(where),
        html.Td([f"{_when(rec['starts_s'], tz)} – {_when(rec['ends_s'], tz)}",
                 html.Div(html.Small(t(f"alerts.silences.status.{rec['status']}", language), className="text-muted"))]),
        html.Td(rec["reason"]),
        html.Td(rec["created_by"]),
        html.Td(str(int(rec["alerts_silenced"]))),
        html.Td([html.Button(t("alerts.silences.expire", language), n_clicks=0, className=button,
                             id={"type": ids.ALERTS_SILENCE_EXPIRE, "index": sid}),
                 html.Button(t("alerts.silences.remove", language), n_clicks=0, className=button,
                             id={"type": ids.ALERTS_SILENCE_REMOVE, "index": sid})], className="text-nowrap"),
    ], **{"data-testid": f"silence-row-{sid}"})


def _when(epoch_s, tz: str) -> str:
    if epoch_s is None or pd.isna(epoch_s):
        return "—"
    return local_datetime(int(epoch_s), tz).strftime("%m-%d %H:%M")


def _num(x) -> str:
    return "—" if x is None or pd.isna(x) else f"{x:,.4g}"


def severity_badge(severity: str, language: str = DEFAULT_LANGUAGE) -> html.Span:
    """Return a coloured badge for a severity, named in the UI language."""
    return html.Span(t(f"alerts.severity.{severity}", language), className="badge " + SEVERITY_CLASS.get(severity, "bg-secondary"),
                     **{"data-severity": severity})


def alert_row(rec: dict, n_beneath: int, language: str, tz: str, catalog_names: dict) -> html.Tr:
    """Return one row of the live list."""
    marks = (("alerts.acked", isinstance(rec.get("acked_by"), str)), ("alerts.silenced", bool(rec["silenced"])),
             ("alerts.inhibited", not pd.isna(rec.get("inhibited_by"))))
    flags = [t(key, language) for key, on in marks if on]
    unit_name = rec.get("unit_name_zh" if language == "zh" else "unit_name_en") or rec["unit_code"]
    handling = t(f"alerts.level.{int(rec['handling_level'])}", language) if not pd.isna(rec["handling_level"]) else "—"
    return html.Tr([
        html.Td(severity_badge(rec["severity"], language)),
        html.Td([html.Div(catalog_names.get(rec["indicator_id"], rec["indicator_id"])),
                 html.Small(rec["indicator_id"], className="text-muted")]),
        html.Td([unit_name] + ([html.Small(" · " + t("alerts.grouped", language).format(n=n_beneath))] if n_beneath else [])),
        html.Td([t(f"alerts.state.{rec['state']}", language)] + [html.Div(html.Small(f, className="text-muted")) for f in flags]),
        html.Td(f"{_num(rec['value'])} / {_num(rec['threshold'])}"),
        html.Td(_when(rec["started_s"], tz)),
        html.Td(handling + (f" · {inert(rec['department'], 128)}" if rec.get("department") else "")),
        html.Td(html.Button(t("alerts.open", language), id={"type": ids.ALERTS_OPEN, "index": int(rec["alert_id"])},
                            n_clicks=0, className="btn btn-sm btn-outline-secondary")),
    ], **{"data-testid": f"alert-row-{int(rec['alert_id'])}"})


def alert_list(groups: list[tuple[dict, list[dict]]], language: str, tz: str, catalog_names: dict):
    """Return the live list table: group roots, each followed by the alerts gathered beneath it."""
    if not groups:
        return html.Div(t("alerts.none", language), className="text-muted", **{"data-testid": "alerts-empty"})
    heads = ["severity", "indicator", "unit", "state", "value", "since", "handling"]
    rows = []
    for root, members in groups:
        rows.append(alert_row(root, len(members), language, tz, catalog_names))
        rows += [alert_row(m, 0, language, tz, catalog_names) for m in members]
    head = html.Thead(html.Tr([html.Th(t(f"alerts.col.{h}", language)) for h in heads] + [html.Th("")]))
    return html.Table([head, html.Tbody(rows)], className="table table-sm align-middle", **{"data-testid": "alerts-table"})


def _action_text(action: str, language: str) -> str:
    """Return a transition ("normal → pending") or a handling action ("ack") in the UI language."""
    if " → " in action:
        return " → ".join(t(f"alerts.state.{state}", language) for state in action.split(" → "))
    return t(f"alerts.{action}", language)


def _detail_text(detail, language: str) -> str:
    """Return a handling action's details (stored as JSON) as "key: value" text."""
    if not detail:
        return ""
    try:
        fields = json.loads(detail)
    except (TypeError, ValueError):
        return str(detail)
    if not isinstance(fields, dict):
        return str(fields)
    return "；".join(f"{t(f'alerts.field.{key}', language)}: {value}" for key, value in fields.items())


def _transition_text(r, language: str) -> str:
    severity = t(f"alerts.severity.{r.severity}", language) if isinstance(r.severity, str) else ""
    return f"{severity} {_num(r.value)} / {_num(r.threshold)}".strip()


def history_table(history: pd.DataFrame, language: str, tz: str) -> html.Table:
    """Return an alert's transitions and handling actions."""
    rows = [[_when(r.at_s, tz), r.actor, _action_text(r.action, language),
             _transition_text(r, language) if r.actor == "system" else _detail_text(r.detail, language)]
            for r in history.itertuples()]
    return simple_table([t(f"alerts.col.{c}", language) for c in ("when", "who", "what", "detail")], rows,
                        testid="alert-history")


def trace_figure(trace: pd.DataFrame, bounds: list[tuple[str, float]], language: str,
                 moving: pd.DataFrame | None = None, *, tz: str) -> go.Figure:
    """Return the value trace with each severity's threshold: a horizontal line, or a stepped one where it moves.

    ``moving`` holds, per snapshot, the bounds of a relative rule in the value's unit (times the
    baseline or last week's value, or mean + z·spread); ``bounds`` the fixed ones of an absolute rule.
    The time axis reads the city's local time (``tz``), as every other time on the page does.
    """
    if trace.empty:
        return _empty_figure(t("alerts.no_history", language))
    fig = go.Figure(go.Scatter(x=local_times(trace["at_s"], tz), y=trace["value"], mode="lines+markers",
                               line={"color": theme.PRIMARY}, name=t("alerts.col.value", language)))
    for severity, bound in bounds:
        fig.add_hline(y=bound, line={"color": theme.SEVERITY_COLOURS[severity], "dash": "dash"},
                      annotation_text=t(f"alerts.severity.{severity}", language))
    for severity in ([] if moving is None else [c for c in moving.columns if c != "at_s"]):
        fig.add_trace(go.Scatter(x=local_times(moving["at_s"], tz), y=moving[severity], mode="lines", line_shape="hv",
                                 line={"color": theme.SEVERITY_COLOURS[severity], "dash": "dash"},
                                 name=t(f"alerts.severity.{severity}", language)))
    fig.update_layout(margin={"l": 40, "r": 10, "t": 10, "b": 30}, height=260, showlegend=False,
                      font={"family": theme.FONT_FAMILY})
    return fig


def _empty_figure(message: str) -> go.Figure:
    """Return a blank chart that says why it is blank."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_layout(xaxis={"visible": False}, yaxis={"visible": False}, height=120,
                      margin={"l": 10, "r": 10, "t": 10, "b": 10}, font={"family": theme.FONT_FAMILY})
    return fig
