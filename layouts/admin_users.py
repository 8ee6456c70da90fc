"""The accounts page ("/admin/users", administrators): add, disable, enable and reset users while the
server runs. A new password is shown once, in the notice under the form; the store keeps its hash."""

from __future__ import annotations

from datetime import datetime

from dash import dcc, html

from data.clock import local_iso
from layouts import ids
from layouts.i18n import add_texts, t

add_texts({
    "nav.admin_users": ("用户管理", "Users"),
    "admin.users.heading": ("用户管理", "Users"),
    "admin.users.name": ("用户名（字母、数字、. - _）", "Username (letters, digits, . - _)"),
    "admin.users.display": ("姓名（可选）", "Full name (optional)"),
    "admin.users.add": ("添加用户", "Add user"),
    "admin.users.department": ("所属部门（部门用户必选）", "Department (department users only)"),
    "admin.users.created": ("已创建用户 {user}。初始密码只显示这一次，请当面或通过安全渠道交给本人：",
                            "User {user} created. The password is shown this once; hand it over in person "
                            "or through a safe channel:"),
    "admin.users.reset_done": ("已重置 {user} 的密码，其会话已结束。新密码只显示这一次：",
                               "The password of {user} was reset and its sessions ended. The new password is "
                               "shown this once:"),
    "admin.users.disabled_done": ("已停用 {user}，其会话已结束。", "{user} is disabled; its sessions ended."),
    "admin.users.enabled_done": ("已启用 {user}。", "{user} is enabled again."),
    "admin.users.col.username": ("用户名", "Username"),
    "admin.users.col.display_name": ("姓名", "Name"),
    "admin.users.col.role": ("角色", "Role"),
    "admin.users.col.department": ("部门", "Department"),
    "admin.users.col.state": ("状态", "State"),
    "admin.users.col.last_login_at": ("最近登录", "Last sign-in"),
    "admin.users.col.actions": ("操作", "Actions"),
    "admin.users.state.active": ("正常", "active"),
    "admin.users.state.disabled": ("已停用", "disabled"),
    "admin.users.state.locked": ("已锁定", "locked"),
    "admin.users.action.reset": ("重置密码", "Reset password"),
    "admin.users.action.disable": ("停用", "Disable"),
    "admin.users.action.enable": ("启用", "Enable"),
    "admin.users.empty": ("还没有用户。", "No users yet."),
    "admin.error.bad_role": ("请选择一个角色。", "Choose a role."),
    "admin.error.need_department": ("部门用户须选择所属部门。", "Choose the department a department user acts for."),
    "admin.error.bad_username": ("请填写用户名（最多64个字符）。", "Enter a username (at most 64 characters)."),
    "admin.error.name_taken": ("该用户名已存在。", "This username exists already."),
    "admin.error.rejected": ("账户规则不允许此操作：", "The account rules refuse this:"),
    "admin.error.self_disable": ("不能停用自己的账户。", "You cannot disable your own account."),
    "admin.error.last_admin": ("不能停用最后一个管理员。", "You cannot disable the last administrator."),
    "admin.error.unknown_user": ("没有这个用户。", "There is no such user."),
    "admin.error.bad_scope": ("请选择令牌用途。", "Choose what the token is for."),
    "admin.error.bad_token_name": ("请填写令牌名称（最多64个字符）。", "Enter a token name (at most 64 characters)."),
    "admin.error.unknown_token": ("没有这个有效令牌。", "There is no such active token."),
    "admin.error.conflict": ("同一时刻有其他操作修改了该记录，请重试。", "Something changed it at the same moment: try again."),
})
COLUMNS = ("username", "display_name", "role", "department", "state", "last_login_at", "actions")


def layout(**_query) -> html.Div:
    """Return the page frame; callbacks.admin_users fills its texts and the table."""
    return html.Div([
        dcc.Store(id=ids.ADMIN_USERS_VERSION, data=0),
        html.H4(id=ids.ADMIN_USERS_HEADING, className="mb-3"),
        html.Div([
            dcc.Input(id=ids.ADMIN_USERS_NAME, type="text", maxLength=64, className="form-control me-2",
                      style={"maxWidth": "16rem"}),
            dcc.Input(id=ids.ADMIN_USERS_DISPLAY, type="text", maxLength=64, className="form-control me-2",
                      style={"maxWidth": "16rem"}),
            dcc.Dropdown(id=ids.ADMIN_USERS_ROLE, clearable=False, style={"minWidth": "12rem"}, className="me-2"),
            dcc.Dropdown(id=ids.ADMIN_USERS_DEPARTMENT, style={"minWidth": "16rem"}, className="me-2"),
            html.Button(id=ids.ADMIN_USERS_ADD, n_clicks=0, className="btn btn-primary"),
        ], className="d-flex flex-wrap align-items-center gap-2 mb-3"),
        html.Div(id=ids.ADMIN_USERS_NOTICE, **{"aria-live": "polite"}),
        html.Div(id=ids.ADMIN_USERS_TABLE),
    ], className="container-fluid py-3")


