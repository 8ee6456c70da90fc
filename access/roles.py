"""Who is asking and whether their role may open a page: shared by the request guard and the callbacks.

The guard (api/guard.py) puts the signed-in Principal on ``flask.g`` before any callback runs.
"""

from __future__ import annotations

from typing import Protocol

from flask import g

from access.accounts import Principal


class Guarded(Protocol):
    """Anything that names the roles allowed to open it (a page of layouts/pages.py)."""

    roles: tuple[str, ...]


def current_principal() -> Principal | None:
    """Return who is making the current request (None when anonymous or outside a request)."""
    try:
        return getattr(g, "principal", None)
    except RuntimeError:        # no request context (a unit test calling a callback directly)
        return None


def may_open(principal: Principal | None, page: Guarded) -> bool:
    """Return True when the principal may open the page and use its callbacks (admins open every page)."""
    return principal is not None and (not page.roles or principal.role in page.roles or principal.role == "admin")
