"""Puts the guard, the sign-in doors and the first-admin setup on the app (called by app.create_app)."""

from __future__ import annotations

import secrets
import sys

import dash

from access import accounts
from api.auth import AuthRoutes
from api.guard import Guard

SETUP_CODE_KEY = "CITY_SETUP_CODE"


def new_setup_code(cursor) -> str | None:
    """Return a fresh one-time code for creating the first administrator, or None when one exists."""
    return None if accounts.count_active_admins(cursor) else secrets.token_urlsafe(16)


def install(app: dash.Dash, app_context, setup_code: str | None = None) -> None:
    """Guard every route of ``app`` and mount /login, /logout, /kiosk and /setup; ``setup_code`` is the
    owner's when this is a worker process (every worker must accept the one code printed)."""
    setup_code = setup_code or new_setup_code(app_context.cursor())
    app.server.config[SETUP_CODE_KEY] = setup_code
    app.server.register_blueprint(AuthRoutes(app_context, setup_code).blueprint())
    Guard(app, app_context).install()


def first_admin_instructions(code: str | None, base_url: str, db_path) -> str | None:
    """Return how to create the first administrator with the setup ``code``, or None when one exists."""
    if not code:
        return None
    return (
        "No administrator account exists yet (there is no default password). Create one either:\n"
        f"  - in the browser, once: {base_url}/setup?code={code}\n"
        f"  - or with the server stopped: python cli.py users add NAME --role admin --db {db_path}\n"
        "Then sign in at " + base_url + "/login")


def print_first_admin_instructions(code: str | None, base_url: str, db_path) -> None:
    """Print the first-admin instructions on the console when no administrator exists."""
    text = first_admin_instructions(code, base_url, db_path)
    if text:
        print(text, file=sys.stderr, flush=True)
