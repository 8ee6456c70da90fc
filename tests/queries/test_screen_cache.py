"""The wall screen's cache: values kept while the families their queries read and the minute are
unchanged, read again exactly when one of those families changed; every screen query declares them."""

from __future__ import annotations

import inspect
import threading

import pytest

from queries import screen, screen_freshness, screen_names
from queries.reads import families_of, reads
from queries.screen_cache import ScreenCache


def _cache(versions: dict):
    return ScreenCache(probe=lambda con: dict(versions))


def _counted(*families):
    """Return a declared query reading ``families`` and the list of its calls."""
    calls = []

    @reads(*families)
    def query():
        calls.append(1)
        return len(calls)
    return query, calls


def test_value_is_read_once_per_version_and_minute():
    versions = {"events": 1, "readings": 5}
    cache, (query, _calls) = _cache(versions), _counted("events")
    assert cache.snapshot(None, 120).get("kpis", query) == 1
    assert cache.snapshot(None, 179).get("kpis", query) == 1          # same minute, same data
    assert cache.snapshot(None, 180).get("kpis", query) == 2          # next minute
    versions["events"] = 2
    assert cache.snapshot(None, 180).get("kpis", query) == 3          # a new event


def test_a_write_rereads_only_what_read_its_family():
    versions = {"events": 1, "readings": 5}
    cache = _cache(versions)
    (kpis, kpi_calls), (air, air_calls) = _counted("events"), _counted("readings")
    snap = cache.snapshot(None, 60)
    snap.get("kpis", kpis), snap.get("air", air)
    versions["readings"] = 6
    snap = cache.snapshot(None, 60)
    assert snap.get("kpis", kpis) == 1 and snap.get("air", air) == 2
    assert (len(kpi_calls), len(air_calls)) == (1, 2)


@pytest.mark.parametrize("changed, rebuilt", [("events", True), ("alerts", True), ("readings", False),
                                              ("geometry", False), ("indicators", False)])
def test_a_panel_is_built_again_exactly_when_a_family_its_queries_declare_changed(changed, rebuilt):
    versions = {"events": 1, "readings": 1, "geometry": 1, "indicators": 1, "alerts": 1}
    cache = _cache(versions)
    (cases, _), (alerts, _) = _counted("events"), _counted("alerts")
    builds = []

    def panel(snap):                     # a panel built from two kept reads, like the screen's KPI panel
        return snap.get("panel", lambda: builds.append(1) or (snap.get("cases", cases), snap.get("alerts", alerts)))
    panel(cache.snapshot(None, 60))
    assert cache.families("panel") == {"events", "alerts"}
    versions[changed] += 1
    panel(cache.snapshot(None, 60))
    assert len(builds) == (2 if rebuilt else 1)


def test_a_panel_built_from_a_kept_value_inherits_its_families():
    versions = {"events": 1, "readings": 1}
    cache, (air, _) = _cache(versions), _counted("readings")
    snap = cache.snapshot(None, 60)
    snap.get("stations", air)                                         # kept before the panel asks for it
    snap.get("panel", lambda: snap.get("stations", air))
    assert cache.families("panel") == {"readings"}


def test_concurrent_walls_compute_once():
    cache, calls, barrier = _cache({"events": 1}), [], threading.Barrier(4)
    query, calls = _counted("events")

    def wall():
        barrier.wait()
        cache.snapshot(None, 60).get("kpis", query)
    threads = [threading.Thread(target=wall) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1]


def test_values_named_by_browser_input_are_bounded():
    cache = ScreenCache(probe=lambda con: {"events": 1}, max_values=3)
    query, _calls = _counted("events")
    snap = cache.snapshot(None, 60)
    for scale in (1.0, 1.5, 2.0, 2.5, 3.0):                   # a wall's marker scale comes from its viewport
        snap.get(("event_points", scale), query)
    assert [cache.families(("event_points", s)) != frozenset() for s in (1.0, 1.5, 2.0, 2.5, 3.0)] == [
        False, False, True, True, True]


def test_the_probe_is_the_stores_data_version(tiny_db_copy):
    from data import db, versions

    con = db.open_store(tiny_db_copy)
    try:
        cache = ScreenCache()
        query, calls = _counted("readings")
        cache.snapshot(con, 60).get("air", query)
        con.execute("INSERT INTO readings SELECT * FROM readings ORDER BY ts DESC LIMIT 1")
        versions.bump(con, "readings")
        assert cache.snapshot(con, 60).get("air", query) == 2
    finally:
        con.close()


def test_value_kept_by_key_outlives_new_versions_until_its_key_changes():
    versions = {"events": 1}
    cache, calls = _cache(versions), []
    read = lambda: calls.append(1) or len(calls)                 # noqa: E731
    assert cache.kept_by_key("past_days", ("2026-11-20", 0), read) == 1
    versions["events"] = 2
    cache.snapshot(None, 600)                                    # a new event: versioned values are dropped
    assert cache.kept_by_key("past_days", ("2026-11-20", 0), read) == 1
    assert cache.kept_by_key("past_days", ("2026-11-20", 1), read) == 2          # the re-read period ended
    assert cache.kept_by_key("past_days", ("2026-11-20", 0), read) == 3          # only one value is kept per name


def _store_queries(module) -> list:
    """Return the module's public functions that read the store (their first parameter is ``con``)."""
    return [fn for name, fn in vars(module).items()
            if inspect.isfunction(fn) and not name.startswith("_") and fn.__module__ == module.__name__
            and next(iter(inspect.signature(fn).parameters), None) == "con"]


@pytest.mark.parametrize("module", [screen, screen_freshness, screen_names], ids=lambda m: m.__name__)
def test_every_screen_query_declares_the_families_it_reads(module):
    found = _store_queries(module)
    assert len(found) >= 3
    undeclared = [fn.__name__ for fn in found if getattr(fn, "reads", None) is None]
    assert not undeclared, f"declare @reads(...) on {undeclared}"
    assert all(families_of(fn) for fn in found)


def test_an_undeclared_query_is_refused():
    with pytest.raises(TypeError, match="declares no data families"):
        families_of(lambda con: None)
    with pytest.raises(ValueError, match="unknown data families"):
        reads("event")


def test_a_value_is_computed_while_another_one_is():
    cache, started, other_done = _cache({"events": 1, "readings": 1}), threading.Event(), threading.Event()

    @reads("events")
    def slow():                                  # a scene's value that takes a while to compute
        started.set()
        return other_done.wait(timeout=30)      # True only if the other value was computed meanwhile
    fast, _ = _counted("readings")
    slow_wall = threading.Thread(target=lambda: results.append(cache.snapshot(None, 60).get("slow", slow)))
    results: list = []
    slow_wall.start()
    started.wait(timeout=30)
    cache.snapshot(None, 60).get("fast", fast)  # another wall's value: not held up by the slow one
    other_done.set()
    slow_wall.join()
    assert results == [True]


def test_a_value_kept_by_key_does_not_hold_up_the_others_while_it_is_computed():
    cache, started, other_done, results = _cache({"events": 1}), threading.Event(), threading.Event(), []

    def slow():                                  # the wall's places overlay, computed once a minute
        started.set()
        return other_done.wait(timeout=30)
    fast, _ = _counted("events")
    slow_wall = threading.Thread(target=lambda: results.append(cache.kept_by_key("overlay", 1, slow)))
    slow_wall.start()
    started.wait(timeout=30)
    cache.snapshot(None, 60).get("kpis", fast)
    other_done.set()
    slow_wall.join()
    assert results == [True] and cache.kept_by_key("overlay", 1, lambda: False) is True
