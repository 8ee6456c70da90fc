"""Callbacks of the /orders page: filters, list, detail with the role's steps, the steps, dispatch.

Every read and write goes through the signed-in principal: its department limits what it sees
(access/departments.order_scope), its role's permissions what it may do (data/orders/machine.py,
checked again in data/orders/store.py). The page's roles come from layouts/pages.py.
"""

from __future__ import annotations

import hashlib
import json

from dash import ALL, Input, Output, State, callback, ctx, html, no_update

from access.departments import NoDepartment, order_scope
from access.roles import current_principal
from callbacks import context
from data import inputs
from data.orders import store
from data.orders.machine import OrderError, allowed_steps
from layouts import ids
from layouts import orders as view
from layouts.i18n import normalise_language, t
from layouts.widget_texts import localise_widgets
from queries import orders as queries


def _scope(con) -> tuple[object, str | None]:
    """Return (principal, department scope); raise NoDepartment when the principal may see no order."""
    principal = current_principal()
    return principal, order_scope(con, principal)


def _names(con, language: str) -> dict[str, str]:
    key = "name_zh" if language == "zh" else "name_en"
    return {d["code"]: d[key] for d in store.departments(con)}


@callback(Output(ids.ORDERS_HEADING, "children"), Output(ids.ORDERS_FILTER_STATE, "options"),
          Output(ids.ORDERS_FILTER_DEPARTMENT, "options"), Output(ids.ORDERS_FILTER_LEVEL, "options"),
          Output(ids.ORDERS_FILTER_STATE, "placeholder"), Output(ids.ORDERS_FILTER_DEPARTMENT, "placeholder"),
          Output(ids.ORDERS_FILTER_LEVEL, "placeholder"), Output(ids.ORDERS_FILTER_STATE, "labels"),
          Output(ids.ORDERS_FILTER_DEPARTMENT, "labels"), Output(ids.ORDERS_FILTER_LEVEL, "labels"),
          Input(ids.LANGUAGE, "data"))
def label_page(language):
    """Name the page (a department's own view names its department) and fill the filters' options."""
    language = normalise_language(language)
    con = context.current().cursor()
    try:
        _, department = _scope(con)
    except NoDepartment:
        department = None
    names = _names(con, language)
    heading = (t("orders.heading.department", language).format(department=names.get(department, department))
               if department else t("orders.heading", language))
    return (heading, view.state_options(language), view.department_options(store.departments(con), language),
            view.level_options(store.handling_levels(con), language),
            *(t(f"orders.filter.{k}", language) for k in ("state", "department", "level")),
            *([view.dropdown_labels(language)] * 3))


@callback(Output(ids.ORDERS_LIST, "children"), Output(ids.ORDERS_SHOWN, "data"), Output(ids.ORDERS_PAGER, "children"),
          Output(ids.ORDERS_PREV, "disabled"), Output(ids.ORDERS_NEXT, "disabled"),
          Input(ids.ORDERS_TICK, "n_intervals"),
          Input(ids.ORDERS_FILTER_STATE, "value"), Input(ids.ORDERS_FILTER_DEPARTMENT, "value"),
          Input(ids.ORDERS_FILTER_LEVEL, "value"), Input(ids.ORDERS_CHANGED, "data"), Input(ids.LANGUAGE, "data"),
          Input(ids.ORDERS_PAGE, "data"), State(ids.ORDERS_SHOWN, "data"))
def refresh_list(_tick, state, department, level, _changed, language, page, shown):
    """Redraw one page of the orders the principal may see, under the filters; nothing is sent when
    the page's rows are those already drawn (each tick would otherwise rebuild every row's components)."""
    language = normalise_language(language)
    app = context.current()
    con = app.cursor()
    try:
        _, scope = _scope(con)
    except NoDepartment:
        return html.Div(t("orders.no_department", language), className="text-danger"), None, "", True, True
    state, department = (value if isinstance(value, str) else None for value in (state, department))
    level = int(level) if isinstance(level, (int, str)) and str(level).isdigit() and int(level) < 10 else None
    filters = queries.OrderFilters(state, department, level)
    page = inputs.whole_number(page or 0, "page", 0, 100_000)
    frame, page = _page(con, app.now_s(), scope, filters, page)
    total = int(frame["total"].iloc[0]) if len(frame) else 0
    digest = _digest(frame, language, page)
    if digest == shown:
        return no_update, no_update, no_update, no_update, no_update
    last_page = (page + 1) * view.PAGE_SIZE >= total
    return (view.order_list(frame, language, app.tz, _names(con, language)), digest,
            view.pager_text(page, len(frame), total, language), page == 0, last_page)


