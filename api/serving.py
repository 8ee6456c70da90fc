"""How the server meets the network and the operator: behind a reverse proxy, one log line per
request, and a clean stop on SIGTERM.

- **Trusted proxy.** waitress believes ``X-Forwarded-For`` and ``X-Forwarded-Proto`` only from the
  address named by the ``trusted_proxy`` setting (and only the last ``trusted_proxy_count`` hops),
  and drops those headers from anyone else. Behind it, ``request.remote_addr`` is the real client
  (sign-in throttling, sessions, the audit log) and ``request.is_secure`` is true behind TLS, so the
  session cookie gets its Secure flag (api/auth.py).
- **Request log.** Logger ``city_vitals.requests``: one JSON line per request with time, client,
  user, method, path, status and duration. The query string is never logged (it may carry a setup
  code), nor a wall's display token in ``/kiosk/<token>``. Static files log at DEBUG.
- **SIGTERM.** The server stops accepting connections, answers the running requests (waitress's loop
  keeps turning until they are sent, at most STOP_GRACE_S), stops the background jobs after their
  running step (a step is one transaction: it commits whole or, interrupted, rolls back),
  checkpoints the store and says so in one log line.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from datetime import datetime, timezone
from typing import Callable, Iterable

import duckdb
import waitress
from waitress import wasyncore
from waitress.server import BaseWSGIServer
from flask import Flask, Response, g, request

from data import db

log = logging.getLogger("city_vitals")
request_log = logging.getLogger("city_vitals.requests")
PROXY_HEADERS = {"x-forwarded-for", "x-forwarded-proto"}
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico", "/favicon.ico")
SECRET_PATH_PREFIXES = ("/kiosk/",)       # the rest of the path is a credential
_STARTED = "city_vitals.request_started"
IN_FLIGHT = "city_vitals.in_flight"
STOP_GRACE_S = 60.0          # how long a stop waits for running requests, then for each job's running step
WAKE_S = 0.5                 # the owner's main thread looks for a signal at least this often


def waitress_options(trusted_proxy: str, trusted_proxy_count: int) -> dict:
    """Return waitress's proxy options: none unless a trusted proxy is named."""
    if not trusted_proxy:
        return {"clear_untrusted_proxy_headers": True}
    return {"trusted_proxy": trusted_proxy, "trusted_proxy_count": trusted_proxy_count,
            "trusted_proxy_headers": set(PROXY_HEADERS), "clear_untrusted_proxy_headers": True}


def install(server: Flask) -> None:
    """Log one line per request on ``server`` (registered before the guard, so refusals are logged too),
    and answer a store that cannot write with a clean error."""
    requests = InFlight()
    server.extensions[IN_FLIGHT] = requests
    server.before_request(lambda: _start(requests))
    server.after_request(_log_request)
    server.teardown_request(lambda exc: requests.leave())
    server.register_error_handler(duckdb.Error, store_failure)


class InFlight:
    """How many requests are being answered, so a stop can wait for them."""

    def __init__(self):
        self._count = 0
        self._idle = threading.Condition()

    def enter(self) -> None:
        with self._idle:
            self._count += 1

    def leave(self) -> None:
        with self._idle:
            self._count = max(0, self._count - 1)
            self._idle.notify_all()

    @property
    def count(self) -> int:
        """How many requests are being answered now."""
        return self._count

    def wait_idle(self, timeout_s: float) -> int:
        """Wait until no request runs (at most ``timeout_s``); return how many still run."""
        with self._idle:
            self._idle.wait_for(lambda: self._count == 0, timeout_s)
            return self._count


def store_failure(exc: duckdb.Error) -> Response:
    """Answer a request the store failed: 507 (API) or 503 with one sentence when the disk is full (the
    request's transaction was rolled back whole), else a plain 500; logged either way."""
    api = request.path.startswith("/api/")
    if db.is_write_failure(exc):
        log.error("%s %s: the store could not be written (%s); nothing of it was kept", request.method,
                  loggable_path(request.path), str(exc).splitlines()[0])
        text = "the store could not be written (the disk is full): nothing of this request was kept; try again later"
        status = 507 if api else 503
    else:
        log.error("%s %s failed in the store", request.method, loggable_path(request.path), exc_info=exc)
        text, status = "the store failed to answer this request", 500
    body = json.dumps({"error": text}) if api else text
    return Response(body, status=status, mimetype="application/json" if api else "text/plain")


def _start(requests: InFlight) -> None:
    requests.enter()
    request.environ[_STARTED] = time.perf_counter()


def _log_request(response):
    started = request.environ.get(_STARTED, time.perf_counter())
    level = logging.DEBUG if request.path.startswith(STATIC_PREFIXES) else logging.INFO
    if request_log.isEnabledFor(level):
        request_log.log(level, "%s", json.dumps(request_record(response.status_code, time.perf_counter() - started),
                                                ensure_ascii=False))
    return response


