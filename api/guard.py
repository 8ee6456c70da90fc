"""The door of every request: who is asking, may they, and the headers every answer carries.

One Flask ``before_request`` decides for every route, so pages, Dash callbacks and API routes
that arrive later are protected by declaring roles (layouts/pages.Page.roles, or ROLES in a
callbacks module) rather than by remembering to check:

- public: the login, setup and kiosk doors, static assets, the OpenAPI document;
- /api/...: a bearer token of scope ingest, or a session;
- /_dash-update-component: a session whose role may use the callback's page;
- anything else: a session; page routes also need the page's role.
State-changing requests with a session cookie must come from the app's own origin (CSRF).
"""

from __future__ import annotations

import json
import sys
from urllib.parse import quote, urlparse

import dash
import dash._callback
from flask import Response, g, redirect, request

from access import accounts
from access.roles import may_open
from data import audit
from data.ingest import tokens
from layouts.pages import page_for_path, page_named

SESSION_COOKIE = "cv_session"
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/kiosk/")
PUBLIC_PATHS = frozenset({"/login", "/setup", "/favicon.ico", "/_favicon.ico", "/api/v1/openapi.json"})
DASH_PREFIX = "/_dash-"
UPDATE_PATH = "/_dash-update-component"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Bodies above these sizes are refused before anything reads them (the ingest API keeps its own limit).
BODY_LIMITS = {"/login": 16 * 1024, "/setup": 16 * 1024, UPDATE_PATH: 4 * 1024 * 1024}
DEFAULT_BODY_LIMIT = 1024 * 1024
_ROUTER_OUTPUT = "_pages_content.children"
_ROUTER_INPUT = ("_pages_location", "pathname")


class Guard:
    """The request policy bound to the app and its store."""

    def __init__(self, app: dash.Dash, app_context):
        self.app = app
        self.app_context = app_context
        self._csp = ("", -1)         # (policy, number of inline scripts it hashes)

    def install(self) -> None:
        """Register the checks and the response headers on the Flask server."""
        self.app.server.before_request(self.check_request)
        self.app.server.after_request(self.add_headers)

    # --- before every request ------------------------------------------------------------

    def check_request(self) -> Response | None:
        """Return a refusal, or None to let the request through (with g.principal set)."""
        path = request.path
        too_big = self._check_size(path)
        if too_big is not None:
            return too_big
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            g.principal = self._session_principal() if path in ("/login", "/setup") else None
            return self._check_origin() if path in ("/login", "/setup") else None
        if path.startswith("/api/") and request.headers.get("Authorization", "").startswith("Bearer "):
            return self._check_bearer()
        g.principal = self._session_principal()
        if g.principal is None:
            return self._anonymous(path)
        refused = self._check_origin()
        if refused is not None:
            return refused
        if path == UPDATE_PATH:
            return self._check_callback()
        page = None if path.startswith((DASH_PREFIX, "/api/")) else page_for_path(path)
        return forbidden() if page is not None and not may_open(g.principal, page) else None

    def _check_size(self, path: str) -> Response | None:
        if path.startswith("/api/"):
            return None           # the ingest API reads its body against its own, larger limit
        limit = BODY_LIMITS.get(path, DEFAULT_BODY_LIMIT)
        if request.content_length is not None and request.content_length > limit:
            return _json({"error": f"the request body is larger than {limit} bytes"}, 413)
        return None

    def _session_principal(self) -> accounts.Principal | None:
        secret = request.cookies.get(SESSION_COOKIE)
        return accounts.resolve_session(self.app_context.cursor(), secret) if secret else None

    def _anonymous(self, path: str) -> Response:
        if path.startswith("/api/"):
            response = _json({"error": "a bearer token is required: Authorization: Bearer TOKEN"}, 401)
            response.headers["WWW-Authenticate"] = 'Bearer realm="city-vitals"'
            return response
        if path.startswith(DASH_PREFIX) or request.method != "GET":
            return _json({"error": "sign in first"}, 401)
        return redirect("/login?next=" + quote(request.full_path.rstrip("?"), safe="/?=&"))

    def _check_origin(self) -> Response | None:
        if request.method not in STATE_CHANGING:
            return None
        source = request.headers.get("Origin") or request.headers.get("Referer") or ""
        if urlparse(source).netloc != request.host:
            return _json({"error": "cross-site request refused: send it from the app's own pages"}, 403)
        return None

    def _check_bearer(self) -> Response | None:
        secret = request.headers["Authorization"][7:].strip()
        cursor = self.app_context.cursor()
        verdict = tokens.check_token(cursor, secret, scope="ingest")
        token_id = tokens.token_id_of(secret)
        audit.record(cursor, f"token:{token_id or 'unknown'}", "token.use" if verdict == "ok" else "token.refused",
                     request.path, {"method": request.method, "verdict": verdict}, request.remote_addr)
        if verdict != "ok":
            return _json({"error": "this token is revoked" if verdict == "revoked" else "this token is not valid"}, 403)
        g.principal = accounts.principal_for("ingest", token_id=token_id)
        return None

    def _check_callback(self) -> Response | None:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("output"), str):
            return _json({"error": "not a Dash callback request"}, 400)
        entry = self.app.callback_map.get(body["output"])
        if entry is None:
            return _json({"error": "unknown callback"}, 403)
        if _ROUTER_OUTPUT in body["output"]:
            page = page_for_path(_router_path(body))
            return None if page is None or may_open(g.principal, page) else forbidden_json()
        if "callback" not in entry:             # a clientside callback: it runs in the browser only
            return _json({"error": "not a server callback"}, 404)
        roles = roles_of_callback_module(getattr(entry["callback"], "__module__", ""))
        if roles is None or (roles and g.principal.role not in roles and g.principal.role != "admin"):
            return forbidden_json()
        return None

    # --- after every request -------------------------------------------------------------

    def add_headers(self, response: Response) -> Response:
        """Add the security headers; keep pages and callback answers out of shared caches."""
        headers = response.headers
        headers["Content-Security-Policy"] = self.csp()
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        kept_by_browser = request.path.startswith(("/assets/", "/_dash-component-suites/")) or (
            request.path.startswith("/basemap/") and "Cache-Control" in headers)     # tiles and font: see api/basemap.py
        if not kept_by_browser:
            headers["Cache-Control"] = "no-store"
        return response


    def csp(self) -> str:
        """Return the CSP, recomputed when Dash adds inline scripts (its page router does so late)."""
        count = len(self.app._inline_scripts) + len(dash._callback.GLOBAL_INLINE_SCRIPTS)
        if self._csp[1] != count:
            self._csp = (content_security_policy(self.app), count)
        return self._csp[0]


