"""The load harness (bench/load_test.py) against the tiny city for a few seconds, so it cannot rot
silently: every endpoint of the mix answered without an error, the feeds' cases and alarm reports
reached the store, and the server's CPU per thread and the refresh figures were read from its log.
No timing is asserted: the figures depend on the machine. About 30-40 s (a server start)."""

from __future__ import annotations

import json

import pytest

from bench import load_server, load_test
from bench.load_users import FEEDS, INTERACTIVE, WALL_TICK
from tests.conftest import TINY_NOW

ENDPOINTS = {*INTERACTIVE, WALL_TICK, *FEEDS}


@pytest.fixture(scope="module")
def report(tiny_db_path, tmp_path_factory):
    """Run one short stage of the whole mix on a copy of the tiny city, clock frozen at TINY_NOW."""
    args = load_test.parse_args(["--db", str(tiny_db_path), "--stages", "1", "--stage-seconds", "4",
                                 "--warmup-seconds", "0", "--screens", "2", "--screen-period", "1",
                                 "--ingest-rate", "2", "--ingest-batch", "3", "--alarm-rate", "1", "--at", TINY_NOW,
                                 "--break-p95", "1000", "--break-tick-p95", "1000",
                                 "--workdir", str(tmp_path_factory.mktemp("load") / "not" / "yet")])
    return load_test.load_test(args)


def test_every_endpoint_has_latencies_and_no_errors(report):
    (stage,) = report["stages"]
    assert set(stage["endpoints"]) == ENDPOINTS
    for endpoint, stats in stage["endpoints"].items():
        assert stats["requests"] > 0 and stats["errors"] == 0, (endpoint, stats, report["first_errors"])
        assert stats["p50_ms"] > 0 and stats["p99_ms"] >= stats["p50_ms"], (endpoint, stats)


def test_the_feeds_cases_and_alarms_are_in_the_store(report):
    for feed in (report["feed"], report["alarms"]):
        assert feed["posted"] > 0
        assert feed["accepted"] == feed["posted"] == feed["in_store"], report


def test_the_stage_reports_the_servers_cpu_by_thread(report):
    cpu = report["stages"][0]["server"]["cpu"]
    assert cpu["process_cpu_s"] > 0 and "waitress" in cpu["thread_share"], cpu
    assert 0 <= cpu["background_share"] <= 1


def test_a_stages_log_gives_refreshes_skipped_ticks_and_cpu_shares():
    cpu = lambda at, process, refresh, sections: (  # noqa: E731
        f"2026-12-07 15:00:0{at},000 INFO data.thread_cpu: thread cpu: " + json.dumps(
            {"process": process, "threads": {"waitress": process - refresh, "indicator-refresh": refresh},
             "sections": sections, "at": 100.0 + at}))
    text = "\n".join([
        cpu(0, 10.0, 2.0, {}),
        "2026-12-07 15:00:01,000 INFO indicators.scheduler: indicators refreshed: 9 values of 3 indicators in 61.50 s "
        "(0 snapshots)",
        "2026-12-07 15:00:01,100 WARNING data.background: indicator-refresh: a step took 61.5 s, past 2 boundaries "
        "(2026-12-07T15:00:00+00:00 to 2026-12-07T15:01:00+00:00): skipped",
        "2026-12-07 15:00:01,200 WARNING data.background: live-simulator: a step took 11.0 s, past 1 boundary: skipped",
        cpu(4, 12.0, 3.0, {"indicators.alerting.listener": 0.5})])
    figures = load_server.stage_log_figures(text)
    assert figures["refreshes"] == 1 and figures["refresh_s"] == [61.5]
    assert figures["ticks_skipped"] == 2                      # the refresh's, not the simulator's
    assert figures["cpu"]["process_cpu_s"] == 2.0 and figures["cpu"]["cores_used"] == 0.5
    assert figures["cpu"]["background_share"] == 0.5           # 1 s of the refresh thread in 2 s
    assert figures["cpu"]["section_share"] == {"indicators.alerting.listener": 0.25}


def test_a_missing_workdir_is_created_and_a_file_in_its_way_is_a_clear_error(tmp_path):
    made = load_test.make_workdir(str(tmp_path / "a" / "b"))
    assert made.is_dir() and made.parent == tmp_path / "a" / "b"
    (tmp_path / "file").write_text("x")
    with pytest.raises(SystemExit, match="--workdir"):
        load_test.make_workdir(str(tmp_path / "file"))


def test_the_report_describes_the_machine_and_the_server(report):
    assert report["machine"]["cores"] >= 1 and report["machine"]["load_average_end"]
    assert report["server_rss_peak_mb"] > 0 and report["machine_available_min_mb"] > 0
    assert report["stages"][0]["server_rss_mb"]["max"] > 0
    assert report["stages"][0]["leaders"] == 1
    assert report["stages"][0]["bench_cores_used"] >= 0 and set(report["stages"][0]["posted_per_s"]) == {"cases",
                                                                                                         "alarms"}


def test_the_cpu_of_the_owner_and_its_workers_is_summed():
    line = lambda tag, at, process, threads: (  # noqa: E731
        f"2026-12-07 15:00:0{at},000 INFO {tag}data.thread_cpu: thread cpu: "
        + json.dumps({"process": process, "threads": threads, "sections": {}, "at": 100.0 + at}))
    text = "\n".join([
        line("", 0, 10.0, {"indicator-refresh": 1.0, "store-link": 9.0}),
        line("[worker 1] ", 0, 50.0, {"waitress": 50.0}),
        line("[worker 2] ", 1, 70.0, {"waitress": 70.0}),
        line("", 4, 13.0, {"indicator-refresh": 2.0, "store-link": 11.0}),
        line("[worker 1] ", 4, 53.0, {"waitress": 53.0}),
        line("[worker 2] ", 3, 71.0, {"waitress": 71.0})])
    cpu = load_server.stage_log_figures(text)["cpu"]
    assert cpu["processes"] == 3 and cpu["process_cpu_s"] == 7.0        # 3 + 3 + 1, not one process's lines mixed
    assert cpu["cores_used"] == 1.75                                      # 7 s over the longest span, 4 s
    assert cpu["background_share"] == round(1 / 7, 3)                     # the refresh's second; store-link answers requests