def request_record(status: int, seconds: float) -> dict:
    """Return the request log's fields for the current request."""
    principal = g.get("principal")
    return {"time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "client": request.remote_addr, "user": getattr(principal, "actor", None),
            "method": request.method, "path": loggable_path(request.path), "status": status,
            "ms": round(seconds * 1000, 1)}


def loggable_path(path: str) -> str:
    """Return ``path`` with any credential it carries replaced by ``…``."""
    for prefix in SECRET_PATH_PREFIXES:
        if path.startswith(prefix):
            return prefix + "…"
    return path[:512]


class Stopped(Exception):
    """Raised in the main thread by the SIGTERM handler to end waitress's loop."""


def serve_until_stopped(wsgi_app, listen: dict, threads: int, proxy: dict, jobs: Iterable,
                        con: duckdb.DuckDBPyConnection | None,
                        create_server: Callable = waitress.create_server) -> int:
    """Serve on ``listen`` (host and port, or the ``sockets`` a worker was handed) until SIGTERM or
    Ctrl-C, then stop cleanly (see the module docstring) and end the process with status 0. A worker
    process (api/processes.py) has no jobs and no store of its own (``con`` None)."""
    server = create_server(wsgi_app, threads=threads, ident="City Vitals", **listen, **proxy)
    previous = signal.signal(signal.SIGTERM, _raise_stopped)
    reason = "SIGTERM"
    try:
        server.run()                    # returns when Ctrl-C ended its loop (it closes itself then)
        reason = "interrupt"
        running = 0
    except Stopped:
        log.info("stopping on SIGTERM: no new connections; answering the running requests")
        running = drain(server, wsgi_app.extensions.get(IN_FLIGHT))
        server.close()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return finish(reason, running, jobs, con)


def wait_until_stopped() -> str:
    """Block the owner's main thread until SIGTERM or Ctrl-C; return which it was.

    The kernel may hand the signal to any thread; Python then runs its handler in the main thread only
    when that thread next runs Python code, so the main thread wakes every WAKE_S rather than sleeping
    through a signal another thread took."""
    previous = signal.signal(signal.SIGTERM, _raise_stopped)
    try:
        while True:
            time.sleep(WAKE_S)
    except Stopped:
        return "SIGTERM"
    except KeyboardInterrupt:
        return "interrupt"
    finally:
        signal.signal(signal.SIGTERM, previous)


def finish(reason: str, running: int, jobs: Iterable, con: duckdb.DuckDBPyConnection | None) -> int:
    """Stop the background jobs after their running step, checkpoint the store, say so in one line and
    end the process (``running``: requests still running, abandoned)."""
    if con is not None:
        log.info("stopping on %s: waiting for the background jobs' running steps", reason)
    unfinished = stop_jobs(jobs)
    if running or unfinished:
        # their open transactions are not in the write-ahead log: leaving now rolls them back whole
        log.warning("stopped on %s: %d request(s) and %d job(s) still running were abandoned (their transactions "
                    "roll back)", reason, running, unfinished)
        logging.shutdown()
        os._exit(0)                     # not the interpreter's exit, which would wait on threads inside DuckDB
    if con is None:
        log.info("worker ended at %s: requests answered", reason)
    else:
        checkpointed = checkpoint(con)
        log.info("stopped on %s: requests answered, background jobs ended, store %s", reason,
                 "checkpointed" if checkpointed else "not checkpointed (its write-ahead log replays on the next start)")
    logging.shutdown()
    os._exit(0)             # the interpreter's own exit adds nothing but DuckDB's bindings' complaints about leaks


def drain(server, requests: InFlight | None) -> int:
    """Stop accepting connections but keep waitress's loop turning until the running requests are
    answered and their answers sent (at most STOP_GRACE_S); return how many requests still run."""
    channels = getattr(server, "_map", None) or server.map
    for listener in [server, *channels.values()]:
        if isinstance(listener, BaseWSGIServer):
            listener.accepting = False
    deadline = time.monotonic() + STOP_GRACE_S
    while time.monotonic() < deadline and ((requests is not None and requests.count) or _sending(channels)):
        wasyncore.loop(timeout=0.1, map=channels, count=1)
    return requests.count if requests is not None else 0


def _sending(channels: dict) -> bool:
    return any(not isinstance(c, BaseWSGIServer) and c.writable() for c in list(channels.values()))


def _raise_stopped(signum, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)       # a second SIGTERM while stopping changes nothing
    raise Stopped()


def stop_jobs(jobs: Iterable) -> int:
    """Stop each running job (each waits for its running step, then interrupts it); return how many
    did not end."""
    unfinished = 0
    for job in jobs:
        if job is not None and job.stop() is False:
            unfinished += 1
    return unfinished


def checkpoint(con: duckdb.DuckDBPyConnection) -> bool:
    """Write the store's write-ahead log into the database file; return whether it could."""
    try:
        con.cursor().execute("CHECKPOINT")
        return True
    except duckdb.Error as exc:
        log.warning("checkpoint at stop failed: %s", exc)
        return False
