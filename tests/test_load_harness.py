"""The load harness (bench/load_test.py) against the tiny city for a few seconds, so it cannot rot
silently: every endpoint answered without an error and the feed's cases reached the store.
No timing is asserted: the figures depend on the machine."""

from __future__ import annotations

import pytest

from bench import load_test
from tests.conftest import TINY_NOW

ENDPOINTS = {"map.figure", "map.panel", "screen.tick", "summary.brief", "ingest.events"}


@pytest.fixture(scope="module")
def report(tiny_db_path, tmp_path_factory):
    """Run one short stage of the whole mix on a copy of the tiny city, clock frozen at TINY_NOW."""
    args = load_test.parse_args(["--db", str(tiny_db_path), "--stages", "1", "--stage-seconds", "4",
                                 "--warmup-seconds", "0", "--screens", "2", "--screen-period", "1",
                                 "--ingest-rate", "2", "--ingest-batch", "3", "--at", TINY_NOW,
                                 "--break-p95", "1000", "--workdir", str(tmp_path_factory.mktemp("load"))])
    return load_test.load_test(args)


def test_every_endpoint_has_latencies_and_no_errors(report):
    (stage,) = report["stages"]
    assert set(stage["endpoints"]) == ENDPOINTS
    for endpoint, stats in stage["endpoints"].items():
        assert stats["requests"] > 0 and stats["errors"] == 0, (endpoint, stats, report["first_errors"])
        assert stats["p50_ms"] > 0 and stats["p99_ms"] >= stats["p50_ms"], (endpoint, stats)


def test_the_feeds_cases_are_in_the_store(report):
    feed = report["feed"]
    assert feed["posted"] > 0
    assert feed["accepted"] == feed["posted"] == feed["in_store"]


def test_the_report_describes_the_machine_and_the_server(report):
    assert report["machine"]["cores"] >= 1 and report["machine"]["load_average_end"]
    assert report["server_rss_peak_mb"] > 0 and report["machine_available_min_mb"] > 0
    assert report["stages"][0]["server_rss_mb"]["max"] > 0
