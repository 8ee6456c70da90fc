"""The /events page: cases filtered and paged on the server in a dash-ag-grid table; one case's life cycle
as a timeline with its SLA clock. Personal data arrives here already masked unless the server decided otherwise.

URL (contracts.md): ``/events?unit=&source=&category=&status=&overdue=1&since=YYYY-MM-DD&until=YYYY-MM-DD``,
``/events?case=<event_id>``; ``level=1|2|3`` narrows to a handling level.
"""

from __future__ import annotations

import dash_ag_grid as dag
from dash import dcc, html

from data.clock import local_datetime
from layouts import ids
from layouts.i18n import DEFAULT_LANGUAGE, add_texts, t
from queries.events_page import HANDLING_LEVELS, STATUSES, CaseFilters, SlaClock

PAGE_SIZE = 50
STATUS_CLASS = {"received": "bg-secondary", "accepted": "bg-info text-dark", "dispatched": "bg-primary",
                "resolved": "bg-success", "closed": "bg-dark", "returned": "bg-warning text-dark",
                "cancelled": "bg-light text-dark border", "merged": "bg-light text-dark border"}
SLA_CLASS = {"open": "text-success", "overdue": "text-danger fw-bold", "met": "text-success", "late": "text-danger",
             "no_deadline": "text-muted", "void": "text-muted"}
GRID_COLUMNS = (("event_id", True, 190), ("source", True, 120), ("category", True, 150), ("received", True, 140),
                ("due", True, 140), ("sla", False, 130), ("status", True, 90), ("level", True, 80),
                ("grid", True, 150), ("department", True, 130), ("caller", False, 90), ("phone", False, 120),
                ("description", False, 420))

add_texts({
    "nav.events": ("案件办理", "Cases"),
    "events.source": ("渠道", "Channel"),
    "events.category": ("事件类别", "Category"),
    "events.status": ("状态", "Status"),
    "events.level": ("办理层级", "Handling level"),
    "events.unit": ("区域（区县 / 街道 / 社区 / 网格）", "Area (district / street / community / grid)"),
    "events.overdue": ("仅看超期未办结", "Open and overdue only"),
    "events.since": ("受理起", "Received from"),
    "events.until": ("受理止", "Received until"),
    "events.count": ("共 {n} 件", "{n} cases"),
    "events.pick": ("点击表格中的一行查看案件全过程", "Click a row to see the case's life cycle"),
    "events.not_found": ("没有编号为 {id} 的案件", "No case {id}"),
    "events.reveal": ("查看个人信息（将记入审计）", "Show personal data (audited)"),
    "events.revealed": ("已显示个人信息，此次查看已记入审计日志", "Personal data shown; this was written to the audit log"),
    "events.masked_note": ("个人信息已脱敏", "Personal data masked"),
    "events.no_permission": ("您的角色无权查看个人信息", "Your role may not see personal data"),
    "events.col.event_id": ("编号", "Case"),
    "events.col.source": ("渠道", "Channel"),
    "events.col.category": ("类别", "Category"),
    "events.col.received": ("受理时间", "Received"),
    "events.col.due": ("办理时限", "Due"),
    "events.col.sla": ("时限状态", "SLA"),
    "events.col.status": ("状态", "Status"),
    "events.col.level": ("层级", "Level"),
    "events.col.grid": ("网格", "Grid"),
    "events.col.department": ("责任部门", "Department"),
    "events.col.caller": ("来电人", "Caller"),
    "events.col.phone": ("联系电话", "Phone"),
    "events.col.description": ("诉求内容", "Description"),
    "events.status.received": ("已受理", "received"),
    "events.status.accepted": ("已签收", "accepted"),
    "events.status.dispatched": ("已派遣", "dispatched"),
    "events.status.resolved": ("已处置", "resolved"),
    "events.status.closed": ("已办结", "closed"),
    "events.status.returned": ("已退回", "returned"),
    "events.status.cancelled": ("已撤销", "cancelled"),
    "events.status.merged": ("已合并", "merged"),
    "events.level.1": ("区级", "district"),
    "events.level.2": ("街道", "street"),
    "events.level.3": ("社区", "community"),
    "events.sla.open": ("剩余 {d}", "{d} left"),
    "events.sla.overdue": ("已超期 {d}", "overdue by {d}"),
    "events.sla.met": ("按期处置（提前 {d}）", "resolved in time ({d} early)"),
    "events.sla.late": ("超期处置（超 {d}）", "resolved late (by {d})"),
    "events.sla.no_deadline": ("无办理时限", "no deadline"),
    "events.sla.void": ("已作废，不计时限", "void: no deadline"),
    "events.sla.title": ("办理时限", "SLA clock"),
    "events.sla.hours": ("类别时限 {h} 小时", "category SLA {h} h"),
    "events.timeline": ("办理过程", "Life cycle"),
    "events.deadline": ("办理时限到期", "Deadline"),
    "events.where": ("发生地", "Where"),
    "events.caller": ("来电人", "Caller"),
    "events.phone": ("联系电话", "Phone"),
    "events.description": ("诉求内容", "Description"),
    "events.department": ("责任部门", "Department"),
    "events.satisfaction": ("满意度", "Satisfaction"),
    "events.repeat": ("重复诉求", "repeat request"),
    "events.unit_level.city": ("市", "city"),
    "events.unit_level.district": ("区县", "district"),
    "events.unit_level.street": ("街道", "street"),
    "events.unit_level.community": ("社区", "community"),
    "events.unit_level.grid": ("网格", "grid"),
    "events.days": ("{n}天", "{n} d"),
    "events.hours": ("{n}小时", "{n} h"),
    "events.minutes": ("{n}分钟", "{n} min"),
})


