"""The 403 page of a route the signed-in role may not open: plain HTML in the product's look (like the
sign-in page, served by api/guard.py before any Dash layout), in one language, with a way back.

The language comes from ``?lang=``, else the language cookie the app's switch sets, else the
product's default (Chinese), as on the sign-in page.
The page carries no script and no value from the request except the escaped path of the switch link.
"""

from __future__ import annotations

from html import escape

from layouts.i18n import add_texts, t

add_texts({
    "forbidden.title": ("无权访问", "Not allowed"),
    "forbidden.body": ("您的角色无权打开此页面。如需访问，请联系系统管理员。",
                       "Your role may not open this page. Ask an administrator if you need it."),
    "forbidden.back": ("返回首页", "Back to the start page"),
    "forbidden.role": ("当前角色：", "Signed in as: "),
})


def forbidden_html(language: str, path: str, role_name: str = "") -> str:
    """Return the styled 403 page for ``path`` (escaped) in ``language``."""
    other = "en" if language == "zh" else "zh"
    role = f'<p class="text-muted small mb-3">{escape(t("forbidden.role", language) + role_name)}</p>' if role_name else ""
    return (
        f'<!doctype html><html lang="{"zh-CN" if language == "zh" else "en"}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>403 · {escape(t("forbidden.title", language))} · {escape(t("app.title", language))}</title>'
        f'<link rel="stylesheet" href="/assets/00-bootstrap.min.css">'
        f'<link rel="stylesheet" href="/assets/10-city-vitals.css"></head>'
        f'<body><nav class="navbar app-navbar"><div class="container-fluid">'
        f'<a class="navbar-brand fw-bold" href="/">{escape(t("app.title", language))}</a>'
        f'<a class="btn btn-sm btn-outline-light" id="forbidden-lang" href="{escape(path)}?lang={other}">'
        f'{"EN" if language == "zh" else "中文"}</a></div></nav>'
        f'<main class="container" style="max-width: 32rem"><div class="card mt-5"><div class="card-body">'
        f'<p class="display-6 text-muted mb-1">403</p>'
        f'<h1 class="h4 mb-3" data-testid="forbidden-title">{escape(t("forbidden.title", language))}</h1>'
        f'<p>{escape(t("forbidden.body", language))}</p>{role}'
        f'<a class="btn btn-primary" id="forbidden-back" href="/">{escape(t("forbidden.back", language))}</a>'
        f'</div></div></main></body></html>'
    )
