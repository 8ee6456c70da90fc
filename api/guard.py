"""The door of every request: who is asking, may they, and the headers every answer carries.

One Flask ``before_request`` decides for every route, so pages, Dash callbacks and API routes
that arrive later are protected by declaring roles (layouts/pages.Page.roles, or ROLES in a
callbacks module) rather than by remembering to check:

- public: the login, setup and kiosk doors, static assets, the OpenAPI document, the health checks,
  and a signed brief link (/brief/<token>: the route checks the signature and expiry, api/reports.py);
- /api/...: a bearer token of the path's scope (ingest; alarms for /api/v1/alarms; backup for
  /api/v1/backups), or a session;
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
from api import callback_inputs
from api.refusals import UNKNOWN_TOKENS
from data import audit
from data.geo import GEOMETRY_PREFIX
from data.inputs import InputError
from data.ingest import tokens
from layouts.forbidden import forbidden_html
from layouts.i18n import LANGUAGE_COOKIE, chosen_language, t
from layouts.pages import PAGES, page_for_path, page_named

SESSION_COOKIE = "cv_session"
BRIEF_LINK_PREFIX = "/brief/"
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/kiosk/", BRIEF_LINK_PREFIX)
# A brief opened by its link is a self-contained document: it loads nothing, runs no script.
BRIEF_LINK_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'none'"
PUBLIC_PATHS = frozenset({"/login", "/setup", "/favicon.ico", "/_favicon.ico", "/api/v1/openapi.json",
                          "/healthz", "/readyz"})      # health checks: no data (api/health.py)
DASH_PREFIX = "/_dash-"
UPDATE_PATH = "/_dash-update-component"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Bodies above these sizes are refused before anything reads them (the ingest API keeps its own limit).
BODY_LIMITS = {"/login": 16 * 1024, "/setup": 16 * 1024, UPDATE_PATH: 4 * 1024 * 1024}
DEFAULT_BODY_LIMIT = 1024 * 1024
# The token scope a bearer request needs, by path prefix; every other /api/ path takes ingest tokens.
_ROUTER_OUTPUT = "_pages_content.children"
_ROUTER_INPUT = ("_pages_location", "pathname")


class Guard:
    """The request policy bound to the app and its store."""

    def __init__(self, app: dash.Dash, app_context):
        self.app = app
        self.app_context = app_context
        self._csp = ("", -1)         # (policy, number of inline scripts it hashes)
        self._declared = None        # (id, property) → the form the layouts give it

    def install(self) -> None:
        """Register the checks and the response headers on the Flask server."""
        self.app.server.before_request(self.check_request)
        self.app.server.after_request(self.add_headers)
        self.app.server.register_error_handler(InputError, input_error)

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
        page = None if path.startswith((DASH_PREFIX, "/api/")) else router_page(self.app, path)
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
        scope = bearer_scope(request.path)
        verdict, token_id = tokens.identify_token(cursor, secret, scope=scope)
        if token_id is None:
            UNKNOWN_TOKENS.refused(request.path, request.remote_addr)
        else:
            audit.record(cursor, f"token:{token_id}", "token.use" if verdict == "ok" else "token.refused",
                         request.path, {"method": request.method, "verdict": verdict}, request.remote_addr)
        if verdict != "ok":
            return _json({"error": "this token is revoked" if verdict == "revoked" else "this token is not valid"}, 403)
        g.principal = accounts.principal_for(scope, token_id=token_id)
        return None

    def _check_callback(self) -> Response | None:
        body = callback_inputs.parse_body(request.get_data(cache=True))
        if isinstance(body, str):
            return _json({"error": body}, 400)
        entry = self.app.callback_map.get(body["output"])
        if entry is None:
            return _json({"error": "unknown callback"}, 403)
        if _ROUTER_OUTPUT in body["output"]:
            return self._check_router(body, entry)
        if "callback" not in entry:             # a clientside callback: it runs in the browser only
            return _json({"error": "not a server callback"}, 404)
        roles = roles_of_callback_module(getattr(entry["callback"], "__module__", ""))
        if roles is None or (roles and g.principal.role not in roles and g.principal.role != "admin"):
            return forbidden_json()
        malformed = callback_inputs.shape_problem(body, entry) or callback_inputs.problem(body, self._forms())
        return None if malformed is None else _json({"error": malformed}, 400)

    def _forms(self) -> dict:
        """Return the declared form (text or number) of each component property, read once."""
        if self._declared is None:
            frame = self.app.layout() if callable(self.app.layout) else self.app.layout
            self._declared = callback_inputs.declared_forms([frame, *(page.layout() for page in PAGES)])
        return self._declared

    def _check_router(self, body: dict, entry: dict) -> Response | None:
        """Check the role on the page Dash's router would draw: the inputs must be the router's
        own, in its order (Dash passes them by position, so swapped inputs would draw another
        path), and the path is resolved as Dash resolves it ('//audit' is /audit)."""
        declared = [(i.get("id"), i.get("property")) for i in entry.get("inputs", [])]
        given = [(i.get("id"), i.get("property")) if isinstance(i, dict) else None for i in body.get("inputs") or []]
        if given != declared or declared[:1] != [_ROUTER_INPUT]:
            return _json({"error": "inputs: not the page router's inputs"}, 400)
        pathname, search = (body["inputs"][0].get("value"), body["inputs"][1].get("value")
                            if len(body["inputs"]) > 1 else None)
        if pathname is not None and not (isinstance(pathname, str) and pathname.startswith("/")):
            return _json({"error": "_pages_location.pathname: a path starting with /"}, 400)
        if search is not None and not isinstance(search, str):
            return _json({"error": "_pages_location.search: a text"}, 400)
        page = router_page(self.app, pathname or "/")
        return None if page is None or may_open(g.principal, page) else forbidden_json()

    # --- after every request -------------------------------------------------------------

    def add_headers(self, response: Response) -> Response:
        """Add the security headers; keep pages and callback answers out of shared caches."""
        headers = response.headers
        headers["Content-Security-Policy"] = BRIEF_LINK_CSP if request.path.startswith(BRIEF_LINK_PREFIX) else self.csp()
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        kept_by_browser = request.path.startswith(("/assets/", "/_dash-component-suites/")) or (
            request.path.startswith(("/basemap/", GEOMETRY_PREFIX)) and "Cache-Control" in headers)
        # tiles and font (api/basemap.py), units' geometry (api/geometry.py): their own Cache-Control
        if not kept_by_browser:
            headers["Cache-Control"] = "no-store"
        return response


    def csp(self) -> str:
        """Return the CSP, recomputed when Dash adds inline scripts (its page router does so late)."""
        count = len(self.app._inline_scripts) + len(dash._callback.GLOBAL_INLINE_SCRIPTS)
        if self._csp[1] != count:
            self._csp = (content_security_policy(self.app), count)
        return self._csp[0]


def router_page(app: dash.Dash, pathname: str):
    """Return our Page that Dash's router draws for ``pathname`` (None: its 404 page).

    Resolved by Dash's own rule (strip_relative_path, then the registry), so whatever spelling
    reaches the router ('//audit', '/audit/', a prefixed path) is checked as the page it draws."""
    stripped = app.strip_relative_path(pathname) or ""
    return page_for_path("/" + stripped.strip("/"))


def bearer_scope(path: str) -> str:
    """Return the token scope a bearer request to ``path`` needs."""
    return next((scope for prefix, scope in tokens.SCOPE_OF_PATH.items()
                 if path == prefix or path.startswith(prefix + "/")), "ingest")


def _json(body: dict, status: int) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def input_error(error: InputError) -> Response:
    """Answer a request whose value has the wrong form: 400 naming the field (data.inputs)."""
    return _json({"error": str(error)}, 400)


def forbidden() -> Response:
    """Return the 403 page of a route the role may not open, in the product's look and one language."""
    language = chosen_language(request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE))
    principal = g.get("principal")
    role = t(f"role.{principal.role}", language) if principal is not None else ""
    return Response(forbidden_html(language, request.path, role), status=403, mimetype="text/html")


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
