"""The /orders page: the list with filters, one order's detail with its history and the steps the
signed-in role may take, and the dispatch form (prefilled from an alert, a case or a unit).

URL: ``/orders?source=alert|case|unit&id=…`` opens the form for a new order from that source;
``/orders?order=N`` opens one order. A department's user sees its own department's orders only.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pandas as pd
from dash import dcc, html

from data.clock import local_datetime
from data.orders.machine import DEFAULT_DEADLINES_H, PRIORITIES, STATES
from layouts import ids
from layouts.orders_texts import FORM_SOURCES      # importing it registers the page's texts
from layouts.components import simple_table
from layouts.i18n import DEFAULT_LANGUAGE, t

REFRESH_MS = 30_000
PAGE_SIZE = 25          # rows drawn at once: every row is a dozen components, and the browser redraws them all
STATE_CLASS = {"dispatched": "bg-primary", "reported": "bg-info text-dark", "in_progress": "bg-info text-dark",
               "feedback": "bg-warning text-dark", "verified": "bg-success", "closed": "bg-dark",
               "returned": "bg-secondary"}
# the keys of a history step's details (data/orders) that are shown with a label; any other is shown as it is
HISTORY_KEYS = ("departments", "handling_level", "priority", "report_due", "finish_due", "source", "deadline",
                "share", "from_level", "to_level", "reason")
PRIORITY_CLASS = {"normal": "text-body", "urgent": "text-warning fw-bold", "critical": "text-danger fw-bold"}


def layout(source: str | None = None, id: str | None = None, order: str | None = None,  # noqa: A002
           language: str = DEFAULT_LANGUAGE, **_query) -> html.Div:
    """Return the page frame in ``language``; callbacks.orders fills the list, the form and the detail."""
    prefill = {"source": source if source in FORM_SOURCES else None, "id": (id or "")[:128] or None}
    selected = int(order) if order and str(order).isdigit() else None
    return html.Div([
        dcc.Interval(id=ids.ORDERS_TICK, interval=REFRESH_MS),
        dcc.Store(id=ids.ORDERS_PREFILL, data=prefill),
        dcc.Store(id=ids.ORDERS_SELECTED, data=selected),
        dcc.Store(id=ids.ORDERS_CHANGED, data=0),
        dcc.Store(id=ids.ORDERS_PAGE, data=0),
        dcc.Store(id=ids.ORDERS_SHOWN),
        html.H5(id=ids.ORDERS_HEADING, className="mb-2"),
        html.Div([
            html.Div([filters(language), html.Div(id=ids.ORDERS_LIST, className="mt-2"), pager(language)],
                     className="col-12 col-xl-7"),
            html.Div([html.Div(id=ids.ORDERS_MESSAGE, className="small my-2", role="status"),
                      html.Div(id=ids.ORDERS_DETAIL), html.Div(id=ids.ORDERS_FORM, className="mt-3")],
                     className="col-12 col-xl-5"),
        ], className="row"),
    ], className="container-fluid py-3")


def filters(language: str = DEFAULT_LANGUAGE) -> html.Div:
    """Return the state, department and level filters (options and hints set in the UI language)."""
    return html.Div([
        dcc.Dropdown(id=ids.ORDERS_FILTER_STATE, className="flex-fill",
                     placeholder=t("orders.filter.state", language)),
        dcc.Dropdown(id=ids.ORDERS_FILTER_DEPARTMENT, className="flex-fill",
                     placeholder=t("orders.filter.department", language)),
        dcc.Dropdown(id=ids.ORDERS_FILTER_LEVEL, className="flex-fill",
                     placeholder=t("orders.filter.level", language)),
    ], className="d-flex gap-2")


def pager(language: str = DEFAULT_LANGUAGE) -> html.Div:
    """Return the list's pager: previous, which rows of how many, next (callbacks.orders fills it)."""
    return html.Div([
        html.Button(t("orders.prev", language), id=ids.ORDERS_PREV, n_clicks=0, disabled=True,
                    className="btn btn-sm btn-outline-secondary"),
        html.Span(id=ids.ORDERS_PAGER, className="small text-muted", **{"data-testid": "orders-pager"}),
        html.Button(t("orders.next", language), id=ids.ORDERS_NEXT, n_clicks=0, disabled=True,
                    className="btn btn-sm btn-outline-secondary"),
    ], className="d-flex align-items-center gap-2 mt-1")


def pager_text(page: int, shown: int, total: int, language: str) -> str:
    """Return which rows of how many the list shows ('' when there are none)."""
    first = page * PAGE_SIZE + 1
    return t("orders.pager", language).format(first=first, last=first + shown - 1, total=total) if shown else ""


