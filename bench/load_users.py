"""The load test's virtual users and what they share: Dash's callback protocol, the recorder of
every request, analysts on /map, wall screens, brief readers and the ingest feed (bench/load_test.py
runs them in stages)."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import numpy as np
import requests

from layouts import screen as screen_view
from layouts.map_page import grid_options

if TYPE_CHECKING:
    from bench.load_test import City

ANALYST = ("loadbench", "Load-bench-pass-1", "analyst")
MAP_INDICATORS = ("cases.backlog.open_count.now", "cases.intake.count.today", "cases.intake.count.last_30d")
EVENT_PREFIX = "LOADTEST-"
INTERACTIVE = ("map.figure", "map.panel", "screen.tick", "summary.brief")
SCENE_SECONDS = 60


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


def broken(stats: dict, break_p95_s: float, break_errors: float, watched: tuple = INTERACTIVE) -> list[str]:
    """Return why a stage counts as broken (empty when it held): a ``watched`` endpoint's p95 or any errors."""
    reasons = []
    for endpoint, s in stats.items():
        if endpoint in watched and s["p95_ms"] > break_p95_s * 1000:
            reasons.append(f"{endpoint} p95 {s['p95_ms']:.0f} ms > {break_p95_s * 1000:.0f} ms")
        if s["requests"] and s["errors"] / s["requests"] > break_errors:
            reasons.append(f"{endpoint} errors {s['errors']}/{s['requests']}")
    return reasons


# --- virtual users -------------------------------------------------------------------------

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


def analyst(url: str, session, callbacks: Callbacks, city: City, rec: Recorder, stop: threading.Event,
            seed: int) -> None:
    """Draw the map and its side panel for a random unit, level and indicator; read; repeat (at least once)."""
    rng = random.Random(seed)
    while True:
        unit, level = rng.choice(city.units)
        state = {"indicator": rng.choice(MAP_INDICATORS), "level": level,
                 "unit": unit, "select": unit, "compare": None, "t": None, "playing": False}
        values = {"map-state.data": state, "language.data": "zh", "map-drawn.data": None,
                  "map-events.dashGridOptions": grid_options("zh")}
        for endpoint, part in (("map.figure", "map-graph.figure"), ("map.panel", "map-title.children")):
            body = callbacks.body(part, values, "map-state.data")
            rec.timed(endpoint, lambda: session.post(f"{url}/_dash-update-component", json=body, timeout=120))
        if stop.wait(rng.uniform(0.5, 2.0)):
            return


def wall_screen(url: str, session, callbacks: Callbacks, rec: Recorder, stop: threading.Event, period_s: float,
                seed: int) -> None:
    """Run the screen's refresh tick every ``period_s`` (at least once), changing scene every minute, as the
    browser does."""
    config, sent, tick, started = screen_view.screen_config(), {}, 0, time.monotonic()
    stop.wait(random.Random(seed).uniform(0, period_s))       # walls were not switched on in the same second
    while True:
        scene = int((time.monotonic() - started) // SCENE_SECONDS) % len(screen_view.SCENES)
        values = {"screen-tick.n_intervals": tick, "screen-scene.data": {"index": scene}, "screen-layer.data": None,
                  "screen-viewport.data": {"w": 1100, "h": 880}, "language.data": "zh",
                  "screen-sent.data": sent, "screen-config.data": config}
        body = callbacks.body("screen-map.figure", values, "screen-tick.n_intervals")
        response = rec.timed("screen.tick", lambda: session.post(f"{url}/_dash-update-component", json=body,
                                                                 timeout=120))
        if response is not None and response.status_code == 200:
            sent = response.json().get("response", {}).get("screen-sent", {}).get("data", sent)
        tick += 1
        if stop.wait(period_s):
            return


def brief_reader(url: str, session, callbacks: Callbacks, city: City, rec: Recorder, stop: threading.Event,
                 seed: int) -> None:
    """Open a recent day's daily brief; read for 2-5 s; repeat (at least once)."""
    rng = random.Random(seed)
    while True:
        body = callbacks.body("summary-body.children", {"summary-date.date": rng.choice(city.days),
                                                        "language.data": "zh"}, "summary-date.date")
        rec.timed("summary.brief", lambda: session.post(f"{url}/_dash-update-component", json=body, timeout=120))
        if stop.wait(rng.uniform(2.0, 5.0)):
            return


@dataclass
class Feed:
    """The ingest feed's counters: cases posted and accepted."""

    posted: int = 0
    accepted: int = 0
    first_at: str | None = None
    last_at: str | None = None


def ingest_feed(url: str, city: City, rec: Recorder, stop: threading.Event, rate: float, batch: int,
                feed: Feed) -> None:
    """Post ``batch`` new hotline cases ``rate`` times a second to /api/v1/events, into the probe grid."""
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {city.ingest_token}"})
    rng, next_at = random.Random(11), time.monotonic()
    while True:
        rows = [new_case(city, rng, feed.posted + i) for i in range(batch)]
        response = rec.timed("ingest.events", lambda: session.post(f"{url}/api/v1/events", json=rows, timeout=120))
        feed.posted += batch
        if response is not None:
            feed.accepted += response.json()["summary"]["accepted"]
            feed.first_at = feed.first_at or rows[0]["received_at"]
            feed.last_at = rows[-1]["received_at"]
        next_at += 1.0 / rate
        if stop.wait(max(0.0, next_at - time.monotonic())):
            return


def new_case(city: City, rng: random.Random, number: int) -> dict:
    """Return one new hotline case received now, in the api_events format."""
    code, lon, lat = city.probe_grid
    return {"source": "hotline_12345", "event_id": f"{EVENT_PREFIX}{number:07d}",
            "category": rng.choice(city.categories), "status": "received",
            "received_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "lon": lon, "lat": lat, "grid_code": code}
