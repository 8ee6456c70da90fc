"""Callbacks of the frame around every page: language switch and navigation bar, and the language
every page is built in (the browser's language cookie)."""

from dash import ClientsideFunction, Input, Output, callback, clientside_callback
from flask import has_request_context, request

from access.roles import current_principal, may_open
from callbacks import context
from layouts import ids
from layouts.components import navbar
from layouts.i18n import LANGUAGE_COOKIE, chosen_language, normalise_language, t
from layouts.login import account_menu
from layouts.pages import PAGES
from layouts.widget_texts import localise_widgets

ROLES = ()      # the frame around every page: every signed-in role

# A press of 中文/EN stores the choice in the language cookie and reloads the page, so the server
# builds the page, its widgets' own texts included, in that language (assets/language.js). The
# navigation bar, buttons included, is redrawn on every page, and Dash calls this for inputs a
# callback inserts even with prevent_initial_call: the function ignores calls with no press.
clientside_callback(ClientsideFunction("language", "choose"), Output(ids.LANGUAGE, "data"),
                    Input(ids.LANG_ZH, "n_clicks"), Input(ids.LANG_EN, "n_clicks"), prevent_initial_call=True)


def request_language() -> str:
    """Return the language of the current request (``?lang=``, else the cookie, else Chinese)."""
    if not has_request_context():
        return normalise_language(None)
    return chosen_language(request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE))


def localised_layout(layout):
    """Return ``layout`` wrapped to build its page in the request's language, widget texts included."""
    def build(**query):
        query.pop("language", None)             # a query parameter must not choose the language
        language = request_language()
        return localise_widgets(layout(language=language, **query), language)
    build.__doc__ = layout.__doc__
    return build


@callback(Output(ids.NAVBAR, "children"), Input(ids.LANGUAGE, "data"), Input(ids.URL, "pathname"))
def draw_navbar(language, pathname="/"):
    """Redraw the navigation bar in the chosen language, marking the current page."""
    language = normalise_language(language)
    principal = current_principal()
    links = [(page.path, t(page.label_key, language), t(page.menu_key, language) if page.menu_key else "")
             for page in PAGES if may_open(principal, page)]
    bar = navbar(language, context.current().city_name(language), links, pathname or "/")
    if principal is not None:
        bar.children.append(account_menu(principal.username or t("role.screen", language), principal.role, language))
    return bar