def dropdown_labels(language: str) -> dict[str, str]:
    """Return the dropdowns' own texts (search, select all …) in the UI language."""
    return {key: t(f"orders.dropdown.{key}", language)
            for key in ("select_all", "deselect_all", "search", "clear_search", "clear_selection", "no_options_found")}


def state_options(language: str) -> list[dict]:
    """Return the states as dropdown options."""
    return [{"label": t(f"orders.state.{s}", language), "value": s} for s in STATES]


def level_options(levels: tuple[int, ...], language: str) -> list[dict]:
    """Return the city's handling levels as dropdown options."""
    return [{"label": t(f"orders.level.{n}", language), "value": n} for n in levels]


def department_options(departments: list[dict], language: str) -> list[dict]:
    """Return the departments as dropdown options, named in the UI language."""
    key = "name_zh" if language == "zh" else "name_en"
    return [{"label": d[key], "value": d["code"]} for d in departments]


def when(epoch_s, tz: str) -> str:
    """Return an instant as the city's local time to the minute ('' for none)."""
    return "" if epoch_s is None or pd.isna(epoch_s) else local_datetime(int(epoch_s), tz).strftime("%m-%d %H:%M")


def state_badge(state: str, language: str) -> html.Span:
    """Return a coloured badge naming an order's state."""
    return html.Span(t(f"orders.state.{state}", language), className=f"badge {STATE_CLASS.get(state, 'bg-light')}")


def order_list(frame: pd.DataFrame, language: str, tz: str, department_names: dict[str, str]) -> html.Div | html.Table:
    """Return the list of orders, each with its open button and its late flags (departments named in
    the UI language)."""
    if frame.empty:
        return html.Div(t("orders.none", language), className="text-muted", **{"data-testid": "orders-empty"})
    unit = "unit_zh" if language == "zh" else "unit_en"
    rows = [[html.Button(f"#{r.order_id}", id={"type": ids.ORDERS_OPEN, "index": int(r.order_id)},
                         className="btn btn-link btn-sm p-0", title=t("orders.open", language)),
             html.Span(str(r.title)[:80]), _state_cell(r, language),
             html.Span(t(f"orders.priority.{r.priority}", language), className=PRIORITY_CLASS.get(r.priority, "")),
             str(getattr(r, unit) or r.unit_code), t(f"orders.level.{r.handling_level}", language),
             _names(r.departments, department_names, language), when(r.report_due_s, tz), when(r.finish_due_s, tz)]
            for r in frame.itertuples()]
    columns = [t(f"orders.col.{c}", language) for c in ("id", "title", "state", "priority", "unit", "level",
                                                        "departments", "report_due", "finish_due")]
    return simple_table(columns, rows, testid="orders-list")


def _names(codes, department_names: dict[str, str], language: str) -> str:
    codes = [] if codes is None else list(codes)
    return ("、" if language == "zh" else ", ").join(department_names.get(c, c) for c in codes)


def _state_cell(row, language: str) -> html.Span:
    flags = [state_badge(row.state, language)]
    if row.report_overdue:
        flags.append(html.Span(t("orders.late_report", language), className="badge bg-danger ms-1"))
    elif row.finish_overdue:
        flags.append(html.Span(t("orders.late_finish", language), className="badge bg-danger ms-1"))
    if row.supervised:
        flags.append(html.Span(t("orders.supervised", language), className="badge bg-warning text-dark ms-1"))
    return html.Span(flags)


