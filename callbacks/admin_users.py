"""Callbacks of the accounts page (its roles come from the page entry: administrators; the guard
refuses every other role before these run, and each change checks the permission again)."""

from dash import ALL, Input, Output, State, callback, ctx
from dash.exceptions import PreventUpdate
from flask import has_request_context, request

from access import accounts, admin
from access.roles import current_principal
from callbacks import context
from data.clock import now_utc
from layouts import admin_users as page
from layouts import ids
from layouts.i18n import normalise_language, t


@callback(Output(ids.ADMIN_USERS_HEADING, "children"), Output(ids.ADMIN_USERS_NAME, "placeholder"),
          Output(ids.ADMIN_USERS_DISPLAY, "placeholder"), Output(ids.ADMIN_USERS_ROLE, "options"),
          Output(ids.ADMIN_USERS_ADD, "children"), Output(ids.ADMIN_USERS_TABLE, "children"),
          Input(ids.LANGUAGE, "data"), Input(ids.ADMIN_USERS_VERSION, "data"))
def draw_users_page(language, _version):
    """Return the page's texts and the accounts table in the UI language."""
    language = normalise_language(language)
    app = context.current()
    users = accounts.list_users(app.cursor())
    principal = current_principal()
    return (t("admin.users.heading", language), t("admin.users.name", language), t("admin.users.display", language),
            page.role_options(accounts.USER_ROLES, language), t("admin.users.add", language),
            page.users_table(users, language, app.tz, now_utc(), principal.username if principal else None))


@callback(Output(ids.ADMIN_USERS_NOTICE, "children"), Output(ids.ADMIN_USERS_VERSION, "data"),
          Input(ids.ADMIN_USERS_ADD, "n_clicks"),
          Input({"type": ids.ADMIN_USER_ACTION, "action": ALL, "user": ALL}, "n_clicks"),
          State(ids.ADMIN_USERS_NAME, "value"), State(ids.ADMIN_USERS_DISPLAY, "value"),
          State(ids.ADMIN_USERS_ROLE, "value"), State(ids.LANGUAGE, "data"), State(ids.ADMIN_USERS_VERSION, "data"),
          prevent_initial_call=True)
def change_users(_add_clicks, _action_clicks, username, display_name, role, language, version):
    """Add a user, or reset, disable or enable the one whose button was pressed; return the notice."""
    actor = admin_actor()
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate          # buttons drawn anew, not pressed
    language = normalise_language(language)
    trigger = ctx.triggered_id
    try:
        if trigger == ids.ADMIN_USERS_ADD:
            notice = _add(actor, username, display_name, role, language)
        else:
            notice = _act(actor, str(trigger["action"]), str(trigger["user"]), language)
    except admin.AdminError as exc:
        return page.error_notice(exc.code, exc.detail, language), version
    return notice, (version or 0) + 1


def _add(actor: str, username, display_name, role, language: str):
    password = admin.create_user(_cursor(), actor, str(username or ""), str(role or ""),
                                 str(display_name or ""), client_address())
    return page.secret_notice(t("admin.users.created", language).format(user=username), password, "new-password")


def _act(actor: str, action: str, username: str, language: str):
    cursor = _cursor()
    if action == "reset":
        password = admin.reset_password(cursor, actor, username, client_address())
        return page.secret_notice(t("admin.users.reset_done", language).format(user=username), password,
                                  "new-password")
    if action == "disable":
        admin.disable_user(cursor, actor, username, client_address())
        return page.plain_notice(t("admin.users.disabled_done", language).format(user=username))
    if action == "enable":
        admin.enable_user(cursor, actor, username, client_address())
        return page.plain_notice(t("admin.users.enabled_done", language).format(user=username))
    raise PreventUpdate


def admin_actor() -> str:
    """Return the acting administrator's name; refuse anyone else (a second check after the guard's)."""
    principal = current_principal()
    if principal is None or not principal.may("users.manage"):
        raise PreventUpdate
    return principal.actor


def _cursor():
    return context.current().cursor()


def client_address() -> str | None:
    return request.remote_addr if has_request_context() else None
