"""The camera alarms page ("/alarms"): the review queue, the decision form, false-alarm rates by type
and camera, recent decisions and the camera registry. Staff read it; duty officers and
administrators confirm (a case) or dismiss (with a reason), checked again on the server."""

from __future__ import annotations

from dash import dcc, html

from data.alarm_review import DISMISS_REASONS
from layouts import ids
from layouts.alerts import severity_badge
from layouts.components import simple_table
from layouts.events_page import fmt_time
from layouts.i18n import add_texts, t
from layouts.theme import fmt_pct

REFRESH_MS = 20_000

add_texts({
    "nav.alarms": ("视频告警", "Camera alarms"),
    "alarms.heading": ("视频与物联告警研判", "Camera and IoT alarm review"),
    "alarms.queue": ("待研判告警", "Waiting for review"),
    "alarms.queue.empty": ("没有待研判的告警。", "No alarm is waiting for review."),
    "alarms.pick": ("选择告警", "Choose an alarm"),
    "alarms.reason": ("排除原因", "Reason to dismiss"),
    "alarms.note": ("备注（排除原因为“其他”时必填）", "Note (required when the reason is 'other')"),
    "alarms.confirm": ("确认（生成案件）", "Confirm (make a case)"),
    "alarms.dismiss": ("排除（误报等）", "Dismiss (false alarm …)"),
    "alarms.confirmed": ("告警 #{alarm} 已确认，生成案件 {case}。", "Alarm #{alarm} confirmed: case {case}."),
    "alarms.dismissed": ("告警 #{alarm} 已排除。", "Alarm #{alarm} dismissed."),
    "alarms.choose_first": ("请先选择告警。", "Choose an alarm first."),
    "alarms.choose_reason": ("请选择排除原因。", "Choose a reason to dismiss."),
    "alarms.not_allowed": ("只有值班员和管理员可以研判告警。", "Only duty officers and administrators review alarms."),
    "alarms.reason.false_detection": ("误报（识别错误）", "False detection"),
    "alarms.reason.already_handled": ("已在处置", "Already being handled"),
    "alarms.reason.licensed_activity": ("许可经营/活动", "Licensed activity"),
    "alarms.reason.device_fault": ("设备故障", "Device fault"),
    "alarms.reason.other": ("其他", "Other"),
    "alarms.rates": ("近30日误报率", "False-alarm rate, last 30 days"),
    "alarms.rates.by_type": ("按告警类型", "By alarm type"),
    "alarms.rates.by_camera": ("按摄像机", "By camera"),
    "alarms.rates.empty": ("近30日没有已研判的告警。", "No alarm was reviewed in the last 30 days."),
    "alarms.decisions": ("最近研判", "Recent decisions"),
    "alarms.cameras": ("摄像机登记", "Camera registry"),
    "alarms.online": ("在线", "online"),
    "alarms.offline": ("离线", "offline"),
    "alarms.status.confirmed": ("已确认", "Confirmed"),
    "alarms.status.dismissed": ("已排除", "Dismissed"),
    "alarms.col.alarm": ("告警", "Alarm"),
    "alarms.col.severity": ("等级", "Severity"),
    "alarms.col.type": ("类型", "Type"),
    "alarms.col.place": ("地点", "Place"),
    "alarms.col.camera": ("摄像机", "Camera"),
    "alarms.col.first": ("首次", "First"),
    "alarms.col.last": ("最近", "Latest"),
    "alarms.col.reports": ("报告次数", "Reports"),
    "alarms.col.confidence": ("置信度", "Confidence"),
    "alarms.col.description": ("描述", "Description"),
    "alarms.col.reviewed": ("已研判", "Reviewed"),
    "alarms.col.dismissed": ("排除", "Dismissed"),
    "alarms.col.rate": ("误报率", "False-alarm rate"),
    "alarms.col.decision": ("结论", "Decision"),
    "alarms.col.by": ("研判人", "By"),
    "alarms.col.when": ("时间", "When"),
    "alarms.col.note": ("原因/备注", "Reason / note"),
    "alarms.col.case": ("案件", "Case"),
    "alarms.col.id": ("国标编码", "GB/T 28181 id"),
    "alarms.col.grid": ("网格", "Grid"),
    "alarms.col.status": ("状态", "Status"),
    "alarms.col.last_report": ("最近报告", "Latest report"),
    "alarms.col.pending": ("待研判", "Waiting"),
})


def layout(**_query) -> html.Div:
    """Return the page frame; callbacks.alarms_page fills it."""
    return html.Div([
        dcc.Interval(id=ids.ALARMS_TICK, interval=REFRESH_MS),
        dcc.Store(id=ids.ALARMS_CHANGED, data=0),
        html.H4(id=ids.ALARMS_HEADING, className="mb-3"),
        html.Div(id=ids.ALARMS_QUEUE, className="mb-3"),
        html.Div([
            dcc.Dropdown(id=ids.ALARMS_PICK, style={"minWidth": "22rem"}),
            dcc.Dropdown(id=ids.ALARMS_REASON, style={"minWidth": "14rem"}),
            dcc.Input(id=ids.ALARMS_NOTE, type="text", maxLength=200, className="form-control",
                      style={"maxWidth": "22rem"}),
            html.Button(id=ids.ALARMS_CONFIRM, n_clicks=0, className="btn btn-sm btn-primary"),
            html.Button(id=ids.ALARMS_DISMISS, n_clicks=0, className="btn btn-sm btn-outline-secondary"),
        ], className="d-flex flex-wrap gap-2 align-items-center mb-2"),
        html.Div(id=ids.ALARMS_MESSAGE, className="mb-3", **{"data-testid": "alarms-message"}),
        html.Div(id=ids.ALARMS_RATES, className="mb-3"),
        html.Div(id=ids.ALARMS_DECISIONS, className="mb-3"),
        html.Div(id=ids.ALARMS_CAMERAS),
    ], className="container-fluid py-3")