def role_options(roles: tuple[str, ...], language: str) -> list[dict]:
    """Return the dropdown options of the declared roles, named in the UI language."""
    return [{"label": role_name(role, language), "value": role} for role in roles]


def role_name(role: str, language: str) -> str:
    """Return a role's name in the UI language (the role's code when no text declares it)."""
    return t(f"role.{role}", language)


def users_table(users: list[dict], language: str, tz: str, now: datetime, me: str | None = None,
                department_names: dict[str, str] | None = None) -> html.Div:
    """Return the accounts as a table with their state and the actions each allows (``me``, the
    signed-in administrator, cannot disable their own account); ``department_names`` names the
    departments bound to department users in the UI language."""
    if not users:
        return html.P(t("admin.users.empty", language), className="text-muted")
    head = html.Thead(html.Tr([html.Th(t(f"admin.users.col.{c}", language)) for c in COLUMNS]))
    names = department_names or {}
    body = html.Tbody([_row(user, language, tz, now, me, names) for user in users])
    return html.Table([head, body], className="table table-sm table-striped align-middle",
                      **{"data-testid": "admin-users-table"})


def _row(user: dict, language: str, tz: str, now: datetime, me: str | None, names: dict[str, str]) -> html.Tr:
    state = user_state(user, now)
    switch = [] if user["username"] == me else [
        _action("enable" if state == "disabled" else "disable", user["username"], language)]
    return html.Tr([
        html.Td(user["username"]), html.Td(user["display_name"] or ""), html.Td(role_name(user["role"], language)),
        html.Td(names.get(user.get("department"), user.get("department") or "")),
        html.Td(html.Span(t(f"admin.users.state.{state}", language),
                          className="badge " + ("text-bg-success" if state == "active" else "text-bg-secondary"))),
        html.Td(time_text(user["last_login_at"], tz)),
        html.Td([_action("reset", user["username"], language), *switch]),
    ], **{"data-user": user["username"]})


def user_state(user: dict, now: datetime) -> str:
    """Return active, disabled or locked."""
    if user["disabled_at"]:
        return "disabled"
    locked = user["locked_until"]
    return "locked" if locked and datetime.fromisoformat(locked) > now else "active"


def _action(action: str, username: str, language: str) -> html.Button:
    style = "btn-outline-danger" if action == "disable" else "btn-outline-secondary"
    return html.Button(t(f"admin.users.action.{action}", language), n_clicks=0,
                       id={"type": ids.ADMIN_USER_ACTION, "action": action, "user": username},
                       className=f"btn btn-sm {style} me-1")


def time_text(value: str | None, tz: str) -> str:
    """Return an ISO instant as the city's local 'YYYY-MM-DD HH:MM' ('' for none)."""
    return (local_iso(datetime.fromisoformat(value), tz) or "")[:16].replace("T", " ") if value else ""


def secret_notice(message: str, secret: str, testid: str) -> html.Div:
    """Return the one-time notice showing a new password or token (selectable, never stored)."""
    return html.Div([html.Div(message), html.Code(secret, className="d-inline-block mt-1 fs-5 user-select-all",
                                                  **{"data-testid": testid})],
                    className="alert alert-success", role="alert")


def plain_notice(message: str, kind: str = "info", detail: str = "") -> html.Div:
    """Return a notice (an error or a confirmation); ``detail`` is technical text shown as code."""
    children = [message] + ([" ", html.Code(detail)] if detail else [])
    return html.Div(children, className=f"alert alert-{kind}", role="alert", **{"data-testid": "admin-notice"})


def error_notice(code: str, detail: str, language: str) -> html.Div:
    """Return the notice of an AdminError, its reason in the UI language."""
    return plain_notice(t(f"admin.error.{code}", language), "warning", detail if code == "rejected" else "")
