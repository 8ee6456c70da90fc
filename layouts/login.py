"""The sign-in and first-admin pages (plain HTML served by api/auth.py) and the navbar account menu.

They are plain HTML rather than Dash pages so that anonymous visitors get no Dash layout or
callbacks at all. Every value is escaped; the pages carry no script.
"""

from __future__ import annotations

from html import escape

from dash import html

from layouts import ids
from layouts.i18n import add_texts, normalise_language, t

add_texts({
    "login.title": ("登录", "Sign in"),
    "login.username": ("用户名", "Username"),
    "login.password": ("密码", "Password"),
    "login.password2": ("再次输入密码", "Password again"),
    "login.submit": ("登录", "Sign in"),
    "login.failed": ("用户名或密码错误。", "Wrong username or password."),
    "login.locked": ("登录失败次数过多，账户已暂时锁定，请15分钟后再试。",
                     "Too many failed sign-ins: the account is locked for 15 minutes."),
    "login.throttled": ("尝试过于频繁，请稍后再试。", "Too many attempts from this address: try again later."),
    "login.signed_out": ("您已退出登录。", "You are signed out."),
    "login.setup_title": ("创建第一个管理员", "Create the first administrator"),
    "login.setup_submit": ("创建", "Create"),
    "login.setup_mismatch": ("两次输入的密码不一致。", "The passwords differ."),
    "login.setup_closed": ("管理员已存在，或设置码无效。", "An administrator exists already, or the setup code is wrong."),
    "account.sign_out": ("退出", "Sign out"),
    "role.admin": ("管理员", "administrator"),
    "role.leader": ("领导", "leader"),
    "role.analyst": ("分析员", "analyst"),
    "role.duty_officer": ("值班员", "duty officer"),
    "role.department": ("部门", "department"),
    "role.screen": ("大屏", "wall screen"),
})


def _field(name: str, label: str, kind: str, value: str = "") -> str:
    return (f'<div class="mb-3"><label class="form-label" for="{name}">{escape(label)}</label>'
            f'<input class="form-control" id="{name}" name="{name}" type="{kind}" value="{escape(value)}" '
            f'autocomplete="{"current-password" if kind == "password" else "username"}" required></div>')


def _page(language: str, title: str, body: str, switch_query: str) -> str:
    other = "en" if language == "zh" else "zh"
    return (
        f'<!doctype html><html lang="{"zh-CN" if language == "zh" else "en"}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)} · {escape(t("app.title", language))}</title>'
        f'<link rel="stylesheet" href="/assets/00-bootstrap.min.css">'
        f'<link rel="stylesheet" href="/assets/10-city-vitals.css"></head>'
        f'<body><nav class="navbar app-navbar"><div class="container-fluid">'
        f'<span class="navbar-brand fw-bold">{escape(t("app.title", language))}</span>'
        f'<a class="btn btn-sm btn-outline-light" id="login-lang" href="?{escape(switch_query)}lang={other}">'
        f'{"EN" if language == "zh" else "中文"}</a></div></nav>'
        f'<main class="container" style="max-width: 26rem"><div class="card mt-5"><div class="card-body">'
        f'<h1 class="h4 mb-3">{escape(title)}</h1>{body}</div></div></main></body></html>'
    )


def login_html(language: str | None, message_key: str | None = None, next_path: str = "/",
               username: str = "") -> str:
    """Return the sign-in page; ``message_key`` names a notice (failed, locked, …) to show."""
    language = normalise_language(language)
    notice = (f'<div class="alert alert-warning" role="alert" data-testid="login-message">'
              f'{escape(t(message_key, language))}</div>') if message_key else ""
    form = (f'{notice}<form method="post" action="/login?lang={language}">'
            f'<input type="hidden" name="next" value="{escape(next_path)}">'
            f'{_field("username", t("login.username", language), "text", username)}'
            f'{_field("password", t("login.password", language), "password")}'
            f'<button class="btn btn-primary w-100" id="login-submit" type="submit">'
            f'{escape(t("login.submit", language))}</button></form>')
    return _page(language, t("login.title", language), form, f"next={escape(next_path)}&")


def setup_html(language: str | None, code: str, message_key: str | None = None, error: str = "") -> str:
    """Return the form that creates the first administrator; ``error`` is a plain-text problem to show."""
    language = normalise_language(language)
    text = t(message_key, language) if message_key else error
    notice = f'<div class="alert alert-warning" role="alert">{escape(text)}</div>' if text else ""
    form = (f'{notice}<form method="post" action="/setup?lang={language}">'
            f'<input type="hidden" name="code" value="{escape(code)}">'
            f'{_field("username", t("login.username", language), "text")}'
            f'{_field("password", t("login.password", language), "password")}'
            f'{_field("password2", t("login.password2", language), "password")}'
            f'<button class="btn btn-primary w-100" type="submit">{escape(t("login.setup_submit", language))}'
            f'</button></form>')
    return _page(language, t("login.setup_title", language), form, f"code={escape(code)}&")


def account_menu(name: str, role: str, language: str) -> html.Form:
    """Return the navbar's signed-in name and sign-out button (a POST form: logout is a change)."""
    return html.Form([
        html.Span([name, html.Span(f" · {t('role.' + role, language)}", className="account-role")],
                  className="navbar-text me-2", **{"data-testid": "account-name"}),
        html.Button(t("account.sign_out", language), type="submit", id=ids.SIGN_OUT,
                    className="btn btn-sm btn-outline-light"),
    ], action="/logout", method="post", className="d-flex align-items-center ms-3 mb-0")
