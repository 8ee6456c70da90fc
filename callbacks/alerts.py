"""Callbacks of the /alerts page: list, selection, handling actions and the selected alert's detail."""

from __future__ import annotations

from urllib.parse import urlencode

from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from access.roles import current_principal
from callbacks import context
from data import inputs
from indicators.alerting import handling, history, queries, silences, store
from indicators.alerting.listener import evaluator_for
from indicators.alerting.rules import local_day
from queries import orders as order_queries
from layouts import alerts as view
from layouts import orders as order_view
from layouts import ids
from layouts.i18n import normalise_language, t
from layouts.widget_texts import graph_config

TRACE_HOURS = 72
MAX_ID = 2**62                    # alert and silence ids are BIGINT
MAX_SILENCE_HOURS = 24 * 366      # a silence lasts at most a year
ACTIONS = {ids.ALERTS_ACK: "ack", ids.ALERTS_SILENCE: "silence", ids.ALERTS_ASSIGN: "assign",
           ids.ALERTS_ESCALATE: "escalate", ids.ALERTS_CLOSE: "close"}


@callback(Output(ids.ALERTS_ACK, "children"), Output(ids.ALERTS_SILENCE, "children"),
          Output(ids.ALERTS_ASSIGN, "children"), Output(ids.ALERTS_ESCALATE, "children"),
          Output(ids.ALERTS_CLOSE, "children"), Output(ids.ALERTS_COMMENT, "placeholder"),
          Output(ids.ALERTS_DEPARTMENT, "placeholder"), Output(ids.ALERTS_LEVEL, "placeholder"),
          Output(ids.ALERTS_DOMAIN, "placeholder"), Input(ids.LANGUAGE, "data"))
def label_actions(language):
    """Label the action buttons and filter hints in the UI language."""
    language = normalise_language(language)
    return tuple(t(f"alerts.{k}", language) for k in ("ack", "silence", "assign", "escalate", "close", "comment",
                                                      "department", "filter_level", "filter_domain"))


def _names(language: str) -> dict:
    app = context.current()
    catalog = app.catalog
    return {i.id: (i.name_zh if language == "zh" else i.name_en) for i in catalog.indicators}


@callback(Output(ids.ALERTS_LIST, "children"), Input(ids.ALERTS_TICK, "n_intervals"), Input(ids.ALERTS_LEVEL, "value"),
          Input(ids.ALERTS_DOMAIN, "value"), Input(ids.ALERTS_UNIT, "value"), Input(ids.ALERTS_CHANGED, "data"),
          Input(ids.LANGUAGE, "data"))
def refresh_list(_tick, level, domain, unit, _changed, language):
    """Redraw the live list under the filters."""
    app = context.current()
    language = normalise_language(language)
    frame = queries.live_alerts(app.cursor(), app.now_s(), level=level, domain=domain, unit=(unit or "").strip() or None)
    return view.alert_list(queries.grouped(frame), language, app.tz, _names(language))


@callback(Output(ids.ALERTS_SELECTED, "data"), Input({"type": ids.ALERTS_OPEN, "index": ALL}, "n_clicks"),
          prevent_initial_call=True)
def select_alert(clicks):
    """Remember the alert whose row button was clicked."""
    if not ctx.triggered_id or not any(clicks):
        return no_update
    return inputs.whole_number(ctx.triggered_id["index"], "alerts-open.index", 1, MAX_ID)


@callback(Output(ids.ALERTS_MESSAGE, "children"), Output(ids.ALERTS_CHANGED, "data"),
          *[Input(key, "n_clicks") for key in ACTIONS],
          State(ids.ALERTS_SELECTED, "data"), State(ids.ALERTS_ACTOR, "value"), State(ids.ALERTS_COMMENT, "value"),
          State(ids.ALERTS_SILENCE_HOURS, "value"), State(ids.ALERTS_ASSIGN_LEVEL, "value"),
          State(ids.ALERTS_DEPARTMENT, "value"), State(ids.ALERTS_CHANGED, "data"), State(ids.LANGUAGE, "data"),
          prevent_initial_call=True)
def act(*args):
    """Apply the clicked action to the selected alert; report the outcome."""
    selected, actor, comment, hours, level, department, changed, language = args[len(ACTIONS):]
    language = normalise_language(language)
    if selected is None:
        return t("alerts.pick", language), no_update
    action = ACTIONS[ctx.triggered_id]
    principal = current_principal()            # the signed-in user; the typed name only without accounts
    if not may_handle(principal):
        return html.Span(t("alerts.not_allowed", language), className="text-danger"), no_update
    actor = principal.actor if principal is not None else (actor or "")
    try:
        apply_action(action, inputs.whole_number(selected, "alerts-selected.data", 1, MAX_ID), actor,
                     inputs.text(comment, "alerts-comment.value", 2000, ""), hours, level,
                     inputs.text(department, "alerts-department.value", 128, ""))
    except handling.HandlingError as exc:
        return html.Span(str(exc), className="text-danger"), no_update
    return t("alerts.done", language).format(action=t(f"alerts.{action}", language)), (changed or 0) + 1


