"""Operations on the HTTP side: health checks without login, the request log (no secrets in it), and
a real reverse-proxy setup through waitress: the client's address behind the proxy for throttling and
the audit log, Secure cookies behind TLS, forwarded headers ignored from anyone else."""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
from types import SimpleNamespace

import duckdb
import pytest
import waitress
from flask import Flask

from api import health, serving
from data import db

PROXY_CLIENT = "10.20.30.40"


def test_health_checks_need_no_login_and_show_no_data(secured):
    client = secured.dash_app.server.test_client()
    live = client.get("/healthz")
    assert live.status_code == 200 and live.json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["clock"] == "frozen" and ready.json["store"] == "open"
    assert client.get("/events").status_code == 302          # the rest still needs a session


def readiness_of(runs: list[float], frozen: bool = False, closed: bool = False) -> tuple[int, dict]:
    """Return /readyz's status and body for a store whose refreshes finished at ``runs`` (epoch s)."""
    con = db.open_store(":memory:")
    for finished in runs:
        con.execute("INSERT INTO indicator_runs VALUES (now(), 'live', to_timestamp(?), 0.5, 1, 1)", [finished - 0.5])
    if closed:
        con.close()
    context = SimpleNamespace(cursor=lambda: con, frozen_now_s=1 if frozen else None)
    app = Flask("readiness")
    app.config[health.READY_MAX_AGE_KEY] = 120
    with app.app_context():
        response = health.readiness(context)
    return response.status_code, json.loads(response.get_data())


def test_readiness_is_refused_when_the_refresh_is_stale_or_the_store_is_gone():
    assert readiness_of([time.time() - 30])[0] == 200
    status, body = readiness_of([time.time() - 600, time.time() - 400])
    assert status == 503 and body["status"] == "stale" and body["last_refresh_age_s"] > 120
    assert readiness_of([])[0] == 503                                          # never refreshed yet
    assert readiness_of([time.time() - 600], frozen=True)[0] == 200            # --at: nothing refreshes
    status, body = readiness_of([time.time()], closed=True)
    assert status == 503 and "not answering" in body["store"]


def test_the_request_log_has_one_line_per_request_without_secrets(secured, caplog):
    caplog.set_level(logging.INFO, logger="city_vitals.requests")
    secured.client("analyst").get("/events?token=hunter2")
    secured.dash_app.server.test_client().get("/kiosk/DISPLAY-SECRET-123")
    records = [json.loads(r.getMessage()) for r in caplog.records if r.name == "city_vitals.requests"]
    events = next(r for r in records if r["path"] == "/events")
    assert events["user"] == "analyst" and events["method"] == "GET" and events["status"] == 200
    assert set(events) == {"time", "client", "user", "method", "path", "status", "ms"}
    assert any(r["path"] == "/kiosk/…" for r in records)
    assert "hunter2" not in caplog.text and "DISPLAY-SECRET-123" not in caplog.text


@pytest.fixture
def behind_proxy(secured):
    """Serve the app through waitress trusting 127.0.0.1 as the proxy (as behind nginx)."""
    yield from _served(secured.dash_app.server, serving.waitress_options("127.0.0.1", 1))


@pytest.fixture
def no_proxy(secured):
    yield from _served(secured.dash_app.server, serving.waitress_options("", 1))


def _served(app, options):
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=2, **options)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield server.effective_port
    server.close()