def layout(case: str | None = None, level: str | None = None, language: str = DEFAULT_LANGUAGE, **query) -> html.Div:
    """Return the page in ``language`` with the filters and the case taken from the URL; callbacks fill the
    grid and the case."""
    filters = CaseFilters.from_values(handling_level=level, **{k: query.get(k) for k in (
        "source", "category", "status", "overdue", "unit", "since", "until")})
    chosen = {"event_id": str(case)[:64], "source": filters.source} if case else None
    return html.Div([
        dcc.Store(id=ids.EVENTS_FILTERS, data=filters.as_query()),
        dcc.Store(id=ids.EVENTS_CASE, data=chosen),
        dcc.Store(id=ids.EVENTS_PURGED),
        dcc.Store(id=ids.EVENTS_URL_SYNC),
        filter_bar(filters, language),
        html.Div(id=ids.EVENTS_COUNT, className="small text-muted my-1", **{"data-testid": "events-count"}),
        html.Div([
            html.Div(case_grid(language), className="col-12 col-xxl-8"),
            html.Div([
                html.Div([
                    html.Button(t("events.reveal", language), id=ids.EVENTS_REVEAL, n_clicks=0,
                                className="btn btn-sm btn-outline-danger", style={"display": "none"}),
                    html.Span(id=ids.EVENTS_REVEAL_NOTE, className="small text-muted ms-2",
                              **{"data-testid": "events-reveal-note"}),
                ], className="mb-2"),
                html.Div(id=ids.EVENTS_PANEL),
            ], className="col-12 col-xxl-4"),
        ], className="row"),
    ], className="container-fluid py-3")


def filter_bar(filters: CaseFilters, language: str = DEFAULT_LANGUAGE) -> html.Div:
    """Return the filter controls set to ``filters`` (options arrive in the UI language from a callback)."""
    unit_options = [{"label": filters.unit, "value": filters.unit}] if filters.unit else []
    dropdown = {"className": "events-filter", "style": {"minWidth": "9rem"}}
    return html.Div([
        dcc.Dropdown(id=ids.EVENTS_SOURCE, value=filters.source, options=[], **dropdown),
        dcc.Dropdown(id=ids.EVENTS_CATEGORY, value=filters.category, options=[], **dropdown),
        dcc.Dropdown(id=ids.EVENTS_STATUS, value=filters.status, options=[], **dropdown),
        dcc.Dropdown(id=ids.EVENTS_LEVEL, value=filters.handling_level, options=[], **dropdown),
        dcc.Dropdown(id=ids.EVENTS_UNIT, value=filters.unit, options=unit_options, className="events-filter",
                     style={"minWidth": "16rem"}),
        # Dash's date pickers, not the browser's date field: they draw in the UI language (layouts/widget_texts.py)
        dcc.DatePickerSingle(id=ids.EVENTS_SINCE, date=filters.since.isoformat() if filters.since else None,
                             display_format="YYYY-MM-DD", clearable=True, className="events-date",
                             placeholder=t("events.since", language)),
        dcc.DatePickerSingle(id=ids.EVENTS_UNTIL, date=filters.until.isoformat() if filters.until else None,
                             display_format="YYYY-MM-DD", clearable=True, className="events-date",
                             placeholder=t("events.until", language)),
        dcc.Checklist(id=ids.EVENTS_OVERDUE, options=[{"label": t("events.overdue", language), "value": "1"}],
                      value=["1"] if filters.overdue else [], className="small", inputClassName="me-1"),
    ], className="d-flex flex-wrap gap-2 align-items-center")


