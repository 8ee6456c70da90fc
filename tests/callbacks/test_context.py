"""AppContext.remember: one computation per key, and a slow key does not hold up the others."""

from __future__ import annotations

import threading
import time

import duckdb

from callbacks.context import AppContext


def make_context() -> AppContext:
    return AppContext(con=duckdb.connect(), tz="Asia/Shanghai", city_name_zh="云江市", city_name_en="Yunjiang")


def test_a_slow_key_does_not_block_another_key():
    context = make_context()
    release = threading.Event()
    slow = threading.Thread(target=context.remember, args=("slow", lambda: release.wait(10) and "slow"))
    slow.start()
    time.sleep(0.05)                                 # the slow computation now holds its key
    assert context.remember("fast", lambda: "fast") == "fast"
    assert slow.is_alive(), "the slow key finished before the fast one was asked: the test proved nothing"
    release.set()
    slow.join()
    assert context.remember("slow", lambda: "recomputed") == "slow"


def test_concurrent_callers_of_one_key_compute_it_once():
    context = make_context()
    calls = []

    def compute():
        calls.append(1)
        time.sleep(0.05)
        return len(calls)

    threads = [threading.Thread(target=context.remember, args=("key", compute)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1] and context.remember("key", compute) == 1
