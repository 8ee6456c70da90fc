"""Sign-in, cookies, lockout, throttling, logout, revocation, CSRF, headers and body limits."""

from __future__ import annotations

import pytest

from access import accounts
from data import audit
from data.ingest import tokens
from tests.api.conftest import ORIGIN, PASSWORD


def _client(secured, address: str):
    client = secured.dash_app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _login(client, username: str, password: str, origin: str | None = ORIGIN):
    headers = {"Origin": origin} if origin else {}
    return client.post("/login", data={"username": username, "password": password}, headers=headers)


def _new_user(secured, name: str, role: str = "analyst") -> None:
    accounts.add_user(secured.app_context.cursor(), name, role, PASSWORD)


def test_password_hashes_are_salted_scrypt():
    first, second = accounts.hash_password("Same-pass-123"), accounts.hash_password("Same-pass-123")
    assert first != second and first.startswith("scrypt$")
    assert accounts.verify_password("Same-pass-123", first) and not accounts.verify_password("same-pass-123", first)


@pytest.mark.parametrize("weak", ["short1A", "0123456789012", "onlylowercaseletters"])
def test_weak_passwords_are_refused(weak):
    with pytest.raises(accounts.AccountError):
        accounts.check_password_rules(weak)


def test_session_cookie_is_httponly_samesite_and_audited(secured):
    answer = _login(_client(secured, "10.0.1.1"), "leader", PASSWORD)
    cookie = answer.headers["Set-Cookie"]
    assert answer.status_code == 303 and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    entries = audit.recent(secured.app_context.cursor(), 5, "login.")
    assert entries[0]["action"] == "login.success" and entries[0]["actor"] == "leader"


def test_wrong_password_and_unknown_user_get_the_same_answer(secured):
    client = _client(secured, "10.0.1.2")
    wrong, unknown = _login(client, "analyst", "Not-the-pass-1"), _login(client, "nobody", "Not-the-pass-1")
    assert wrong.status_code == unknown.status_code == 401
    assert "cv_session" not in wrong.headers.get("Set-Cookie", "")


def test_five_failures_lock_the_account_even_for_the_right_password(secured):
    _new_user(secured, "locky")
    client = _client(secured, "10.0.1.3")
    for _ in range(accounts.MAX_FAILED_LOGINS):
        _login(client, "locky", "Wrong-pass-123")
    answer = _login(client, "locky", PASSWORD)
    assert answer.status_code == 401 and "锁定" in answer.text
    assert audit.recent(secured.app_context.cursor(), 5, "login.locked")


def test_an_address_with_too_many_failures_must_wait(secured):
    client = _client(secured, "10.0.1.4")
    statuses = [_login(client, f"guess{i}", "Wrong-pass-123").status_code for i in range(12)]
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
    assert _login(_client(secured, "10.0.1.5"), "analyst", PASSWORD).status_code == 303


def test_logout_ends_the_session_on_the_server(secured):
    client = _client(secured, "10.0.1.6")
    _login(client, "analyst", PASSWORD)
    cookie = client.get_cookie("cv_session").value
    assert client.post("/logout", headers={"Origin": ORIGIN}).status_code == 303
    replay = secured.dash_app.server.test_client()
    replay.set_cookie("cv_session", cookie)
    assert replay.get("/_dash-layout").status_code == 401


def test_disabling_a_user_ends_their_sessions(secured):
    _new_user(secured, "leaver")
    client = _client(secured, "10.0.1.7")
    _login(client, "leaver", PASSWORD)
    assert client.get("/_dash-layout").status_code == 200
    accounts.disable_user(secured.app_context.cursor(), "leaver")
    assert client.get("/_dash-layout").status_code == 401
    assert _login(client, "leaver", PASSWORD).status_code == 401


def test_revoking_a_display_token_signs_its_screens_out(secured):
    token_id, secret = tokens.create_token(secured.app_context.cursor(), "lobby", scope="display")
    screen = _client(secured, "10.0.1.8")
    assert screen.get(f"/kiosk/{secret}").headers["Location"] == "/screen"
    assert screen.get("/").status_code == 200
    tokens.revoke_token(secured.app_context.cursor(), token_id)
    assert screen.get("/").status_code == 302
    assert screen.get(f"/kiosk/{secret}").status_code == 403


def test_a_display_token_cannot_ingest_and_an_ingest_token_cannot_open_the_kiosk(secured):
    client = secured.dash_app.server.test_client()
    assert client.get(f"/kiosk/{secured.ingest_token}").status_code == 403
    answer = client.post("/api/v1/events", data=b"[]", headers={"Authorization": f"Bearer {secured.display_token}"})
    assert answer.status_code == 403


def test_token_use_is_audited(secured):
    client = secured.dash_app.server.test_client()
    client.post("/api/v1/events", data=b"nope", headers={"Authorization": f"Bearer {secured.ingest_token}"})
    entry = audit.recent(secured.app_context.cursor(), 1, "token.")[0]
    assert entry["action"] == "token.use" and entry["target"] == "/api/v1/events"


@pytest.mark.parametrize("origin", [None, "http://evil.example", "null"])
def test_state_changing_requests_from_elsewhere_are_refused(secured, origin):
    client = secured.client("analyst")
    headers = {"Origin": origin} if origin else {}
    body = {"output": "navbar.children", "outputs": {"id": "navbar", "property": "children"},
            "inputs": [{"id": "language", "property": "data", "value": "en"},
                       {"id": "url", "property": "pathname", "value": "/"}], "changedPropIds": ["language.data"]}
    assert client.post("/_dash-update-component", json=body, headers=headers).status_code == 403
    assert client.post("/_dash-update-component", json=body, headers={"Origin": ORIGIN}).status_code == 200
    assert _login(_client(secured, "10.0.1.9"), "analyst", PASSWORD, origin=origin).status_code == 403


def test_next_after_login_never_leaves_the_site(secured):
    client = _client(secured, "10.0.1.10")
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        answer = client.post("/login", data={"username": "analyst", "password": PASSWORD, "next": target},
                             headers={"Origin": ORIGIN})
        assert answer.headers["Location"] == "/"


def test_security_headers(secured):
    answer = secured.client("analyst").get("/")
    csp = answer.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert answer.headers["X-Content-Type-Options"] == "nosniff" and answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Cache-Control"] == "no-store"


def test_oversized_bodies_are_refused_before_reading(secured):
    client = secured.client("analyst")
    big = b"x" * (5 * 1024 * 1024)
    answer = client.post("/_dash-update-component", data=big, headers={"Origin": ORIGIN},
                         content_type="application/json")
    assert answer.status_code == 413
    assert client.post("/login", data=b"x" * 20_000, headers={"Origin": ORIGIN}).status_code == 413
