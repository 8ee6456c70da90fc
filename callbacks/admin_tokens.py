"""Callbacks of the tokens page (its roles come from the page entry: administrators; the guard
refuses every other role before these run, and each change checks the permission again)."""

from dash import ALL, Input, Output, State, callback, ctx
from dash.exceptions import PreventUpdate

from access import admin
from callbacks import context
from callbacks.admin_users import admin_actor, client_address
from layouts import admin_tokens as page
from layouts import ids
from layouts.admin_users import error_notice, plain_notice
from layouts.i18n import normalise_language, t


@callback(Output(ids.ADMIN_TOKENS_HEADING, "children"), Output(ids.ADMIN_TOKENS_NAME, "placeholder"),
          Output(ids.ADMIN_TOKENS_SCOPE, "options"), Output(ids.ADMIN_TOKENS_ADD, "children"),
          Output(ids.ADMIN_TOKENS_TABLE, "children"),
          Input(ids.LANGUAGE, "data"), Input(ids.ADMIN_TOKENS_VERSION, "data"))
def draw_tokens_page(language, _version):
    """Return the page's texts and the tokens table in the UI language."""
    language = normalise_language(language)
    app = context.current()
    return (t("admin.tokens.heading", language), t("admin.tokens.name", language),
            page.scope_options(admin.TOKEN_SCOPES, language), t("admin.tokens.add", language),
            page.tokens_table(admin.list_tokens(app.cursor()), language, app.tz))


@callback(Output(ids.ADMIN_TOKENS_NOTICE, "children"), Output(ids.ADMIN_TOKENS_VERSION, "data"),
          Input(ids.ADMIN_TOKENS_ADD, "n_clicks"), Input({"type": ids.ADMIN_TOKEN_REVOKE, "token": ALL}, "n_clicks"),
          State(ids.ADMIN_TOKENS_NAME, "value"), State(ids.ADMIN_TOKENS_SCOPE, "value"), State(ids.LANGUAGE, "data"),
          State(ids.ADMIN_TOKENS_VERSION, "data"), prevent_initial_call=True)
def change_tokens(_add_clicks, _revoke_clicks, name, scope, language, version):
    """Create a token, or revoke the one whose button was pressed; return the notice."""
    actor = admin_actor()
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate          # buttons drawn anew, not pressed
    language = normalise_language(language)
    cursor = context.current().cursor()
    try:
        if ctx.triggered_id == ids.ADMIN_TOKENS_ADD:
            _, secret = admin.create_token(cursor, actor, str(name or ""), str(scope or ""), client_address())
            notice = page.created_notice(str(name).strip(), str(scope), secret, language)
        else:
            token_id = str(ctx.triggered_id["token"])
            admin.revoke_token(cursor, actor, token_id, client_address())
            notice = plain_notice(t("admin.tokens.revoked_done", language).format(token=token_id))
    except admin.AdminError as exc:
        return error_notice(exc.code, exc.detail, language), version
    return notice, (version or 0) + 1