def case_grid(language: str = DEFAULT_LANGUAGE) -> dag.AgGrid:
    """Return the case table: rows are fetched page by page from the server (infinite row model)."""
    return dag.AgGrid(
        id=ids.EVENTS_GRID, rowModelType="infinite", columnDefs=column_defs(language),
        defaultColDef={"resizable": True, "filter": False},
        dashGridOptions={"pagination": True, "paginationPageSize": PAGE_SIZE, "cacheBlockSize": PAGE_SIZE,
                         "maxBlocksInCache": 20, "rowSelection": {"mode": "singleRow", "checkboxes": False,
                                                                   "enableClickSelection": True},
                         "paginationPageSizeSelector": False},
        style={"height": "70vh"},
    )


def column_defs(language: str) -> list[dict]:
    """Return the grid's columns with headers in the UI language (sortable ones are sorted in SQL)."""
    return [{"field": key, "colId": key, "headerName": t(f"events.col.{key}", language), "sortable": sortable,
             "width": width} | ({"sort": "desc"} if key == "received" else {})
            for key, sortable, width in GRID_COLUMNS]


def fmt_time(epoch_s, tz: str) -> str:
    """Return an instant as city-local 'YYYY-MM-DD HH:MM', or an em dash."""
    if epoch_s is None:
        return "—"
    return local_datetime(int(epoch_s), tz).strftime("%Y-%m-%d %H:%M")


def fmt_duration(seconds: int, language: str) -> str:
    """Return a duration as days and hours, hours and minutes, or minutes."""
    minutes = max(int(seconds), 0) // 60
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return t("events.days", language).format(n=days) + t("events.hours", language).format(n=hours)
    if hours:
        return t("events.hours", language).format(n=hours) + t("events.minutes", language).format(n=mins)
    return t("events.minutes", language).format(n=mins)


def sla_text(clock: SlaClock, language: str) -> str:
    """Return the SLA clock as a phrase ("剩余 5小时3分钟", "overdue by 2 d 4 h")."""
    return t(f"events.sla.{clock.state}", language).format(d=fmt_duration(clock.seconds, language))


def grid_row(case: dict, clock: SlaClock, language: str, tz: str) -> dict:
    """Return one (already masked) case as a grid row of display strings."""
    level = case.get("handling_level")
    return {
        "case_source": case["source"], "event_id": case["event_id"],
        "source": source_name(case, language),
        "category": (case.get("category_zh") if language == "zh" else case.get("category_en")) or case["category_code"],
        "received": fmt_time(case["received_s"], tz), "due": fmt_time(case["due_s"], tz),
        "sla": sla_text(clock, language), "sla_state": clock.state,
        "status": t(f"events.status.{case['status']}", language),
        "level": t(f"events.level.{level}", language) if level in HANDLING_LEVELS else "—",
        "grid": case.get("grid_code") or "—", "department": department_name(case, language),
        "caller": case.get("caller_name") or "", "phone": case.get("caller_phone") or "",
        "description": case.get("description") or "",
    }


def department_name(case: dict, language: str) -> str:
    """Return the case's department in ``language`` (its code when the store does not know it)."""
    return case.get(f"department_{language}") or case.get("department") or "—"


def source_name(case: dict, language: str) -> str:
    """Return the name of a case's channel in the UI language (the queries give its code when the city's
    profile names no channel for it)."""
    return case["channel_zh" if language == "zh" else "channel_en"] or case["source"]


def option_list(values, language: str, prefix: str) -> list[dict]:
    """Return dropdown options for codes named by ``prefix.<code>`` texts."""
    return [{"label": t(f"{prefix}.{v}", language), "value": v} for v in values]


def status_options(language: str) -> list[dict]:
    """Return the status choices in life-cycle order."""
    return option_list(STATUSES, language, "events.status")


def level_options(language: str) -> list[dict]:
    """Return the handling level choices."""
    return option_list(HANDLING_LEVELS, language, "events.level")


def source_options(sources: list[dict], language: str) -> list[dict]:
    """Return the channel choices."""
    return [{"label": source_name(s, language), "value": s["source"]} for s in sources]


def category_options(categories: list[dict], language: str) -> list[dict]:
    """Return the category choices, named in the UI language."""
    return [{"label": c["name_zh"] if language == "zh" else c["name_en"], "value": c["code"]} for c in categories]