def post_login(port: int, username: str, password: str, forwarded: dict) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = f"username={username}&password={password}"
    connection.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                "Origin": f"http://127.0.0.1:{port}", **forwarded})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_behind_the_proxy_throttling_and_audit_use_the_real_client(behind_proxy, secured):
    port = behind_proxy
    for _ in range(10):
        post_login(port, "nobody-behind-proxy", "wrong", {"X-Forwarded-For": PROXY_CLIENT})
    assert post_login(port, "nobody-behind-proxy", "wrong", {"X-Forwarded-For": PROXY_CLIENT}).status == 429
    other = post_login(port, "nobody-behind-proxy", "wrong", {"X-Forwarded-For": "10.20.30.41"})
    assert other.status != 429, "one client's failures locked out another client behind the same proxy"
    addresses = {row[0] for row in secured.app_context.cursor().execute(
        "SELECT remote_addr FROM audit_log WHERE actor = 'nobody-behind-proxy'").fetchall()}
    assert PROXY_CLIENT in addresses and "127.0.0.1" not in addresses


def test_behind_tls_the_session_cookie_is_secure(behind_proxy):
    from tests.api.conftest import PASSWORD

    plain = post_login(behind_proxy, "leader", PASSWORD, {"X-Forwarded-For": "10.20.30.50"})
    tls = post_login(behind_proxy, "leader", PASSWORD, {"X-Forwarded-For": "10.20.30.50", "X-Forwarded-Proto": "https"})
    assert plain.status == tls.status == 303
    assert "Secure" not in plain.getheader("Set-Cookie") and "Secure" in tls.getheader("Set-Cookie")


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(no_proxy, secured):
    post_login(no_proxy, "nobody-no-proxy", "wrong", {"X-Forwarded-For": "10.99.99.99", "X-Forwarded-Proto": "https"})
    addresses = {row[0] for row in secured.app_context.cursor().execute(
        "SELECT remote_addr FROM audit_log WHERE actor = 'nobody-no-proxy'").fetchall()}
    assert addresses == {"127.0.0.1"}


def test_the_stop_checkpoints_and_counts_the_jobs_that_did_not_end():
    stopped = []
    ends = SimpleNamespace(stop=lambda: stopped.append("ends") or True)
    stuck = SimpleNamespace(stop=lambda: stopped.append("stuck") or False)
    con = duckdb.connect()
    assert serving.checkpoint(con)
    assert serving.stop_jobs([ends, None, stuck]) == 1 and stopped == ["ends", "stuck"]


def failing_app(exc: Exception) -> Flask:
    """A Flask app whose every route raises ``exc``, with the operations hooks installed."""
    app = Flask("failing")
    serving.install(app)

    def fail(path):
        raise exc
    app.add_url_rule("/<path:path>", "fail", fail, methods=["GET", "POST"])
    return app


def test_a_full_disk_is_a_clean_507_on_the_api_and_503_on_pages(caplog):
    full = duckdb.TransactionException('Failed to commit: Could not write file "x.wal": No space left on device')
    client = failing_app(full).test_client()
    api = client.post("/api/v1/events", data=b"{}")
    assert api.status_code == 507 and "disk is full" in api.json["error"] and "x.wal" not in api.text
    page = client.get("/events")
    assert page.status_code == 503 and "Traceback" not in page.text
    other = failing_app(duckdb.ConversionException("bad cast")).test_client().post("/api/v1/events")
    assert other.status_code == 500 and "bad cast" not in other.text
    assert "No space left on device" in caplog.text           # the operator sees the cause in the log


def test_a_stop_waits_for_running_requests():
    app = failing_app(RuntimeError())
    requests = app.extensions[serving.IN_FLIGHT]
    requests.enter()
    assert requests.wait_idle(0.01) == 1
    threading.Timer(0.05, requests.leave).start()
    assert requests.wait_idle(5) == 0


def test_the_owner_stops_when_another_thread_took_the_sigterm():
    """The kernel may hand a process's SIGTERM to any of its threads; the owner's main thread, which
    waits for it, must still stop (it slept for an hour at a time and a browser test's server was
    left running 20 s after its SIGTERM)."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import signal, threading; from api import serving\n"
            "threading.Timer(2.0, lambda: signal.pthread_kill(threading.get_ident(), signal.SIGTERM)).start()\n"
            "print(serving.wait_until_stopped())")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "SIGTERM", done.stderr[-2000:]
