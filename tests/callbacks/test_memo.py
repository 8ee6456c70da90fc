"""The bounded memo behind AppContext.remember and the kept briefs: least recently used out first at the
bound, one computation per key under concurrency, and values keyed on the data versions they read."""

from __future__ import annotations

import threading
import time

import pytest

from callbacks import context as context_module
from callbacks.context import KEPT_BRIEFS, MAX_REMEMBERED, AppContext
from callbacks.memo import LruMemo
from data import db, versions


def test_the_least_recently_used_entry_goes_first_at_the_bound():
    memo = LruMemo(2)
    memo.get("a", lambda: 1), memo.get("b", lambda: 2)
    memo.get("a", lambda: "again")                       # a is now the most recently used
    memo.get("c", lambda: 3)
    assert len(memo) == 2 and "a" in memo and "c" in memo and "b" not in memo
    assert memo.get("b", lambda: "recomputed") == "recomputed"


def test_a_key_is_computed_once_however_many_ask_at_once():
    memo, calls, barrier = LruMemo(4), [], threading.Barrier(8)

    def compute():
        calls.append(1)
        time.sleep(0.05)
        return "value"

    def ask():
        barrier.wait()
        assert memo.get("key", compute) == "value"
    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1]


def test_a_failed_computation_is_not_kept_and_is_tried_again():
    memo = LruMemo(2)
    with pytest.raises(RuntimeError):
        memo.get("key", lambda: (_ for _ in ()).throw(RuntimeError("store busy")))
    assert memo.get("key", lambda: "value") == "value"


def test_the_context_bounds_what_it_remembers_and_the_briefs_it_keeps():
    context = AppContext(con=db.open_store(":memory:"), tz="Asia/Shanghai", city_name_zh="云江市",
                         city_name_en="Yunjiang")
    for n in range(MAX_REMEMBERED + 10):
        context.remember(f"screen.view.{n}x{n}", lambda n=n: n)           # keys that come from user input
    assert len(context._memo) == MAX_REMEMBERED
    assert context.briefs.max_entries == KEPT_BRIEFS


def test_a_remembered_value_is_read_again_after_its_family_changed(monkeypatch):
    monkeypatch.setattr(context_module, "VERSIONS_READ_S", 0.0)
    context = AppContext(con=db.open_store(":memory:"), tz="Asia/Shanghai", city_name_zh="云江市",
                         city_name_en="Yunjiang")
    calls = []
    read = lambda: calls.append(1) or len(calls)                          # noqa: E731
    assert context.remember("geojson.grid", read, families=("geometry",)) == 1
    versions.bump(context.cursor(), "events")
    assert context.remember("geojson.grid", read, families=("geometry",)) == 1
    versions.bump(context.cursor(), "geometry")
    assert context.remember("geojson.grid", read, families=("geometry",)) == 2


def test_the_versions_are_read_at_most_once_per_interval(monkeypatch):
    monkeypatch.setattr(context_module, "VERSIONS_READ_S", 3600.0)
    context = AppContext(con=db.open_store(":memory:"), tz="Asia/Shanghai", city_name_zh="云江市",
                         city_name_en="Yunjiang")
    calls = []
    read = lambda: calls.append(1) or len(calls)                          # noqa: E731
    assert context.remember("geojson.grid", read, families=("geometry",)) == 1
    versions.bump(context.cursor(), "geometry")
    assert context.remember("geojson.grid", read, families=("geometry",)) == 1     # within the interval
    context._versions = (0.0, None)                                                  # the interval passed
    assert context.remember("geojson.grid", read, families=("geometry",)) == 2