def new_order_form(language: str, facts: dict, prefill: dict, departments: list[dict],
                   levels: tuple[int, ...]) -> html.Div:
    """Return the dispatch form, prefilled from the source's facts (title, unit, level, departments)."""
    report_h, finish_h = DEFAULT_DEADLINES_H["normal"]
    level = facts.get("handling_level") if facts.get("handling_level") in levels else levels[-1]
    known = {d["code"] for d in departments}
    source = ([html.Div(t("orders.new.from", language).format(kind=t(f"orders.source.{prefill['source']}", language),
                                                                id=prefill["id"]), className="small text-muted mb-1",
                        **{"data-testid": "orders-source"})] if prefill.get("source") else [])
    return html.Div([
        html.H6(t("orders.new.heading", language)), *source,
        _field("orders.new.title", dcc.Input(id=ids.ORDERS_NEW_TITLE, type="text", maxLength=200,
                                             value=facts.get("title", ""), className="form-control form-control-sm"),
               language),
        _field("orders.new.unit", dcc.Input(id=ids.ORDERS_NEW_UNIT, type="text", maxLength=64,
                                            value=facts.get("unit_code", ""), className="form-control form-control-sm"),
               language),
        _field("orders.new.departments", dcc.Dropdown(id=ids.ORDERS_NEW_DEPARTMENTS, multi=True,
                                                      labels=dropdown_labels(language),
                                                      options=department_options(departments, language),
                                                      value=[d for d in facts.get("departments", []) if d in known]),
               language),
        html.Div([
            _field("orders.new.level", dcc.Dropdown(id=ids.ORDERS_NEW_LEVEL, options=level_options(levels, language),
                                                    value=level, clearable=False, labels=dropdown_labels(language)), language, "col"),
            _field("orders.new.priority", dcc.Dropdown(id=ids.ORDERS_NEW_PRIORITY, clearable=False, value="normal",
                                                       labels=dropdown_labels(language),
                                                       options=[{"label": t(f"orders.priority.{p}", language),
                                                                 "value": p} for p in PRIORITIES]), language, "col"),
        ], className="row g-2"),
        html.Div([
            _field("orders.new.report_hours", dcc.Input(id=ids.ORDERS_NEW_REPORT_H, type="number", min=0.1, step=0.1,
                                                        value=report_h, className="form-control form-control-sm"),
                   language, "col"),
            _field("orders.new.finish_hours", dcc.Input(id=ids.ORDERS_NEW_FINISH_H, type="number", min=0.1, step=0.5,
                                                        value=finish_h, className="form-control form-control-sm"),
                   language, "col"),
        ], className="row g-2"),
        _field("orders.new.instructions", dcc.Textarea(id=ids.ORDERS_NEW_INSTRUCTIONS, maxLength=2000,
                                                       className="form-control form-control-sm"), language),
        html.Button(t("orders.step.dispatch", language), id=ids.ORDERS_DISPATCH, n_clicks=0,
                    className="btn btn-primary btn-sm mt-2"),
    ], className="border rounded p-2", **{"data-testid": "orders-form"})


def _field(key: str, control, language: str, width: str = "") -> html.Div:
    return html.Div([html.Label(t(key, language), className="form-label small mb-0"), control],
                    className=f"mb-1 {width}".strip())


def order_detail(order: dict, steps: tuple[str, ...], history: list[dict], language: str, tz: str,
                 department_names: dict[str, str]) -> html.Div:
    """Return one order: its facts, its links, the steps the role may take, and its history."""
    names = _names(order["departments"], department_names, language)
    colon = "：" if language == "zh" else ": "
    level = t(f"orders.level.{order['handling_level']}", language)
    priority = t(f"orders.priority.{order['priority']}", language)
    facts = [
        html.H6([state_badge(order["state"], language), f" #{order['order_id']} {order['title']}"],
                **{"data-testid": "order-detail-title"}),
        html.Div(f"{t('orders.col.departments', language)}{colon}{names} · "
                 f"{t('orders.col.level', language)}{colon}{level} · {t('orders.col.priority', language)}{colon}{priority}",
                 className="small"),
        html.Div(f"{t('orders.col.report_due', language)} {when(order['report_due_at'], tz)} · "
                 f"{t('orders.col.finish_due', language)} {when(order['finish_due_at'], tz)}", className="small"),
        _text_block("orders.detail.instructions", order.get("instructions"), language),
        _text_block("orders.detail.feedback", order.get("feedback"), language),
        _text_block("orders.detail.return_reason", order.get("return_reason"), language),
        links(order, language),
    ]
    return html.Div([*facts, step_form(steps, language),
                     html.Div(t("orders.detail.history", language), className="fw-bold mt-2"),
                     history_table(history, language, tz, department_names)])


def _text_block(key: str, text: str | None, language: str):
    if not text:
        return None
    colon = "：" if language == "zh" else ": "
    return html.Div([html.Span(t(key, language) + colon, className="fw-bold"), html.Span(str(text)[:2000])],
                    className="small mt-1")


def links(order: dict, language: str) -> html.Div:
    """Return the order's links: its unit on the map, and its source (an alert or a case)."""
    found = [dcc.Link(t("orders.link.map", language), href="/map?" + urlencode({"unit": order["unit_code"]}),
                      className="me-3")]
    kind, source_id = order.get("source_kind"), order.get("source_id")
    if kind == "alert" and source_id:
        found.append(dcc.Link(t("orders.link.source", language), href="/alerts?" + urlencode({"alert": source_id})))
    if kind == "case" and source_id:
        found.append(dcc.Link(t("orders.link.source", language),
                              href="/events?" + urlencode({"case": source_id.partition(":")[2]})))
    return html.Div(found, className="small mt-1", **{"data-testid": "order-links"})