def apply_action(action: str, alert_id: int, actor: str, comment: str, hours, level, department: str) -> dict:
    """Run one handling action as ``actor`` at the app's clock."""
    app = context.current()
    con, now = app.cursor(), app.now_s()
    if action == "ack":
        return handling.acknowledge(con, alert_id, actor, comment, now)
    if action == "silence":
        hours = inputs.finite_number(hours or 0, "alerts-silence-hours.value", 0, MAX_SILENCE_HOURS)
        return handling.silence(con, alert_id, actor, comment, now + int(hours * 3600), now)
    if action == "assign":
        return handling.assign(con, alert_id, actor, inputs.whole_number(level, "alerts-assign-level.value", 1, 9),
                               department, now)
    if action == "escalate":
        return handling.escalate(con, alert_id, actor, comment, now)
    return handling.close(con, alert_id, actor, comment, now)


@callback(Output(ids.ALERTS_DETAIL, "children"), Input(ids.ALERTS_SELECTED, "data"), Input(ids.ALERTS_CHANGED, "data"),
          Input(ids.LANGUAGE, "data"))
def show_detail(selected, _changed, language):
    """Show the selected alert's history and its value trace with thresholds."""
    language = normalise_language(language)
    if selected is None:
        return html.Div(t("alerts.pick", language), className="text-muted")
    app = context.current()
    con = app.cursor()
    selected = inputs.whole_number(selected, "alerts-selected.data", 1, MAX_ID)
    try:
        alert = store.alert_dict(con, selected)
    except ValueError:
        raise inputs.InputError("alerts-selected.data", "the id of an existing alert") from None
    trace, bounds, moving = _trace_and_thresholds(con, alert, app.now_s(), app.tz)
    return [
        html.H6([view.severity_badge(alert["severity"], language), f" #{alert['alert_id']} {alert['indicator_id']} · {alert['unit_code']}"],
                **{"data-testid": "alert-detail-title"}),
        _links(con, alert, language),
        html.Div(t("alerts.history", language), className="fw-bold mt-2"),
        view.history_table(queries.alert_history(con, selected), language, app.tz),
        html.Div(t("alerts.trace", language), className="fw-bold mt-2"),
        dcc.Graph(figure=view.trace_figure(trace, bounds, language, moving, tz=app.tz), id="alert-trace",
                  config=graph_config({"displayModeBar": False}, language)),
    ]


@callback(Output(ids.ALERTS_SILENCES_HEADING, "children"), Output(ids.ALERTS_SILENCE_MATCH, "placeholder"),
          Output(ids.ALERTS_SILENCE_UNIT, "placeholder"), Output(ids.ALERTS_SILENCE_REASON, "placeholder"),
          Output(ids.ALERTS_SILENCE_ADD, "children"), Input(ids.LANGUAGE, "data"))
def label_silences(language):
    """Label the silences panel in the UI language."""
    language = normalise_language(language)
    return tuple(t(f"alerts.silences.{k}", language) for k in ("heading", "match", "unit", "reason", "add"))


@callback(Output(ids.ALERTS_SILENCES_LIST, "children"), Input(ids.ALERTS_TICK, "n_intervals"),
          Input(ids.ALERTS_CHANGED, "data"), Input(ids.LANGUAGE, "data"))
def refresh_silences(_tick, _changed, language):
    """Redraw the active and scheduled silences."""
    app = context.current()
    frame = silences.list_silences(app.cursor(), app.now_s())
    return view.silence_list(frame, normalise_language(language), app.tz)


@callback(Output(ids.ALERTS_SILENCE_MESSAGE, "children"), Output(ids.ALERTS_CHANGED, "data", allow_duplicate=True),
          Input(ids.ALERTS_SILENCE_ADD, "n_clicks"), State(ids.ALERTS_SILENCE_MATCH, "value"),
          State(ids.ALERTS_SILENCE_UNIT, "value"), State(ids.ALERTS_SILENCE_RULE_HOURS, "value"),
          State(ids.ALERTS_SILENCE_REASON, "value"), State(ids.ALERTS_CHANGED, "data"), State(ids.LANGUAGE, "data"),
          prevent_initial_call=True)
