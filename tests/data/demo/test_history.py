"""The demo city's lighter history: written during the build, or left pending by the server's first
start and filled in the background, the store ends up with the same cases."""

from __future__ import annotations

import dataclasses
import time

import pytest

from data import db, versions, writer
from data.demo import build, history
from data.demo.scales import SCALES
from tests.conftest import TINY_NOW

TZ = "Asia/Shanghai"


def spec(archive_days: int = 40) -> build.DemoSpec:
    base = build.spec_from_options("tiny", 7, TINY_NOW, TZ)
    return dataclasses.replace(base, scale=dataclasses.replace(SCALES["tiny"], days=2, archive_days=archive_days))


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    path = tmp_path_factory.mktemp("history") / "whole.duckdb"
    build.build_demo(path, spec(), progress=False)
    con = db.open_store(path, read_only=True)
    yield con
    con.close()


def cases(con) -> tuple[int, int]:
    return writer.table_checksum(con, "events", exclude=("batch_id",))


def test_a_build_without_history_marks_it_pending_and_the_fill_completes_it(tmp_path, whole):
    path = tmp_path / "later.duckdb"
    build.build_demo(path, spec(), progress=False, history=False)
    con = db.open_store(path)
    assert history.pending_until(con) == spec().start_s
    assert cases(con)[0] < cases(whole)[0]
    world = build.DemoWorld.create(spec())
    before = versions.current(con)["events"]
    seen = []
    while history.pending_until(con) is not None:            # one chunk per step, as the server's job does
        history.write_history(con, world, 1, history.pending_until(con), pending_key=True, limit_chunks=1,
                              progress=lambda done, total: seen.append((done, total)))
    assert len(seen) == 2 and seen[0][0] == history.CHUNK_DAYS                  # the newest chunk first
    assert seen[1][0] == seen[1][1] == seen[0][1] - history.CHUNK_DAYS
    assert cases(con) == cases(whole)
    assert writer.table_checksum(con, "demo_event_plans") == writer.table_checksum(whole, "demo_event_plans")
    assert versions.current(con)["events"] == before + 2      # each chunk is late data for its days
    first = con.execute("SELECT min(received_at) FROM events").fetchone()[0].timestamp()
    assert first >= spec().archive_start_s and first < spec().archive_start_s + 86_400
    con.close()


def test_the_servers_job_fills_the_pending_history_in_the_background(tmp_path, whole, monkeypatch):
    monkeypatch.setattr(build, "load_demo_spec", lambda con: spec())     # the stored spec names the shipped tiny scale
    path = tmp_path / "served.duckdb"
    build.build_demo(path, spec(), progress=False, history=False)
    con = db.open_store(path)
    job = history.start_history_fill(con)
    try:
        deadline = time.monotonic() + 120
        while history.pending_until(con.cursor()) is not None and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        job.stop()
    assert history.pending_until(con) is None
    assert cases(con) == cases(whole)
    assert history.start_history_fill(con) is None            # nothing pending: no job
    con.close()


def test_a_build_with_history_leaves_nothing_pending(whole):
    assert history.pending_until(whole) is None
    days = whole.execute("SELECT count(DISTINCT CAST(timezone('Asia/Shanghai', received_at) AS DATE)) FROM events").fetchone()[0]
    assert days >= 42