def _name(row: dict, language: str) -> str:
    return row["name_zh"] if language == "zh" else row["name_en"]


def queue_section(rows: list[dict], language: str, tz: str) -> html.Div:
    """Return the review queue: one row per pending alarm (text only)."""
    heading = html.H5(t("alarms.queue", language))
    if not rows:
        return html.Div([heading, html.P(t("alarms.queue.empty", language), className="text-muted")])
    columns = ("alarm", "severity", "type", "place", "camera", "first", "last", "reports", "confidence", "description")
    head = html.Thead(html.Tr([html.Th(t(f"alarms.col.{c}", language)) for c in columns]))
    body = html.Tbody([html.Tr([
        html.Td(f"#{r['alarm_id']}"), html.Td(severity_badge(r["severity"], language)), html.Td(_name(r, language)),
        html.Td(r["place"]), html.Td(r["camera_name"]), html.Td(fmt_time(r["first_at"], tz)),
        html.Td(fmt_time(r["last_at"], tz)), html.Td(str(r["reports"])),
        html.Td("—" if r["confidence"] is None else f"{r['confidence']:.2f}"), html.Td(r["description"] or ""),
    ], **{"data-testid": f"alarm-row-{r['alarm_id']}"}) for r in rows])
    table = html.Table([head, body], className="table table-sm table-striped mb-0",
                       **{"data-testid": "alarm-queue"})
    return html.Div([heading, table])


def pick_options(rows: list[dict], language: str) -> list[dict]:
    """Return the decision form's alarm choices: '#id type · place'."""
    return [{"label": f"#{r['alarm_id']} {_name(r, language)} · {r['place']}", "value": int(r["alarm_id"])}
            for r in rows]


def reason_options(language: str) -> list[dict]:
    """Return the dismissal reasons in the UI language."""
    return [{"label": t(f"alarms.reason.{r}", language), "value": r} for r in DISMISS_REASONS]


def rates_section(by_type: list[dict], by_camera: list[dict], language: str) -> html.Div:
    """Return the false-alarm rates by type and by camera."""
    def table(rows, key_header):
        body = [[_name(r, language), str(r["reviewed"]), str(r["dismissed"]), fmt_pct(r["rate"])] for r in rows]
        return simple_table([t(key_header, language), t("alarms.col.reviewed", language),
                             t("alarms.col.dismissed", language), t("alarms.col.rate", language)], body)
    if not by_type:
        return html.Div([html.H5(t("alarms.rates", language)), html.P(t("alarms.rates.empty", language))])
    return html.Div([html.H5(t("alarms.rates", language)), html.Div([
        html.Div([html.H6(t("alarms.rates.by_type", language)), table(by_type, "alarms.col.type")], className="col-md"),
        html.Div([html.H6(t("alarms.rates.by_camera", language)), table(by_camera, "alarms.col.camera")],
                 className="col-md"),
    ], className="row g-3")], **{"data-testid": "alarm-rates"})


def decisions_section(rows: list[dict], language: str, tz: str) -> html.Div:
    """Return the latest decisions with their reviewer, time, reason and case."""
    body = [[f"#{r['alarm_id']}", _name(r, language), r["place"], t(f"alarms.status.{r['status']}", language),
             r["reviewed_by"] or "", fmt_time(r["reviewed_at"], tz), _reason(r["review_note"], language),
             r["case_id"] or ""] for r in rows]
    columns = ("alarm", "type", "place", "decision", "by", "when", "note", "case")
    return html.Div([html.H5(t("alarms.decisions", language)),
                     simple_table([t(f"alarms.col.{c}", language) for c in columns], body, testid="alarm-decisions")])


def _reason(note: str | None, language: str) -> str:
    if not note:
        return ""
    code, _, text = note.partition(": ")
    return t(f"alarms.reason.{code}", language) + (f" · {text}" if text else "") if code in DISMISS_REASONS else note


def cameras_section(rows: list[dict], language: str, tz: str) -> html.Div:
    """Return the camera registry with status, latest report and alarms waiting."""
    body = [[r["camera_id"], r["name"], r["place"], (r["grid_zh"] if language == "zh" else r["grid_en"]) or "—",
             t("alarms.online" if r["online"] else "alarms.offline", language), fmt_time(r["last_report"], tz),
             str(r["pending"])] for r in rows]
    columns = ("id", "camera", "place", "grid", "status", "last_report", "pending")
    return html.Div([html.H5(t("alarms.cameras", language)),
                     simple_table([t(f"alarms.col.{c}", language) for c in columns], body, testid="camera-registry")])
