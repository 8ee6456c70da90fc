"""The load test's machines: the case feed (POST /api/v1/events, an ingest token) and the camera
alarm feed (POST /api/v1/alarms, a token of scope alarms). Each posts a batch ``rate`` times a
second on a fixed schedule, one request at a time (an answer slower than the schedule delays the
next batch, which is then sent at once), and counts what it posted and what the server accepted;
bench/load_city.py counts afterwards what reached the store, by the bench's id prefixes.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable

import requests

from bench.load_users import Recorder

if TYPE_CHECKING:
    from bench.load_city import City

EVENT_PREFIX = "LOADTEST-"
ALARM_PREFIX = "LOADTEST-A-"


@dataclass
class Feed:
    """One feed's counters: items posted and accepted."""

    posted: int = 0
    accepted: int = 0


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def post_on_schedule(url: str, token: str, endpoint: str, path: str, stop: threading.Event, rate: float,
                     make_batch: Callable[[int], list[dict]], accepted_of: Callable[[dict], int],
                     rec: Recorder, feed: Feed) -> None:
    """Post ``make_batch(number of the first item)`` to ``path`` ``rate`` times a second until stopped."""
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}"})
    next_at = time.monotonic()
    while True:
        rows = make_batch(feed.posted)
        response = rec.timed(endpoint, lambda: session.post(f"{url}{path}", json=rows, timeout=120))
        feed.posted += len(rows)
        if response is not None:
            feed.accepted += accepted_of(response.json())
        next_at += 1.0 / rate
        if stop.wait(max(0.0, next_at - time.monotonic())):
            return


def case_feed(url: str, city: City, rec: Recorder, stop: threading.Event, rate: float, batch: int,
              feed: Feed) -> None:
    """Post ``batch`` new hotline cases ``rate`` times a second to /api/v1/events, into the probe grid."""
    rng = random.Random(11)
    post_on_schedule(url, city.ingest_token, "ingest.events", "/api/v1/events", stop, rate,
                     lambda first: [new_case(city, rng, first + i) for i in range(batch)],
                     lambda body: body["summary"]["accepted"], rec, feed)


def alarm_feed(url: str, city: City, rec: Recorder, stop: threading.Event, rate: float, batch: int,
               feed: Feed) -> None:
    """Post ``batch`` camera alarm reports ``rate`` times a second to /api/v1/alarms."""
    rng = random.Random(13)
    post_on_schedule(url, city.alarm_token, "ingest.alarms", "/api/v1/alarms", stop, rate,
                     lambda first: [new_alarm(city, rng, first + i) for i in range(batch)],
                     lambda body: body["accepted"], rec, feed)


def new_case(city: City, rng: random.Random, number: int) -> dict:
    """Return one new hotline case received now, in the api_events format."""
    code, lon, lat = city.probe_grid
    return {"source": "hotline_12345", "event_id": f"{EVENT_PREFIX}{number:07d}",
            "category": rng.choice(city.categories), "status": "received",
            "received_at": _now_iso(), "lon": lon, "lat": lat, "grid_code": code}


def new_alarm(city: City, rng: random.Random, number: int) -> dict:
    """Return one camera alarm report that occurred now, with an id of its own (never a duplicate)."""
    occurred = (datetime.fromtimestamp(city.frozen_s - rng.uniform(0, 60), timezone.utc).isoformat()
                if city.frozen_s is not None else _now_iso())   # a frozen server refuses its future
    return {"camera_id": rng.choice(city.cameras), "type": rng.choice(city.alarm_types),
            "occurred_at": occurred, "external_id": f"{ALARM_PREFIX}{number:07d}",
            "confidence": round(rng.uniform(0.5, 1.0), 2)}