def _router_path(body: dict) -> str:
    for item in body.get("inputs", []):
        if isinstance(item, dict) and (item.get("id"), item.get("property")) == _ROUTER_INPUT:
            return str(item.get("value") or "/")
    return "/"


def _json(body: dict, status: int) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def forbidden() -> Response:
    """Return the plain 403 page of a route the role may not open."""
    return Response("<!doctype html><meta charset='utf-8'><title>403</title>"
                    "<h1>403</h1><p>无权访问此页面。 You may not open this page.</p><p><a href='/'>/</a></p>",
                    status=403, mimetype="text/html")


def forbidden_json() -> Response:
    """Return the 403 answer of a callback the role may not use."""
    return _json({"error": "your role may not use this"}, 403)


def content_security_policy(app: dash.Dash) -> str:
    """Return the CSP: only the app's own origin, plus the hashes of Dash's inline scripts."""
    hashes = " ".join(app.csp_hashes())       # each comes quoted: 'sha256-…'
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' {hashes}",
        "style-src 'self' 'unsafe-inline'",       # plotly and MapLibre inject <style> elements at run time
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",                # MapLibre draws in a worker made from a blob
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def roles_of_callback_module(module: str) -> tuple[str, ...] | None:
    """Return the roles that may run callbacks of ``module``; None denies.

    A module declares ROLES itself (() = every signed-in role), or is callbacks.<page name> and
    takes the page's roles. Anything else is refused, so a forgotten declaration fails closed.
    """
    loaded = sys.modules.get(module)
    if loaded is not None and hasattr(loaded, "ROLES"):
        return tuple(loaded.ROLES)
    if module.startswith("callbacks."):
        page = page_named(module.rsplit(".", 1)[-1])
        return page.roles if page else None
    return None
