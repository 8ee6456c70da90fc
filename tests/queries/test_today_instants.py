"""The wall's headline instants read range by range, and today's kept between reads, answer what
one read of every instant answered.

The reference is the single scan the wall used before (the three instants of every case with one
in the range, joined by OR), on the tiny city with the void cases of tests/indicators/test_void_cases.py
added. Today's kept instants are read after each of a feed's writes (new cases, a case closed and
rated, a case arriving minutes late, a correction reaching back into the morning, a writer naming
no instant, the next day) and compared with a fresh read of the whole day each time.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from data import db, versions
from data.clock import local_midnight_s, parse_instant
from data.statuses import VOID_IN
from queries import screen
from queries.screen import FIGURES, FigureInstants, figure_instants, utc_us
from queries.today_instants import TodayInstants
from tests.conftest import TINY_NOW
from tests.indicators.test_void_cases import _add_cases

TZ = "Asia/Shanghai"
NOW_S = parse_instant(TINY_NOW, TZ)
ONE_SCAN_SQL = f"""
    SELECT coalesce(epoch_us(received_at), -1) AS received,
           CASE WHEN status IN {VOID_IN} THEN -1 ELSE coalesce(epoch_us(closed_at), -1) END AS closed,
           CASE WHEN status IN {VOID_IN} THEN -1 ELSE coalesce(epoch_us(resolved_at), -1) END AS resolved,
           coalesce(ch.role = 'hotline', false) AS hotline, coalesce(ch.role = 'grid', false) AS grid,
           satisfaction IS NOT NULL AS rated, coalesce(satisfaction >= 4, false) AS satisfied,
           coalesce(due_at IS NULL OR resolved_at <= due_at, false) AS on_time
    FROM events LEFT JOIN channels ch ON ch.code = events.source
    WHERE (received_at >= $since AND received_at <= $until) OR (closed_at >= $since AND closed_at <= $until)
       OR (resolved_at >= $since AND resolved_at <= $until)"""


def one_scan(con, first_us: int, last_us: int) -> FigureInstants:
    """The instants as the wall read them before: one scan, every figure picked from its columns."""
    found = con.execute(ONE_SCAN_SQL, {"since": utc_us(first_us), "until": utc_us(last_us)}).fetchnumpy()
    columns = {name: np.asarray(values) for name, values in found.items()}
    instants = {}
    for name, (instant, flag) in FIGURES.items():
        chosen = (columns[instant] >= first_us) & (columns[instant] <= last_us)
        if flag is not None:
            chosen &= columns[flag]
        instants[name] = np.sort(columns[instant][chosen])
    return FigureInstants(first_us, last_us, instants)


def same(a: FigureInstants, b: FigureInstants) -> bool:
    return (a.first_us, a.last_us) == (b.first_us, b.last_us) and a.instants.keys() == b.instants.keys() and all(
        a.instants[name].dtype == b.instants[name].dtype and np.array_equal(a.instants[name], b.instants[name])
        for name in a.instants)


@pytest.fixture
def store(tiny_db_path, tmp_path):
    path = tmp_path / "today.duckdb"
    shutil.copy(tiny_db_path, path)
    con = db.open_store(path)
    _add_cases(con)
    yield con
    con.close()


@pytest.mark.parametrize("hours", [1, 6, 24, 8 * 24])
def test_instants_read_range_by_range_are_those_of_one_scan(store, hours):
    first_us, last_us = (NOW_S - hours * 3600) * 1_000_000, NOW_S * 1_000_000
    read = figure_instants(store, first_us, last_us)
    assert same(read, one_scan(store, first_us, last_us))
    assert sum(len(values) for values in read.instants.values()) > 0


def _add(con, event_id: str, received_s: int, closed_s: int | None = None, rating: int | None = None,
         earliest_s: float | None = None, name_instant: bool = True) -> None:
    """Store a hotline case (received, and closed and rated when given) and bump the cases' version as a
    writer does: from the earliest instant the write altered (or none)."""
    grid = con.execute("SELECT min(code) FROM admin_units WHERE level = 'grid'").fetchone()[0]
    con.execute("""INSERT INTO events (source, event_id, category_code, grid_code, received_at, resolved_at, closed_at,
                   due_at, status, satisfaction, handling_level, updated_at)
                   VALUES ('hotline_12345', ?, 'hotline.noise', ?, to_timestamp(?), to_timestamp(?), to_timestamp(?),
                           to_timestamp(?), ?, ?, 1, to_timestamp(?))""",
                [event_id, grid, received_s, closed_s, closed_s, received_s + 3600, "closed" if closed_s else "received",
                 rating, closed_s or received_s])
    versions.bump(con, "events", earliest_s=(earliest_s or received_s) if name_instant else None)


def test_today_kept_reads_only_what_writes_changed_and_answers_a_fresh_read(store):
    kept, midnight_us = TodayInstants(), local_midnight_s(NOW_S, TZ) * 1_000_000
    now_s = NOW_S

    def tick(step_s: int = 1) -> FigureInstants:
        nonlocal now_s
        now_s += step_s
        read = kept.read(store, midnight_us, now_s * 1_000_000)
        assert same(read, one_scan(store, midnight_us, now_s * 1_000_000))
        return read

    tick()
    for n in range(3):                                            # the feed: new cases, each received just now
        _add(store, f"kept-new-{n}", now_s)
        tick()
    _add(store, "kept-closed", now_s, closed_s=now_s + 1, rating=5)                           # received, closed, rated since
    tick()
    _add(store, "kept-late", now_s - 120)                         # a feed's case arriving two minutes late
    tick()
    assert kept.full_reads == 1
    _add(store, "kept-morning", now_s - 6 * 3600, closed_s=now_s - 5 * 3600, rating=2)       # late data from the morning
    tick()
    assert kept.full_reads == 2
    _add(store, "kept-unnamed", now_s, name_instant=False)                                    # a writer naming no instant
    tick()
    assert kept.full_reads == 3
    tick(0)                                                       # the same second again: nothing new
    assert kept.full_reads == 3
    next_day_us = (local_midnight_s(NOW_S, TZ) + 86_400) * 1_000_000
    assert same(kept.read(store, next_day_us, next_day_us + 60_000_000),
                one_scan(store, next_day_us, next_day_us + 60_000_000))
    assert kept.full_reads == 4


def test_the_headline_figures_with_today_kept_are_those_read_afresh(store):
    kept, now_s = TodayInstants(), NOW_S
    for n in range(3):
        _add(store, f"kpi-new-{n}", now_s)
        assert screen.headline_kpis(store, now_s, TZ, read_today=kept.read) == screen.headline_kpis(store, now_s, TZ)
        now_s += 1
    assert kept.full_reads == 1