def _page(con, now_s: int, scope, filters, page: int):
    """Return (the rows of ``page``, the page), or of the last page when fewer orders match than it starts at."""
    frame = queries.list_orders(con, now_s, scope, filters, view.PAGE_SIZE, page * view.PAGE_SIZE)
    if frame.empty and page > 0:
        first = queries.list_orders(con, now_s, scope, filters, 1)
        page = (int(first["total"].iloc[0]) - 1) // view.PAGE_SIZE if len(first) else 0
        frame = queries.list_orders(con, now_s, scope, filters, view.PAGE_SIZE, page * view.PAGE_SIZE)
    return frame, page


def _digest(frame, language: str, page: int) -> str:
    """Return a digest of the rows as drawn (their figures, flags and names) in a language, on a page."""
    text = json.dumps([language, page, frame.astype(str).values.tolist()], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@callback(Output(ids.ORDERS_PAGE, "data"), Input(ids.ORDERS_PREV, "n_clicks"), Input(ids.ORDERS_NEXT, "n_clicks"),
          Input(ids.ORDERS_FILTER_STATE, "value"), Input(ids.ORDERS_FILTER_DEPARTMENT, "value"),
          Input(ids.ORDERS_FILTER_LEVEL, "value"), State(ids.ORDERS_PAGE, "data"), prevent_initial_call=True)
def turn_page(_prev, _next, _state, _department, _level, page):
    """Go a page back or on; a changed filter starts at the first page again."""
    page = inputs.whole_number(page or 0, "page", 0, 100_000)
    if ctx.triggered_id == ids.ORDERS_NEXT:
        return page + 1
    if ctx.triggered_id == ids.ORDERS_PREV:
        return max(page - 1, 0)
    return 0


@callback(Output(ids.ORDERS_SELECTED, "data"), Input({"type": ids.ORDERS_OPEN, "index": ALL}, "n_clicks"),
          prevent_initial_call=True)
def select_order(clicks):
    """Remember the order whose row button was clicked."""
    if not ctx.triggered_id or not any(clicks):
        return no_update
    return ctx.triggered_id["index"]


@callback(Output(ids.ORDERS_DETAIL, "children"), Input(ids.ORDERS_SELECTED, "data"),
          Input(ids.ORDERS_CHANGED, "data"), Input(ids.LANGUAGE, "data"))
def show_detail(selected, _changed, language):
    """Show the selected order (if the principal may see it), its steps for the role and its history."""
    language = normalise_language(language)
    if selected is None:
        return html.Div(t("orders.pick", language), className="text-muted")
    app = context.current()
    con = app.cursor()
    try:
        principal, scope = _scope(con)
        order = store.order_row(con, inputs.whole_number(selected, f"{ids.ORDERS_SELECTED}.data", 1, 2**53), scope)
    except (NoDepartment, OrderError, ValueError) as exc:
        return html.Div(str(exc), className="text-danger")
    steps = allowed_steps(order["state"], _permissions(principal))
    return view.order_detail(order, steps, store.history(con, int(selected)), language, app.tz, _names(con, language))


def _permissions(principal) -> frozenset[str]:
    return principal.permissions if principal is not None else frozenset()


@callback(Output(ids.ORDERS_MESSAGE, "children"), Output(ids.ORDERS_CHANGED, "data"),
          Input({"type": ids.ORDERS_STEP, "index": ALL}, "n_clicks"), State(ids.ORDERS_SELECTED, "data"),
          State(ids.ORDERS_STEP_TEXT, "value"), State(ids.ORDERS_CHANGED, "data"), State(ids.LANGUAGE, "data"),
          prevent_initial_call=True)
def take_step(clicks, selected, text, changed, language):
    """Take the clicked step on the selected order as the signed-in user."""
    if not ctx.triggered_id or not ctx.triggered or not ctx.triggered[0]["value"] or selected is None:
        return no_update, no_update          # the detail was redrawn, nothing clicked
    language = normalise_language(language)
    app = context.current()
    con = app.cursor()
    action = str(ctx.triggered_id["index"])
    try:
        principal, scope = _scope(con)
        store.act(con, int(selected), action, actor=principal.actor, permissions=_permissions(principal),
                  department=scope, at_s=app.now_s(), text=text)
    except (NoDepartment, OrderError, PermissionError) as exc:
        return html.Span(str(exc), className="text-danger"), no_update
    return t("orders.step.done", language).format(step=t(f"orders.step.{action}", language)), (changed or 0) + 1


@callback(Output(ids.ORDERS_FORM, "children"), Input(ids.ORDERS_PREFILL, "data"), Input(ids.LANGUAGE, "data"))
def show_form(prefill, language):
    """Show the dispatch form to the roles that dispatch, prefilled from the URL's source."""
    language = normalise_language(language)
    principal = current_principal()
    if principal is None or not principal.may("orders.dispatch"):
        return None
    con = context.current().cursor()
    prefill = inputs.mapping(prefill, f"{ids.ORDERS_PREFILL}.data")
    source, source_id = (value if isinstance(value, str) and len(value) <= 200 else None
                         for value in (prefill.get("source"), prefill.get("id")))
    facts = queries.source_facts(con, source, source_id)
    form = view.new_order_form(language, facts, prefill, store.departments(con), store.handling_levels(con))
    return localise_widgets(form, language)


@callback(Output(ids.ORDERS_MESSAGE, "children", allow_duplicate=True),
          Output(ids.ORDERS_CHANGED, "data", allow_duplicate=True),
          Output(ids.ORDERS_SELECTED, "data", allow_duplicate=True),
          Input(ids.ORDERS_DISPATCH, "n_clicks"), State(ids.ORDERS_NEW_TITLE, "value"),
          State(ids.ORDERS_NEW_UNIT, "value"), State(ids.ORDERS_NEW_DEPARTMENTS, "value"),
          State(ids.ORDERS_NEW_LEVEL, "value"), State(ids.ORDERS_NEW_PRIORITY, "value"),
          State(ids.ORDERS_NEW_REPORT_H, "value"), State(ids.ORDERS_NEW_FINISH_H, "value"),
          State(ids.ORDERS_NEW_INSTRUCTIONS, "value"), State(ids.ORDERS_PREFILL, "data"),
          State(ids.ORDERS_CHANGED, "data"), State(ids.LANGUAGE, "data"), prevent_initial_call=True)
def dispatch(clicks, title, unit, departments, level, priority, report_h, finish_h, instructions, prefill, changed,
             language):
    """Dispatch a new order from the form as the signed-in user; select it."""
    if not clicks:
        return no_update, no_update, no_update
    language = normalise_language(language)
    principal = current_principal()
    if principal is None or not principal.may("orders.dispatch"):
        return html.Span(t("orders.new.not_allowed", language), className="text-danger"), no_update, no_update
    hours = _hours(report_h, finish_h)
    if hours is None:
        return html.Span(t("orders.new.bad_hours", language), className="text-danger"), no_update, no_update
    app = context.current()
    now, prefill = app.now_s(), prefill or {}
    try:
        order_id = store.create_order(
            app.cursor(), title=title or "", unit_code=(unit or "").strip(), departments=departments or [],
            handling_level=int(level or 0), report_due_s=now + int(hours[0] * 3600),
            finish_due_s=now + int(hours[1] * 3600), priority=priority or "", instructions=instructions,
            source_kind=prefill.get("source") or "manual", source_id=prefill.get("id") if prefill.get("source") else None,
            actor=principal.actor, permissions=principal.permissions, at_s=now)
    except (OrderError, PermissionError) as exc:
        return html.Span(str(exc), className="text-danger"), no_update, no_update
    return t("orders.new.done", language).format(id=order_id), (changed or 0) + 1, order_id


def _hours(report_h, finish_h) -> tuple[float, float] | None:
    """Return the two deadlines in hours, or None unless both are positive numbers (finish ≥ report)."""
    try:
        report, finish = float(report_h), float(finish_h)
    except (TypeError, ValueError):
        return None
    return (report, finish) if 0 < report <= finish <= 24 * 365 else None