def add_silence(_clicks, match, unit, hours, reason, changed, language):
    """Create a silence by matcher as the signed-in user; report how many alerts it covers now."""
    language = normalise_language(language)
    if not may_handle(current_principal()):
        return html.Span(t("alerts.not_allowed", language), className="text-danger"), no_update
    app = context.current()
    now = app.now_s()
    try:
        hours = inputs.finite_number(hours or 0, "alerts-silence-rule-hours.value", 0, MAX_SILENCE_HOURS)
        made = silences.create(app.cursor(), _actor(), inputs.text(match, "alerts-silence-match.value", 200, ""),
                               inputs.text(unit, "alerts-silence-unit.value", 64),
                               inputs.text(reason, "alerts-silence-reason.value", 2000, ""),
                               now + int(hours * 3600), now, known_ids=_indicator_ids())
    except handling.HandlingError as exc:
        return html.Span(str(exc), className="text-danger"), no_update
    covered = silences.list_silences(app.cursor(), now)
    n = int(covered.loc[covered["silence_id"] == made["silence_id"], "alerts_silenced"].sum())
    return t("alerts.silences.added", language).format(id=made["silence_id"], n=n), (changed or 0) + 1


@callback(Output(ids.ALERTS_SILENCE_MESSAGE, "children", allow_duplicate=True),
          Output(ids.ALERTS_CHANGED, "data", allow_duplicate=True),
          Input({"type": ids.ALERTS_SILENCE_EXPIRE, "index": ALL}, "n_clicks"),
          Input({"type": ids.ALERTS_SILENCE_REMOVE, "index": ALL}, "n_clicks"),
          State(ids.ALERTS_CHANGED, "data"), State(ids.LANGUAGE, "data"), prevent_initial_call=True)
def end_silence(expire_clicks, remove_clicks, changed, language):
    """Expire or remove the silence whose button was clicked, as the signed-in user."""
    if not ctx.triggered_id or not ctx.triggered or not ctx.triggered[0]["value"]:
        return no_update, no_update          # the list was redrawn, nothing clicked
    language = normalise_language(language)
    if not may_handle(current_principal()):
        return html.Span(t("alerts.not_allowed", language), className="text-danger"), no_update
    app = context.current()
    verb = "expire" if ctx.triggered_id["type"] == ids.ALERTS_SILENCE_EXPIRE else "remove"
    sid = inputs.whole_number(ctx.triggered_id["index"], "alerts-silence.index", 1, MAX_ID)
    try:
        getattr(silences, verb)(app.cursor(), sid, _actor(), app.now_s())
    except handling.HandlingError as exc:
        return html.Span(str(exc), className="text-danger"), no_update
    message = t("alerts.silences.ended", language).format(id=sid, verb=t(f"alerts.silences.{verb}", language))
    return message, (changed or 0) + 1


def _trace_and_thresholds(con, alert: dict, now_s: int, tz: str):
    """Return the alert's 72-hour trace, its fixed bounds, and (relative rules) its bounds at each snapshot."""
    evaluator = evaluator_for(con)
    indicator, unit = alert["indicator_id"], alert["unit_code"]
    if indicator not in evaluator.catalog:                 # an outage series: no thresholds of its own
        return queries.value_trace(con, indicator, unit, now_s), [], None
    rule = evaluator.config.rule_for(evaluator.catalog[indicator], alert["level"], unit, local_day(now_s, tz))
    hours = TRACE_HOURS + 24 * history.lookback_days(rule)
    trace = queries.value_trace(con, indicator, unit, now_s, hours=hours)
    shown = trace[trace["at_s"] >= now_s - TRACE_HOURS * 3600]
    if not rule.relative:
        return shown, list(rule.bounds), None
    return shown, [], history.thresholds_over(trace, rule, now_s - TRACE_HOURS * 3600)


def _links(con, alert: dict, language: str):
    """Return the alert's links: its unit on /map, a new work order from it, its work orders."""
    principal = current_principal()
    map_href = "/map?" + urlencode({"indicator": alert["indicator_id"], "unit": alert["unit_code"]})
    return order_view.source_links("alert", str(alert["alert_id"]),
                                   order_queries.orders_of_source(con, "alert", str(alert["alert_id"])), map_href,
                                   principal is not None and principal.may("orders.dispatch"), language)


def may_handle(principal) -> bool:
    """Return True when the principal's role handles alerts (alerts.handle: duty officers and admins;
    leaders and analysts read). Outside a request (a unit test calling the callback) there is no
    principal and the typed actor stands."""
    return principal is None or principal.may("alerts.handle")


def _actor() -> str:
    principal = current_principal()
    return principal.actor if principal is not None else ""


def _indicator_ids() -> list[str]:
    return [i.id for i in context.current().catalog.indicators]
