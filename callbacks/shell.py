"""Callbacks of the frame around every page: language switch and navigation bar."""

from dash import Input, Output, callback, ctx, no_update

from access.roles import current_principal, may_open
from callbacks import context
from layouts import ids
from layouts.components import navbar
from layouts.i18n import normalise_language, t
from layouts.login import account_menu
from layouts.pages import PAGES

ROLES = ()      # the frame around every page: every signed-in role


@callback(Output(ids.LANGUAGE, "data"), Input(ids.LANG_ZH, "n_clicks"), Input(ids.LANG_EN, "n_clicks"),
          prevent_initial_call=True)
def choose_language(zh_clicks, en_clicks):
    """Store the language of the button pressed; nothing when no button was pressed.

    The navigation bar, buttons included, is redrawn on every page and language change, and Dash
    fires this callback for inputs a callback inserts even with prevent_initial_call (its output
    is already on the page). Those calls carry unclicked buttons (n_clicks 0) and must not
    overwrite the stored choice: that reset every freshly loaded page to Chinese.
    """
    if not (zh_clicks or en_clicks):
        return no_update
    return "en" if ctx.triggered_id == ids.LANG_EN else "zh"


@callback(Output(ids.NAVBAR, "children"), Input(ids.LANGUAGE, "data"), Input(ids.URL, "pathname"))
def draw_navbar(language, pathname="/"):
    """Redraw the navigation bar in the chosen language, marking the current page."""
    language = normalise_language(language)
    principal = current_principal()
    links = [(page.path, t(page.label_key, language)) for page in PAGES if may_open(principal, page)]
    bar = navbar(language, context.current().city_name(language), links, pathname or "/")
    if principal is not None:
        bar.children.append(account_menu(principal.username or t("role.screen", language), principal.role, language))
    return bar