def step_form(steps: tuple[str, ...], language: str) -> html.Div:
    """Return the text box and one button per step the role may take now."""
    if not steps:
        return html.Div(t("orders.step.none", language), className="small text-muted mt-2")
    return html.Div([
        dcc.Textarea(id=ids.ORDERS_STEP_TEXT, maxLength=2000, placeholder=t("orders.step.text", language),
                     className="form-control form-control-sm mb-1"),
        html.Div([html.Button(t(f"orders.step.{s}", language), id={"type": ids.ORDERS_STEP, "index": s},
                              className="btn btn-sm btn-outline-primary me-1 mb-1") for s in steps]),
    ], className="mt-2", **{"data-testid": "order-steps"})


def history_table(history: list[dict], language: str, tz: str,
                  department_names: dict[str, str] | None = None) -> html.Table:
    """Return an order's steps with their actor and local time, oldest first; each step's details are
    written out in the UI language (departments by name, levels, priorities, deadlines as local times)."""
    names = department_names or {}
    rows = [[when(h["at_s"], tz), h["actor"], t(f"orders.step.{h['action']}", language),
             _change(h, language), details_text(h["details"], language, tz, names)] for h in history]
    columns = [t(f"orders.col.{c}", language) for c in ("when", "who", "what", "change", "detail")]
    return simple_table(columns, rows, testid="order-history")


def _change(h: dict, language: str) -> str:
    to_state = t(f"orders.state.{h['to_state']}", language)
    if not h["from_state"] or h["from_state"] == h["to_state"]:
        return to_state
    return t(f"orders.state.{h['from_state']}", language) + " → " + to_state


def details_text(text: str | None, language: str, tz: str, department_names: dict[str, str]) -> str:
    """Return a history step's stored details as one line in the UI language ('' for none or unreadable)."""
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return ""
    if not isinstance(found, dict):
        return ""
    colon, separator = ("：", "；") if language == "zh" else (": ", "; ")
    parts = []
    for key, value in found.items():
        shown = _detail_value(key, value, language, tz, department_names)
        if shown:
            parts.append(f"{t(f'orders.history.{key}', language)}{colon}{shown}" if key in HISTORY_KEYS else shown)
    return separator.join(parts)[:300]


def _detail_value(key: str, value, language: str, tz: str, department_names: dict[str, str]) -> str:
    if value in (None, "", []):
        return ""
    if key == "departments":
        return _names(value if isinstance(value, list) else [value], department_names, language)
    if key in ("handling_level", "from_level", "to_level"):
        return t(f"orders.level.{value}", language)
    if key == "priority":
        return t(f"orders.priority.{value}", language)
    if key in ("report_due", "finish_due") and isinstance(value, (int, float)):
        return when(value, tz)
    if key == "source" and isinstance(value, list) and value and value[0]:
        return t(f"orders.source.{value[0]}", language) + (f" {value[1]}" if len(value) > 1 and value[1] else "")
    if key == "deadline":
        return t(f"orders.col.{value}_due", language)
    if key == "share" and isinstance(value, (int, float)):
        return f"{value:.0%}"
    if key == "reason":
        return t(f"orders.history.reason.{value}", language)
    return str(value)           # a step's own text (text): as the person typed it


def source_links(kind: str, source_id: str, orders: list[tuple[int, str]], map_href: str | None,
                 may_dispatch: bool, language: str) -> html.Div:
    """Return the links of an alert, a case or a unit: show on the map, dispatch an order (roles that
    dispatch), and its work orders with their states."""
    found = []
    if map_href:
        found.append(_link(t("orders.link.map", language), map_href, "link-map"))
    if may_dispatch:
        found.append(_link(t("orders.link.dispatch", language),
                           "/orders?" + urlencode({"source": kind, "id": source_id}), "link-dispatch"))
    if orders:
        found.append(html.Span(t("orders.link.orders", language) + ("：" if language == "zh" else ": ")))
        found += [_link(f"#{order_id} {t(f'orders.state.{state}', language)}", f"/orders?order={order_id}", "link-order")
                  for order_id, state in orders]
    return html.Div(found, className="small my-1", **{"data-testid": "source-links"})


def _link(text: str, href: str, testid: str) -> html.Span:
    return html.Span(dcc.Link(text, href=href), className="me-3", **{"data-testid": testid})
