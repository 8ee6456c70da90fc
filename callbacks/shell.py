"""Callbacks of the frame around every page: language switch and navigation bar."""

from dash import Input, Output, callback, ctx

from callbacks import context
from layouts import ids
from layouts.components import navbar
from layouts.i18n import normalise_language


@callback(Output(ids.LANGUAGE, "data"), Input(ids.LANG_ZH, "n_clicks"), Input(ids.LANG_EN, "n_clicks"),
          prevent_initial_call=True)
def choose_language(_zh_clicks, _en_clicks):
    """Store the language of the button pressed."""
    return "en" if ctx.triggered_id == ids.LANG_EN else "zh"


@callback(Output(ids.NAVBAR, "children"), Input(ids.LANGUAGE, "data"))
def draw_navbar(language):
    """Redraw the navigation bar in the chosen language."""
    language = normalise_language(language)
    return navbar(language, context.current().city_name(language))
