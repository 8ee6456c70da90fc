"""Callbacks of the overview page."""

from dash import Input, Output, callback

from callbacks import context
from data.today import city_today
from layouts import ids
from layouts.i18n import normalise_language
from layouts.overview import overview_body


@callback(Output(ids.OVERVIEW_BODY, "children"), Input(ids.OVERVIEW_TICK, "n_intervals"), Input(ids.LANGUAGE, "data"))
def refresh_overview(_ticks, language):
    """Redraw today's figures from the store."""
    app = context.current()
    figures = city_today(app.cursor(), app.now_s(), app.tz)
    return overview_body(figures, normalise_language(language), app.tz)
