"""The server's CPU per thread group and section (data/thread_cpu.py), which the load bench reads from
the server's log: a busy named thread's CPU lands in its group, a section counts only its block."""

from __future__ import annotations

import json
import logging
import threading
import time

from data import thread_cpu


def _spin(seconds: float) -> None:
    ended = time.thread_time() + seconds
    while time.thread_time() < ended:
        pass


def test_a_numbered_thread_name_falls_in_its_group():
    assert thread_cpu.group_of("waitress-3") == "waitress"
    assert thread_cpu.group_of("indicator-ahead_0") == "indicator-ahead"
    assert thread_cpu.group_of("indicator-refresh") == "indicator-refresh"


def test_a_busy_threads_cpu_is_counted_in_its_group_while_it_runs():
    done, release = threading.Event(), threading.Event()

    def work():
        _spin(0.3)
        done.set()
        release.wait(10)

    worker = threading.Thread(target=work, name="load-probe-7")
    worker.start()
    try:
        assert done.wait(10)
        figures = thread_cpu.cpu_by_thread_group()
    finally:
        release.set()
        worker.join()
    assert figures["threads"]["load-probe"] >= 0.2
    assert figures["process"] >= sum(figures["threads"].values()) - 0.05


def test_a_section_counts_the_cpu_of_its_block_only():
    before = thread_cpu.sections().get("test-section", 0.0)
    with thread_cpu.section("test-section"):
        _spin(0.2)
    time.sleep(0.2)                                   # not CPU: not counted
    spent = thread_cpu.sections()["test-section"] - before
    assert 0.15 <= spent < 0.35


def test_the_log_line_parses_back(caplog):
    job = thread_cpu.start_cpu_log(0.2)
    try:
        with caplog.at_level(logging.INFO, logger="data.thread_cpu"):
            time.sleep(0.5)
    finally:
        job.stop()
    lines = [thread_cpu.parse_line(r.getMessage()) for r in caplog.records]
    assert lines and all(line and line["process"] > 0 and "MainThread" in line["threads"] for line in lines)
    assert thread_cpu.parse_line("thread cpu: {not json") is None
    assert thread_cpu.parse_line(json.dumps({"a": 1})) is None


def test_off_by_default():
    assert thread_cpu.start_cpu_log(0.0) is None
