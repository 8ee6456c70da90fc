"""The doors: /login, /logout, /kiosk/<display token> and the one-time /setup of the first admin.

Failed sign-ins are throttled per address and lock the account after five in a row, both counted in
the store, so every process of the server (``app.py --workers``) sees the same count. Every sign-in, failure, sign-out and display-token use goes to the audit log.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from flask import Blueprint, Response, redirect, request

from access import accounts
from access.roles import current_principal
from api.guard import SESSION_COOKIE
from api.refusals import UNKNOWN_TOKENS
from data import audit
from data.ingest import tokens
from layouts.i18n import LANGUAGE_COOKIE, LANGUAGES, chosen_language
from layouts.login import login_html, setup_html
from layouts.pages import page_for_path

THROTTLE_FAILURES = 10          # failed sign-ins per address …
THROTTLE_WINDOW_S = 300         # … within this many seconds before the address must wait
REFUSED_SIGN_INS = ("login.bad", "login.locked", "login.disabled")    # audit actions of accounts.authenticate's refusals
KIOSK_HOME = "/screen"          # where a wall screen lands (the overview until a /screen page exists)


class Throttle:
    """Failed sign-ins per client address in a sliding window, counted in the audit log (each refused
    sign-in is recorded there): a count kept in one process's memory would let an address try once
    per worker process, and would forget at a restart."""

    def __init__(self, limit: int = THROTTLE_FAILURES, window_s: float = THROTTLE_WINDOW_S):
        self.limit, self.window_s = limit, window_s

    def blocked(self, cursor, address: str) -> bool:
        """Return True while ``address`` has too many recent failures."""
        since = datetime.now(timezone.utc) - timedelta(seconds=self.window_s)
        return audit.count_since(cursor, REFUSED_SIGN_INS, address, since) >= self.limit


def _safe_next(value: str | None) -> str:
    """Return a local path to go to after sign-in (never another site).

    Only a same-origin path: it starts with one '/', holds no backslash and no control character
    (browsers drop tabs and newlines, so '/%09/evil.example' would become '//evil.example'), and
    parses with neither scheme nor host."""
    if (not value or len(value) > 2048 or not value.startswith("/") or value.startswith("//") or "\\" in value
            or any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in value)):
        return "/"
    parts = urlsplit(value)
    return "/" if parts.scheme or parts.netloc else value


def _html(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/html")


def _language() -> str:
    """Return the language of the sign-in and setup pages: ``?lang=``, else the language cookie."""
    return chosen_language(request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE))


def _remember_language(response: Response) -> Response:
    """Keep a language picked on the sign-in page (``?lang=``) for the app's pages (the language cookie)."""
    if request.args.get("lang") in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, request.args["lang"], max_age=365 * 24 * 3600, samesite="Lax", path="/")
    return response


def _set_session_cookie(response: Response, secret: str, max_age_s: int) -> Response:
    response.set_cookie(SESSION_COOKIE, secret, max_age=max_age_s, httponly=True, samesite="Lax",
                        secure=request.is_secure, path="/")
    return response


class AuthRoutes:
    """The sign-in routes bound to the server's store."""

    def __init__(self, app_context, setup_code: str | None = None):
        self.app_context = app_context
        self.throttle = Throttle()
        self.setup_code = setup_code

    def blueprint(self) -> Blueprint:
        """Return the blueprint with the four doors."""
        bp = Blueprint("auth", __name__)
        bp.add_url_rule("/login", "login", self.login, methods=["GET", "POST"])
        bp.add_url_rule("/logout", "logout", self.logout, methods=["POST"])
        bp.add_url_rule("/kiosk/<secret>", "kiosk", self.kiosk, methods=["GET"])
        bp.add_url_rule("/setup", "setup", self.setup, methods=["GET", "POST"])
        return bp

    def login(self) -> Response:
        """Show the form (GET) or check the credentials and open a session (POST)."""
        language = _language()
        next_path = _safe_next(request.values.get("next"))
        if request.method == "GET":
            return _remember_language(_html(login_html(language, next_path=next_path)))
        address = request.remote_addr or "unknown"
        username = request.form.get("username", "").strip()[:64]
        cursor = self.app_context.cursor()
        if self.throttle.blocked(cursor, address):
            return _html(login_html(language, "login.throttled", next_path, username), 429)
        verdict, role = self.app_context.ask_owner("accounts.authenticate", username,
                                                   request.form.get("password", "")[:1024])
        if verdict != "ok":
            audit.record(cursor, username or "anonymous", f"login.{verdict}", username, None, address)
            key = "login.locked" if verdict == "locked" else "login.failed"
            return _html(login_html(language, key, next_path, username), 401)
        secret = accounts.start_session(cursor, role, username=username, remote_addr=address)
        audit.record(cursor, username, "login.success", username, {"role": role}, address)
        return _remember_language(_set_session_cookie(redirect(next_path, 303), secret,
                                                      int(accounts.SESSION_MAX_AGE.total_seconds())))

    def logout(self) -> Response:
        """End the session and forget the cookie."""
        secret = request.cookies.get(SESSION_COOKIE)
        principal = current_principal()
        cursor = self.app_context.cursor()
        if secret:
            accounts.end_session(cursor, secret)
        if principal is not None:
            audit.record(cursor, principal.actor, "logout", None, None, request.remote_addr)
        response = redirect("/login", 303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    def kiosk(self, secret: str) -> Response:
        """Exchange a display token for a screen session and go to the wall screen."""
        cursor = self.app_context.cursor()
        verdict, token_id = tokens.identify_token(cursor, secret, scope="display")
        if token_id is None:
            UNKNOWN_TOKENS.refused("kiosk", request.remote_addr)
        else:
            audit.record(cursor, f"token:{token_id}", "token.use" if verdict == "ok" else "token.refused",
                         "kiosk", {"verdict": verdict}, request.remote_addr)
        if verdict != "ok":
            return _html("<!doctype html><meta charset='utf-8'><title>403</title><h1>403</h1>"
                         "<p>显示令牌无效或已吊销。 This display token is not valid or was revoked.</p>", 403)
        session = accounts.start_session(cursor, "screen", token_id=token_id, remote_addr=request.remote_addr)
        home = KIOSK_HOME if page_for_path(KIOSK_HOME) is not None else "/"
        # The token leaves the address bar at once; the screen keeps only its session cookie.
        return _set_session_cookie(redirect(home, 303), session, int(accounts.SESSION_MAX_AGE.total_seconds()))

    def setup(self) -> Response:
        """Create the first administrator with the code printed at start-up (only while none exists)."""
        language = _language()
        cursor = self.app_context.cursor()
        code = request.values.get("code", "")
        if (not self.setup_code or accounts.count_active_admins(cursor)
                or not secrets.compare_digest(code, self.setup_code)):
            return _html(setup_html(language, "", "login.setup_closed"), 403)
        if request.method == "GET":
            return _html(setup_html(language, code))
        password = request.form.get("password", "")
        if password != request.form.get("password2", ""):
            return _html(setup_html(language, code, "login.setup_mismatch"), 400)
        username = request.form.get("username", "").strip()
        try:
            accounts.add_user(cursor, username, "admin", password)
        except accounts.AccountError as exc:
            return _html(setup_html(language, code, error=str(exc)), 400)
        self.setup_code = None
        audit.record(cursor, username, "user.add", username, {"role": "admin", "via": "setup"}, request.remote_addr)
        return redirect(f"/login?lang={language or 'zh'}", 303)

