"""Callbacks of /alarms. Every staff role reads the page (its entry's roles); only REVIEWERS may
confirm or dismiss, checked here on the server whatever the page shows."""

from dash import Input, Output, State, callback, html, no_update

from access.roles import current_principal
from callbacks import context
from data import alarm_review
from data.alarms import AlarmError
from data.text import TextError
from layouts import ids
from layouts import orders as order_view
from layouts.alarms_page import (cameras_section, decisions_section, pick_options, queue_section, rates_section,
                                 reason_options)
from layouts.i18n import normalise_language, t
from queries import alarms_page

REVIEWERS = ("admin", "duty_officer")
RATE_DAYS = 30


@callback(Output(ids.ALARMS_HEADING, "children"), Output(ids.ALARMS_CONFIRM, "children"),
          Output(ids.ALARMS_DISMISS, "children"), Output(ids.ALARMS_PICK, "placeholder"),
          Output(ids.ALARMS_REASON, "options"), Output(ids.ALARMS_REASON, "placeholder"),
          Output(ids.ALARMS_NOTE, "placeholder"), Input(ids.LANGUAGE, "data"))
def label_page(language):
    """Return the page's fixed labels in the UI language."""
    language = normalise_language(language)
    return (t("alarms.heading", language), t("alarms.confirm", language), t("alarms.dismiss", language),
            t("alarms.pick", language), reason_options(language), t("alarms.reason", language),
            t("alarms.note", language))


@callback(Output(ids.ALARMS_QUEUE, "children"), Output(ids.ALARMS_PICK, "options"),
          Output(ids.ALARMS_RATES, "children"), Output(ids.ALARMS_DECISIONS, "children"),
          Output(ids.ALARMS_CAMERAS, "children"),
          Input(ids.ALARMS_TICK, "n_intervals"), Input(ids.ALARMS_CHANGED, "data"), Input(ids.LANGUAGE, "data"))
def show_alarms(_ticks, _changed, language):
    """Return the queue, the choices of the decision form, the rates, the decisions and the cameras."""
    app = context.current()
    language, cursor, now = normalise_language(language), app.cursor(), app.now_s()
    queue = alarms_page.review_queue(cursor)
    since = now - RATE_DAYS * 86_400
    rates = rates_section(alarms_page.false_alarm_rates(cursor, "type", since, now),
                          alarms_page.false_alarm_rates(cursor, "camera", since, now), language)
    return (queue_section(queue, language, app.tz), pick_options(queue, language), rates,
            decisions_section(alarms_page.recent_decisions(cursor), language, app.tz),
            cameras_section(alarms_page.cameras(cursor), language, app.tz))


@callback(Output(ids.ALARMS_MESSAGE, "children"), Output(ids.ALARMS_CHANGED, "data"),
          Input(ids.ALARMS_CONFIRM, "n_clicks"), State(ids.ALARMS_PICK, "value"), State(ids.ALARMS_NOTE, "value"),
          State(ids.ALARMS_CHANGED, "data"), State(ids.LANGUAGE, "data"), prevent_initial_call=True)
def confirm_alarm(_clicks, alarm_id, note, changed, language):
    """Confirm the chosen alarm as the signed-in reviewer: a case is made from it."""
    language = normalise_language(language)
    refused = _refusal(alarm_id, language)
    if refused:
        return refused, no_update
    app = context.current()
    principal = current_principal()
    try:
        source, case_id = alarm_review.confirm(app.cursor(), int(alarm_id), principal.actor, note, app.now_s())
    except (AlarmError, TextError) as exc:
        return html.Span(str(exc), className="text-danger"), no_update
    next_steps = order_view.source_links("case", f"{source}:{case_id}", [], None, principal.may("orders.dispatch"),
                                         language)        # the loop goes on: a work order from the new case
    return [t("alarms.confirmed", language).format(alarm=int(alarm_id), case=case_id), next_steps], (changed or 0) + 1


@callback(Output(ids.ALARMS_MESSAGE, "children", allow_duplicate=True),
          Output(ids.ALARMS_CHANGED, "data", allow_duplicate=True),
          Input(ids.ALARMS_DISMISS, "n_clicks"), State(ids.ALARMS_PICK, "value"), State(ids.ALARMS_REASON, "value"),
          State(ids.ALARMS_NOTE, "value"), State(ids.ALARMS_CHANGED, "data"), State(ids.LANGUAGE, "data"),
          prevent_initial_call=True)
def dismiss_alarm(_clicks, alarm_id, reason, note, changed, language):
    """Dismiss the chosen alarm with a reason as the signed-in reviewer."""
    language = normalise_language(language)
    refused = _refusal(alarm_id, language) or (None if reason else t("alarms.choose_reason", language))
    if refused:
        return refused, no_update
    app = context.current()
    try:
        alarm_review.dismiss(app.cursor(), int(alarm_id), current_principal().actor, str(reason), note, app.now_s())
    except (AlarmError, TextError) as exc:
        return html.Span(str(exc), className="text-danger"), no_update
    return t("alarms.dismissed", language).format(alarm=int(alarm_id)), (changed or 0) + 1


def _refusal(alarm_id, language: str) -> str | None:
    """Return why the request may not go on (a role that may not review, no alarm chosen), or None."""
    principal = current_principal()
    if principal is None or principal.role not in REVIEWERS:
        return t("alarms.not_allowed", language)
    if not isinstance(alarm_id, int):
        return t("alarms.choose_first", language)
    return None
