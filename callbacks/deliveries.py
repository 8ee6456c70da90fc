"""Callbacks of the delivery log (its roles come from the page entry: administrators, duty officers)."""

from dash import Input, Output, callback

from callbacks import context
from layouts import ids
from layouts.deliveries import messages_table, status_counts, status_options
from layouts.i18n import normalise_language, t
from queries import deliveries


@callback(Output(ids.DELIVERIES_TABLE, "children"), Output(ids.DELIVERIES_COUNTS, "children"),
          Output(ids.DELIVERIES_HEADING, "children"), Output(ids.DELIVERIES_STATUS, "options"),
          Output(ids.DELIVERIES_STATUS, "placeholder"),
          Input(ids.DELIVERIES_TICK, "n_intervals"), Input(ids.DELIVERIES_STATUS, "value"), Input(ids.LANGUAGE, "data"))
def show_deliveries(_ticks, status, language):
    """Return the newest messages (of one status when chosen) and the count of each status."""
    app = context.current()
    language = normalise_language(language)
    cursor = app.cursor()
    return (messages_table(deliveries.messages(cursor, status), language, app.tz),
            status_counts(deliveries.status_counts(cursor), language), t("deliveries.heading", language),
            status_options(language), t("deliveries.all", language))
