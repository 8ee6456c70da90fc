"""Callbacks of the accounts page (its roles come from the page entry: administrators; the guard
refuses every other role before these run, and each change checks the permission again)."""

from dash import ALL, Input, Output, State, callback, ctx, no_update
from dash.exceptions import PreventUpdate
from flask import has_request_context, request

from access import accounts, admin
from access.departments import DEPARTMENT_ROLE
from access.roles import current_principal
from callbacks import context
from data.clock import now_utc
from data.orders import store
from layouts import admin_users as page
from layouts import ids
from layouts import orders as orders_view
from layouts.i18n import normalise_language, t


@callback(Output(ids.ADMIN_USERS_HEADING, "children"), Output(ids.ADMIN_USERS_NAME, "placeholder"),
          Output(ids.ADMIN_USERS_DISPLAY, "placeholder"), Output(ids.ADMIN_USERS_ROLE, "options"),
          Output(ids.ADMIN_USERS_DEPARTMENT, "options"), Output(ids.ADMIN_USERS_DEPARTMENT, "placeholder"),
          Output(ids.ADMIN_USERS_ADD, "children"), Output(ids.ADMIN_USERS_TABLE, "children"),
          Input(ids.LANGUAGE, "data"), Input(ids.ADMIN_USERS_VERSION, "data"))
def draw_users_page(language, _version):
    """Return the page's texts and the accounts table in the UI language."""
    language = normalise_language(language)
    app = context.current()
    cursor = app.cursor()
    users = accounts.list_users(cursor)
    department_options = orders_view.department_options(store.departments(cursor), language)
    principal = current_principal()
    return (t("admin.users.heading", language), t("admin.users.name", language), t("admin.users.display", language),
            page.role_options(accounts.USER_ROLES, language), department_options,
            t("admin.users.department", language), t("admin.users.add", language),
            page.users_table(users, language, app.tz, now_utc(), principal.username if principal else None,
                             {o["value"]: o["label"] for o in department_options}))


@callback(Output(ids.ADMIN_USERS_NOTICE, "children"), Output(ids.ADMIN_USERS_VERSION, "data"),
          Output(ids.ADMIN_USERS_NAME, "value"), Output(ids.ADMIN_USERS_DISPLAY, "value"),
          Input(ids.ADMIN_USERS_ADD, "n_clicks"),
          Input({"type": ids.ADMIN_USER_ACTION, "action": ALL, "user": ALL}, "n_clicks"),
          State(ids.ADMIN_USERS_NAME, "value"), State(ids.ADMIN_USERS_DISPLAY, "value"),
          State(ids.ADMIN_USERS_ROLE, "value"), State(ids.ADMIN_USERS_DEPARTMENT, "value"), State(ids.LANGUAGE, "data"),
          State(ids.ADMIN_USERS_VERSION, "data"), prevent_initial_call=True)
def change_users(_add_clicks, _action_clicks, username, display_name, role, department, language, version):
    """Add a user, or reset, disable or enable the one whose button was pressed; return the notice
    (the form is emptied once a user is added, kept as typed when the add is refused)."""
    actor = admin_actor()
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate          # buttons drawn anew, not pressed
    language = normalise_language(language)
    trigger = ctx.triggered_id
    try:
        if trigger == ids.ADMIN_USERS_ADD:
            notice = _add(actor, username, display_name, role, department, language)
            return notice, (version or 0) + 1, "", ""
        notice = _act(actor, str(trigger["action"]), str(trigger["user"]), language)
    except admin.AdminError as exc:
        return page.error_notice(exc.code, exc.detail, language), version, no_update, no_update
    return notice, (version or 0) + 1, no_update, no_update


def _add(actor: str, username, display_name, role, department, language: str):
    role = str(role or "")
    bound = str(department or "") if role == DEPARTMENT_ROLE else None     # a stale choice under another role
    password = admin.create_user(_cursor(), actor, str(username or ""), role, str(display_name or ""),
                                 client_address(), bound)
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
