"""The tokens page ("/admin/tokens", administrators): add and revoke wall-screen, feed and backup
tokens while the server runs. A new token is shown once; the store keeps its hash."""

from __future__ import annotations

from dash import dcc, html

from layouts import ids
from layouts.admin_users import secret_notice, time_text
from layouts.i18n import add_texts, t

add_texts({
    "nav.admin_tokens": ("令牌管理", "Tokens"),
    "admin.tokens.heading": ("大屏、数据接入与备份令牌", "Wall-screen, feed and backup tokens"),
    "admin.tokens.name": ("名称，如 指挥大厅主屏", "Name, e.g. main hall wall"),
    "admin.tokens.add": ("创建令牌", "Create token"),
    "admin.tokens.scope.display": ("大屏（免登录显示）", "Wall screen (no sign-in)"),
    "admin.tokens.scope.ingest": ("数据接入接口", "Feed (ingest API)"),
    "admin.tokens.scope.backup": ("在线备份（cli.py backup）", "Online backup (cli.py backup)"),
    "admin.tokens.created.display": ("已创建大屏令牌 {name}。在大屏电脑上打开本服务器地址加上这个路径，只显示这一次：",
                                     "Wall-screen token {name} created. On the wall PC open this server's address "
                                     "followed by this path; it is shown this once:"),
    "admin.tokens.created.other": ("已创建令牌 {name}。令牌只显示这一次，请妥善保存：",
                                   "Token {name} created. It is shown this once; keep it safe:"),
    "admin.tokens.revoked_done": ("令牌 {token} 已吊销，使用它的大屏将在下次请求时退出。",
                                  "Token {token} is revoked; screens using it are signed out on their next request."),
    "admin.tokens.revoke": ("吊销", "Revoke"),
    "admin.tokens.col.token_id": ("编号", "Id"),
    "admin.tokens.col.name": ("名称", "Name"),
    "admin.tokens.col.scope": ("用途", "Use"),
    "admin.tokens.col.created_at": ("创建时间", "Created"),
    "admin.tokens.col.revoked_at": ("吊销时间", "Revoked"),
    "admin.tokens.col.actions": ("操作", "Actions"),
    "admin.tokens.empty": ("还没有令牌。", "No tokens yet."),
})
COLUMNS = ("token_id", "name", "scope", "created_at", "revoked_at", "actions")


def layout(**_query) -> html.Div:
    """Return the page frame; callbacks.admin_tokens fills its texts and the table."""
    return html.Div([
        dcc.Store(id=ids.ADMIN_TOKENS_VERSION, data=0),
        html.H4(id=ids.ADMIN_TOKENS_HEADING, className="mb-3"),
        html.Div([
            dcc.Input(id=ids.ADMIN_TOKENS_NAME, type="text", maxLength=64, className="form-control me-2",
                      style={"maxWidth": "20rem"}),
            dcc.Dropdown(id=ids.ADMIN_TOKENS_SCOPE, clearable=False, style={"minWidth": "16rem"}, className="me-2"),
            html.Button(id=ids.ADMIN_TOKENS_ADD, n_clicks=0, className="btn btn-primary"),
        ], className="d-flex flex-wrap align-items-center gap-2 mb-3"),
        html.Div(id=ids.ADMIN_TOKENS_NOTICE, **{"aria-live": "polite"}),
        html.Div(id=ids.ADMIN_TOKENS_TABLE),
    ], className="container-fluid py-3")


def scope_options(scopes: tuple[str, ...], language: str) -> list[dict]:
    """Return the dropdown options of the token scopes, named in the UI language."""
    return [{"label": t(f"admin.tokens.scope.{scope}", language), "value": scope} for scope in scopes]


def created_notice(name: str, scope: str, secret: str, language: str) -> html.Div:
    """Return the one-time notice of a new token (a kiosk path for a wall screen)."""
    if scope == "display":
        return secret_notice(t("admin.tokens.created.display", language).format(name=name), f"/kiosk/{secret}",
                             "new-token")
    return secret_notice(t("admin.tokens.created.other", language).format(name=name), secret, "new-token")


def tokens_table(tokens: list[dict], language: str, tz: str) -> html.Div:
    """Return the tokens (never their secrets) with a revoke button on the active ones."""
    if not tokens:
        return html.P(t("admin.tokens.empty", language), className="text-muted")
    head = html.Thead(html.Tr([html.Th(t(f"admin.tokens.col.{c}", language)) for c in COLUMNS]))
    body = html.Tbody([_row(token, language, tz) for token in tokens])
    return html.Table([head, body], className="table table-sm table-striped align-middle",
                      **{"data-testid": "admin-tokens-table"})


def _row(token: dict, language: str, tz: str) -> html.Tr:
    revoke = [] if token["revoked_at"] else [html.Button(
        t("admin.tokens.revoke", language), n_clicks=0, className="btn btn-sm btn-outline-danger",
        id={"type": ids.ADMIN_TOKEN_REVOKE, "token": token["token_id"]})]
    return html.Tr([html.Td(token["token_id"]), html.Td(token["name"]),
                    html.Td(t(f"admin.tokens.scope.{token['scope']}", language)),
                    html.Td(time_text(token["created_at"], tz)), html.Td(time_text(token["revoked_at"], tz)),
                    html.Td(revoke)], **{"data-token": token["token_id"]})

