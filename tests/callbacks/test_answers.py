"""Answers shared by every request asking the same question: computed once per key and stamp."""

from __future__ import annotations

import threading
import time

import pytest

from callbacks.answers import SharedAnswers, data_stamp, wall_stamp
from data import versions
from tests.callbacks.installed import frozen_context


def _at_once(count: int, ask) -> list:
    """Run ``ask()`` on ``count`` threads released together; return their results."""
    barrier, results = threading.Barrier(count), []

    def run():
        barrier.wait()
        results.append(ask())
    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_callers_asking_together_compute_once_and_a_new_stamp_computes_again():
    answers, calls = SharedAnswers(8), []

    def compute():
        calls.append(1)
        time.sleep(0.2)                              # the other callers arrive while it is computed
        return object()
    results = _at_once(6, lambda: answers.get("overview", (60,), compute))
    assert len(calls) == 1 and answers.computed == 1 and all(r is results[0] for r in results)
    assert answers.get("overview", (61,), compute) is not results[0] and len(calls) == 2
    assert answers.get("traffic", (61,), compute) is not None and len(calls) == 3


def test_a_failed_answer_is_not_kept():
    answers, calls = SharedAnswers(8), []

    def failing():
        calls.append(1)
        raise RuntimeError("the store is busy")
    for _ in range(2):
        with pytest.raises(RuntimeError):
            answers.get("overview", (60,), failing)
    assert len(calls) == 2 and answers.computed == 0


def test_answers_are_bounded():
    answers = SharedAnswers(2)
    for second in range(5):
        answers.get("overview", (second,), lambda: second)
    assert answers.get("overview", (0,), lambda: "again") == "again"        # the oldest went first


def test_a_live_clock_stamps_the_second_a_frozen_one_also_the_data_version(tiny_db_copy):
    from data import db

    con = db.open_store(tiny_db_copy)
    try:
        with frozen_context(con) as app_context:
            frozen = wall_stamp(con, 100)
            versions.bump(con, "events")
            assert wall_stamp(con, 100) != frozen                  # frozen: every write is a new answer
            assert data_stamp(con, None) != data_stamp(con, 100)
            app_context.frozen_now_s = None
            live = wall_stamp(con, 100)
            versions.bump(con, "events")
            assert wall_stamp(con, 100) == live != wall_stamp(con, 101)   # live: the writes of one second coalesce
            before = data_stamp(con, None)
            versions.bump(con, "orders")
            assert data_stamp(con, None) != before                 # a read model's answer follows every write
    finally:
        con.close()


def test_the_newest_answer_is_served_while_a_newer_one_is_prepared():
    answers, release, calls = SharedAnswers(8, "test"), threading.Event(), []

    def compute(second):
        def run():
            calls.append(second)
            if second > 60:
                assert release.wait(timeout=20)
            return f"answer {second}"
        return run
    tolerated = lambda stamp: 61 - stamp[0] <= 5  # noqa: E731
    assert answers.newest("overview", (60,), compute(60), tolerated) == "answer 60"      # none yet: waited for
    assert answers.newest("overview", (61,), compute(61), tolerated) == "answer 60"      # while 61's is prepared
    assert answers.newest("overview", (61,), compute(61), tolerated) == "answer 60"      # not prepared twice
    release.set()
    assert answers.settle() and calls == [60, 61]
    assert answers.newest("overview", (61,), compute(61), tolerated) == "answer 61" and calls == [60, 61]
    assert answers.newest("overview", (70,), compute(70), lambda stamp: False) == "answer 70"   # too old: waited
    assert answers.computed == 3


def test_a_failed_preparation_is_not_kept_and_the_next_caller_tries_again(caplog):
    answers, calls = SharedAnswers(8, "test"), []

    def failing():
        calls.append(1)
        raise RuntimeError("the store is busy")
    answers.newest("overview", (60,), lambda: "answer 60", lambda stamp: True)
    assert answers.newest("overview", (61,), failing, lambda stamp: True) == "answer 60"
    assert answers.settle() and calls == [1] and "preparing the answer" in caplog.text
    assert answers.newest("overview", (61,), lambda: "answer 61", lambda stamp: True) == "answer 60"
    assert answers.settle()
    assert answers.newest("overview", (61,), failing, lambda stamp: True) == "answer 61" and calls == [1]
