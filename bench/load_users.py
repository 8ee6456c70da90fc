"""What the load test's virtual users share: Dash's callback protocol, the recorder of every request,
the per-endpoint figures, the breaking rule and the signed-in sessions (bench/load_people.py and
bench/load_feed.py are the users; bench/load_test.py runs them in stages)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
import requests

ANALYST = ("loadbench", "Load-bench-pass-1", "analyst")
# What a person waits for (an analyst's click, a leader's brief): its p95 breaks a stage past --break-p95.
INTERACTIVE = ("map.figure", "map.panel", "cases.count", "cases.rows", "catalog.search", "catalog.detail",
               "orders.list", "orders.detail", "brief.phone")
WALL_TICK = "screen.tick"           # a wall's every-second tick: its p95 breaks a stage past --break-tick-p95
FEEDS = ("ingest.events", "ingest.alarms")


# --- Dash's callback protocol ----------------------------------------------------------------

def output_spec(output: str):
    """Return the ``outputs`` field of a request for a dependency's output string."""
    if not output.startswith(".."):
        component, prop = output.rsplit(".", 1)
        return {"id": component, "property": prop}
    return [dict(zip(("id", "property"), part.rsplit(".", 1))) for part in output[2:-2].split("...")]


class Callbacks:
    """Request bodies for the server's callbacks, built from its /_dash-dependencies."""

    def __init__(self, dependencies: list[dict]):
        self.dependencies = dependencies

    def find(self, output_part: str) -> dict:
        """Return the dependency whose output string contains ``output_part``."""
        return next(d for d in self.dependencies if output_part in d["output"])

    def body(self, output_part: str, values: dict, changed: str) -> dict:
        """Return the request a browser posts for the callback, with ``values`` keyed 'id.property'."""
        dep = self.find(output_part)
        value = lambda item: {**item, "value": values.get(f"{item['id']}.{item['property']}")}  # noqa: E731
        return {"output": dep["output"], "outputs": output_spec(dep["output"]),
                "inputs": [value(i) for i in dep["inputs"]], "state": [value(s) for s in dep.get("state", [])],
                "changedPropIds": [changed]}


def post_callback(session: requests.Session, url: str, body: dict) -> requests.Response:
    """Post one callback request as the browser does."""
    return session.post(f"{url}/_dash-update-component", json=body, timeout=120)


# --- recording -----------------------------------------------------------------------------

@dataclass
class Recorder:
    """Every request's endpoint, stage, latency and outcome."""

    stage: str = "start"
    rows: list[tuple[str, str, float, bool]] = field(default_factory=list)
    first_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, endpoint: str, send) -> requests.Response | None:
        """Call ``send()`` and record its latency; a status other than 200/204 or an exception is an error."""
        started = time.perf_counter()
        try:
            response = send()
            ok, note = response.status_code in (200, 204), f"{response.status_code} {response.text[:200]}"
        except requests.RequestException as exc:
            response, ok, note = None, False, repr(exc)[:200]
        self.record(endpoint, time.perf_counter() - started, ok, note)
        return response if ok else None

    def record(self, endpoint: str, seconds: float, ok: bool, note: str = "") -> None:
        """Record one request."""
        with self.lock:
            self.rows.append((self.stage, endpoint, seconds, ok))
            if not ok and len(self.first_errors) < 10:
                self.first_errors.append(f"{endpoint}: {note}")


def endpoint_stats(rows: list[tuple[str, str, float, bool]], seconds: float) -> dict:
    """Return requests, throughput, p50/p95/p99 (ms) and errors per endpoint."""
    stats = {}
    for endpoint in sorted({r[1] for r in rows}):
        ok = [r[2] for r in rows if r[1] == endpoint and r[3]]
        errors = sum(1 for r in rows if r[1] == endpoint and not r[3])
        ms = np.array(ok) * 1000 if ok else np.array([np.nan])
        stats[endpoint] = {"requests": len(ok) + errors, "errors": errors,
                           "req_per_s": round((len(ok) + errors) / seconds, 2),
                           **{f"p{q}_ms": round(float(np.percentile(ms, q)), 1) for q in (50, 95, 99)}}
    return stats


def broken(stats: dict, break_p95_s: float, break_tick_s: float, break_errors: float,
           watched: tuple = (*INTERACTIVE, WALL_TICK)) -> list[str]:
    """Return why a stage counts as broken (empty when it held): a ``watched`` endpoint's p95 above
    ``break_p95_s`` (the wall tick's above ``break_tick_s``), or an endpoint's share of errors."""
    reasons = []
    for endpoint, s in stats.items():
        limit = break_tick_s if endpoint == WALL_TICK else break_p95_s
        if endpoint in watched and s["p95_ms"] > limit * 1000:
            reasons.append(f"{endpoint} p95 {s['p95_ms']:.0f} ms > {limit * 1000:.0f} ms")
        if s["requests"] and s["errors"] / s["requests"] > break_errors:
            reasons.append(f"{endpoint} errors {s['errors']}/{s['requests']}")
    return reasons


# --- sessions ------------------------------------------------------------------------------

def analyst_session(url: str) -> requests.Session:
    """Return a session signed in through the login form as the bench's analyst."""
    session = requests.Session()
    session.post(f"{url}/login", data={"username": ANALYST[0], "password": ANALYST[1], "next": "/map"},
                 headers={"Origin": url}, allow_redirects=False).raise_for_status()
    if "cv_session" not in session.cookies:
        raise RuntimeError("the analyst's sign-in was refused")
    session.headers.update({"Origin": url})
    return session


def screen_session(url: str, kiosk_path: str) -> requests.Session:
    """Return a session opened as a wall screen through the kiosk door."""
    session = requests.Session()
    session.get(f"{url}{kiosk_path}", allow_redirects=False).raise_for_status()
    if "cv_session" not in session.cookies:
        raise RuntimeError("the display token was refused")
    session.headers.update({"Origin": url})
    return session
