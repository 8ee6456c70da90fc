"""The load test's people: analysts at their desks, leaders reading briefs on their phones, and the
wall screens. Each loops until the stage's stop event, at least once, speaking HTTP as the browser
does (Dash callback requests built from the server's /_dash-dependencies, bench/load_users.py).

An analyst's round: drill the map (figure and side panel of a random unit, level and indicator),
filter the cases (the count and the grid's first page), search the indicator catalog and open one
indicator, then open the work-order list and one order, reading 0.5-2 s between steps. A leader
opens the phone page of an ended period's brief (/brief/<signed link>) and reads for 2-5 s. A wall
ticks every --screen-period seconds and changes scene every minute, keeping what the server sent.
"""

from __future__ import annotations

import random
import threading
import time
from typing import TYPE_CHECKING

import requests

from bench.load_users import Callbacks, Recorder, post_callback
from layouts import screen as screen_view
from layouts.map_panel import grid_options

if TYPE_CHECKING:
    from bench.load_city import City

MAP_INDICATORS = ("cases.backlog.open_count.now", "cases.intake.count.today", "cases.intake.count.last_30d")
SCENE_SECONDS = 60
GRID_PAGE = {"startRow": 0, "endRow": 100, "sortModel": []}


def analyst(url: str, session, callbacks: Callbacks, city: City, rec: Recorder, stop: threading.Event,
            seed: int) -> None:
    """Drill the map, filter the cases, search the catalog, open an order; repeat until stopped (a round
    once begun is finished, without reading pauses after the stop)."""
    rng, stopped = random.Random(seed), False
    while not stopped:
        for step in (drill_map, filter_cases, browse_catalog, open_order):
            step(url, session, callbacks, city, rec, rng)
            stopped = stopped or stop.wait(rng.uniform(0.5, 2.0))


def _timed_callback(rec: Recorder, endpoint: str, url: str, session, body: dict):
    return rec.timed(endpoint, lambda: post_callback(session, url, body))


def drill_map(url, session, callbacks: Callbacks, city: City, rec: Recorder, rng: random.Random) -> None:
    """Draw the map and its side panel for a random unit, the level inside it and an indicator."""
    unit, level = rng.choice(city.units)
    state = {"indicator": rng.choice(MAP_INDICATORS), "level": level,
             "unit": unit, "select": unit, "compare": None, "t": None, "playing": False}
    values = {"map-state.data": state, "language.data": "zh", "map-drawn.data": None,
              "map-events.dashGridOptions": grid_options("zh")}
    for endpoint, part in (("map.figure", "map-graph.figure"), ("map.panel", "map-title.children")):
        _timed_callback(rec, endpoint, url, session, callbacks.body(part, values, "map-state.data"))


def filter_cases(url, session, callbacks: Callbacks, city: City, rec: Recorder, rng: random.Random) -> None:
    """Filter /events by a category, a unit and the last days: the count, then the grid's first page."""
    unit, _ = rng.choice(city.units)
    query = {"category": rng.choice(city.categories), "unit": unit, "since": rng.choice(city.days)}
    if rng.random() < 0.5:
        query.pop("unit")
    values = {"events-filters.data": query, "language.data": "zh", "events-grid.getRowsRequest": GRID_PAGE}
    _timed_callback(rec, "cases.count", url, session, callbacks.body("events-count.children", values,
                                                                     "events-filters.data"))
    _timed_callback(rec, "cases.rows", url, session, callbacks.body("events-grid.getRowsResponse", values,
                                                                    "events-grid.getRowsRequest"))


def browse_catalog(url, session, callbacks: Callbacks, city: City, rec: Recorder, rng: random.Random) -> None:
    """Search the indicator catalog for a word, then open one indicator's detail."""
    values = {"indicators-search.value": rng.choice(city.catalog_words), "indicators-domain.value": None,
              "indicators-computable.value": None, "language.data": "zh",
              "indicators-selected.data": rng.choice(city.indicators)}
    _timed_callback(rec, "catalog.search", url, session, callbacks.body("indicators-results.children", values,
                                                                        "indicators-search.value"))
    _timed_callback(rec, "catalog.detail", url, session, callbacks.body("indicators-detail.children", values,
                                                                        "indicators-selected.data"))


def open_order(url, session, callbacks: Callbacks, city: City, rec: Recorder, rng: random.Random) -> None:
    """Open the work-order list (no filter), then one order's detail and history."""
    values = {"orders-tick.n_intervals": 0, "orders-filter-state.value": None,
              "orders-filter-department.value": None, "orders-filter-level.value": None,
              "orders-changed.data": None, "language.data": "zh",
              "orders-selected.data": rng.choice(city.orders) if city.orders else None}
    _timed_callback(rec, "orders.list", url, session, callbacks.body("orders-list.children", values,
                                                                     "orders-tick.n_intervals"))
    _timed_callback(rec, "orders.detail", url, session, callbacks.body("orders-detail.children", values,
                                                                       "orders-selected.data"))


def leader(url: str, city: City, rec: Recorder, stop: threading.Event, seed: int) -> None:
    """Open an ended period's brief on the phone page of its signed link; read 2-5 s; repeat."""
    rng, session = random.Random(seed), requests.Session()
    session.headers.update({"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile"})
    while True:
        path = rng.choice(city.brief_links)
        rec.timed("brief.phone", lambda: session.get(f"{url}{path}", timeout=300))
        if stop.wait(rng.uniform(2.0, 5.0)):
            return


def open_briefs_once(url: str, city: City) -> float:
    """Open every brief link the leaders use once, in turn; return the seconds it took. A server that
    has been running keeps these briefs ahead (reporting/prebuild.py); a fresh copy of a store whose
    simulator has just caught up has not built them yet, and a stage should not measure that."""
    started = time.monotonic()
    session = requests.Session()
    for path in city.brief_links:
        session.get(f"{url}{path}", timeout=600)
    return time.monotonic() - started


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
        response = _timed_callback(rec, "screen.tick", url, session, body)
        if response is not None and response.status_code == 200:
            sent = response.json().get("response", {}).get("screen-sent", {}).get("data", sent)
        tick += 1
        if stop.wait(period_s):
            return