def unit_options(units: list[dict], language: str) -> list[dict]:
    """Return unit choices labelled "name (level · code)"."""
    return [{"label": f"{_name(u, language)} ({t('events.unit_level.' + u['level'], language)} · {u['code']})",
             "value": u["code"]} for u in units]


def _name(row: dict, language: str) -> str:
    return row["name_zh"] if language == "zh" else row["name_en"]


def case_panel(case: dict, history: list[dict], clock: SlaClock, language: str, tz: str) -> html.Div:
    """Return one case: what, where, who (as the server chose to show it), its SLA clock and its timeline."""
    return html.Div([
        html.H5([case["event_id"], " ", html.Span(t(f"events.status.{case['status']}", language),
                                                  className="badge " + STATUS_CLASS.get(case["status"], "bg-secondary"))],
                **{"data-testid": "case-title"}),
        html.Div(f"{source_name(case, language)} · "
                 f"{(case.get('category_zh') if language == 'zh' else case.get('category_en')) or case['category_code']}",
                 className="text-muted small mb-2"),
        sla_block(case, clock, language, tz),
        facts_table(case, language),
        html.H6(t("events.timeline", language), className="fw-bold mt-3"),
        timeline(history, clock, language, tz),
    ], className="card card-body", **{"data-testid": "case-panel"})


def _where(case: dict, language: str) -> str:
    suffix = "zh" if language == "zh" else "en"
    names = [case.get(f"{level}_{suffix}") for level in ("district", "street", "community", "grid")]
    return " / ".join(n for n in names if n) + (f" ({case['grid_code']})" if case.get("grid_code") else "") or "—"


def facts_table(case: dict, language: str) -> html.Table:
    """Return where, who, what and who handles it; every value is rendered as text."""
    level = case.get("handling_level")
    rows = [("where", _where(case, language), "case-where"),
            ("caller", case.get("caller_name") or "—", "case-caller"),
            ("phone", case.get("caller_phone") or "—", "case-phone"),
            ("description", (case.get("description") or "—") + (f"（{t('events.repeat', language)}）" if case.get("is_repeat") else ""),
             "case-description"),
            ("department", f"{department_name(case, language)} · "
                           f"{t(f'events.level.{level}', language) if level in HANDLING_LEVELS else '—'}", "case-department"),
            ("satisfaction", str(case["satisfaction"]) if case.get("satisfaction") is not None else "—", "case-satisfaction")]
    body = [html.Tr([html.Th(t(f"events.{key}", language), className="fw-normal text-muted text-nowrap"),
                     html.Td(value, **{"data-testid": testid})]) for key, value, testid in rows]
    return html.Table(html.Tbody(body), className="table table-sm mt-2 mb-0")


def sla_block(case: dict, clock: SlaClock, language: str, tz: str) -> html.Div:
    """Return the deadline, the time left or overdue, and how much of the SLA has been used."""
    parts = [html.Span(f"{t('events.sla.title', language)}: {fmt_time(clock.due_s, tz)} · "),
             html.Span(sla_text(clock, language), className=SLA_CLASS[clock.state], **{"data-testid": "case-sla"})]
    if case.get("sla_hours") is not None:
        parts.append(html.Span(" · " + t("events.sla.hours", language).format(h=f"{case['sla_hours']:g}"),
                               className="text-muted"))
    return html.Div(parts, className="small", **{"data-sla-state": clock.state})


def timeline(history: list[dict], clock: SlaClock, language: str, tz: str) -> html.Ol:
    """Return the life cycle as a vertical timeline, with the deadline placed where it falls."""
    steps = [(h["updated_s"], _step(h, language)) for h in history]
    if clock.due_s is not None:
        steps.append((clock.due_s, (t("events.deadline", language), "", "border-danger")))
    steps.sort(key=lambda step: step[0])
    items = [html.Li([html.Div(fmt_time(at, tz), className="small text-muted"),
                      html.Div(title, className="fw-bold"), html.Div(detail, className="small")],
                     className=f"border-start border-3 ps-3 pb-2 {border}", **{"data-testid": "timeline-step"})
             for at, (title, detail, border) in steps]
    return html.Ol(items, className="list-unstyled ms-1", **{"data-testid": "case-timeline"})


def _step(version: dict, language: str) -> tuple[str, str, str]:
    level = version.get("handling_level")
    detail = " · ".join(part for part in (
        version.get("department") or "",
        t(f"events.level.{level}", language) if level in HANDLING_LEVELS else "",
        f"{t('events.satisfaction', language)} {version['satisfaction']}" if version.get("satisfaction") is not None else "",
    ) if part)
    return t(f"events.status.{version['status']}", language), detail, "border-primary"
