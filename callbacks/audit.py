"""Callbacks of the audit log page (its roles come from the page entry: administrators)."""

from dash import Input, Output, callback

from callbacks import context
from data import audit
from layouts import ids
from layouts.audit import audit_table
from layouts.i18n import normalise_language, t

MAX_ROWS = 300


@callback(Output(ids.AUDIT_TABLE, "children"), Output(ids.AUDIT_HEADING, "children"),
          Output(ids.AUDIT_FILTER, "placeholder"),
          Input(ids.AUDIT_TICK, "n_intervals"), Input(ids.AUDIT_FILTER, "value"), Input(ids.LANGUAGE, "data"))
def show_audit_log(_ticks, action_prefix, language):
    """Return the newest audit entries, filtered by an action prefix (a bound parameter)."""
    app = context.current()
    language = normalise_language(language)
    entries = audit.recent(app.cursor(), MAX_ROWS, (action_prefix or "").strip()[:64] or None)
    return audit_table(entries, language, app.tz), t("audit.heading", language), t("audit.filter", language)
