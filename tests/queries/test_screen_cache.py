"""The wall screen's cache: values kept while their tables and the minute are unchanged, re-read after a write."""

from __future__ import annotations

import threading

from queries.screen_cache import EVENTS, READINGS, ScreenCache, data_version


def _cache(versions: dict):
    return ScreenCache(probe=lambda con: dict(versions))


def test_value_is_read_once_per_version_and_minute():
    versions = {"events": (1, 10.0), "readings": (5, 20.0)}
    cache, calls = _cache(versions), []
    read = lambda: calls.append(1) or len(calls)                 # noqa: E731
    assert cache.snapshot(None, 120).get("kpis", read, EVENTS) == 1
    assert cache.snapshot(None, 179).get("kpis", read, EVENTS) == 1          # same minute, same data
    assert cache.snapshot(None, 180).get("kpis", read, EVENTS) == 2          # next minute
    versions["events"] = (2, 11.0)
    assert cache.snapshot(None, 180).get("kpis", read, EVENTS) == 3          # a new event


def test_a_write_rereads_only_what_depends_on_its_table():
    versions = {"events": (1, 10.0), "readings": (5, 20.0)}
    cache, calls = _cache(versions), {"kpis": 0, "air": 0}

    def read(name):
        def compute():
            calls[name] += 1
            return calls[name]
        return compute
    snap = cache.snapshot(None, 60)
    snap.get("kpis", read("kpis"), EVENTS), snap.get("air", read("air"), READINGS)
    versions["readings"] = (6, 21.0)
    snap = cache.snapshot(None, 60)
    assert snap.get("kpis", read("kpis"), EVENTS) == 1 and snap.get("air", read("air"), READINGS) == 2


def test_concurrent_walls_compute_once():
    cache, calls, barrier = _cache({"events": (1, 1.0)}), [], threading.Barrier(4)

    def wall():
        barrier.wait()
        cache.snapshot(None, 60).get("kpis", lambda: calls.append(1) or 42, EVENTS)
    threads = [threading.Thread(target=wall) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1]


def test_probe_changes_when_a_table_is_written(tiny_db_copy):
    from data import db

    con = db.open_store(tiny_db_copy)
    try:
        before = data_version(con)
        assert set(before) == {"events", "readings", "indicator_runs", "alerts", "alert_history", "alert_audit"}
        con.execute("INSERT INTO readings SELECT * FROM readings ORDER BY ts DESC LIMIT 1")
        after = data_version(con)
        assert after["readings"] != before["readings"] and after["events"] == before["events"]
    finally:
        con.close()


def test_lasting_value_outlives_new_versions_until_its_key_changes():
    versions = {"events": (1, 10.0)}
    cache, calls = _cache(versions), []
    read = lambda: calls.append(1) or len(calls)                 # noqa: E731
    assert cache.lasting("past_days", ("2026-11-20", 0), read) == 1
    versions["events"] = (2, 11.0)
    cache.snapshot(None, 600)                                    # a new event: versioned values are dropped
    assert cache.lasting("past_days", ("2026-11-20", 0), read) == 1
    assert cache.lasting("past_days", ("2026-11-20", 1), read) == 2          # the re-read period ended
    assert cache.lasting("past_days", ("2026-11-20", 0), read) == 3          # only one value is kept per name
