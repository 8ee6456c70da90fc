"""Who is asking and what their role may open: shared by the request guard and the callbacks.

The guard (api/guard.py) puts the signed-in Principal on ``flask.g`` before any callback runs.
"""

from __future__ import annotations

import sys

from flask import g

from data.accounts import Principal
from layouts.pages import PAGES, Page


def current_principal() -> Principal | None:
    """Return who is making the current request (None when anonymous or outside a request)."""
    try:
        return getattr(g, "principal", None)
    except RuntimeError:        # no request context (a unit test calling a callback directly)
        return None


def page_for_path(path: str) -> Page | None:
    """Return the registered page at ``path`` (trailing slash ignored), or None."""
    wanted = path.rstrip("/") or "/"
    return next((page for page in PAGES if (page.path.rstrip("/") or "/") == wanted), None)


def may_open(principal: Principal | None, page: Page) -> bool:
    """Return True when the principal may open the page and use its callbacks (admins open every page)."""
    return principal is not None and (not page.roles or principal.role in page.roles or principal.role == "admin")


def visible_pages(principal: Principal | None) -> list[Page]:
    """Return the pages the principal may open, in registry order (the navigation bar shows these)."""
    return [page for page in PAGES if may_open(principal, page)]


def roles_of_callback_module(module: str) -> tuple[str, ...] | None:
    """Return the roles that may run callbacks of ``module``; None denies.

    A module declares ROLES itself (() = every signed-in role), or is callbacks.<page name> and
    takes the page's roles. Anything else is refused, so a forgotten declaration fails closed.
    """
    loaded = sys.modules.get(module)
    if loaded is not None and hasattr(loaded, "ROLES"):
        return tuple(loaded.ROLES)
    if module.startswith("callbacks."):
        page = next((p for p in PAGES if p.name == module.rsplit(".", 1)[-1]), None)
        return page.roles if page else None
    return None
