"""Void cases (cancelled, merged) count in intake and nowhere else; a returned case is open.

Four hotline cases are added to a copy of the tiny city, received today: one cancelled after it was
resolved late, accepted late, rated 1 and closed; one cancelled with no stage (void from its version's
time) and past due; one merged into another case; one returned for re-dispatch and past due. The
city's values are compared before and after, on the catalog's ``cases.*`` indicators evaluated
together (the recent events materialised once) and one by one (each scan on its own).
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone

import pytest

from data import db
from data.clock import parse_instant
from indicators.catalog import load_catalog
from indicators.engine import Engine
from indicators.model import IndicatorType
from tests.conftest import TINY_NOW

TZ = "Asia/Shanghai"
CATALOG = load_catalog()
NOW_S = parse_instant(TINY_NOW, TZ)
CASES = sorted(i.id for i in CATALOG.indicators if i.id.startswith("cases.") and i.type != IndicatorType.DERIVED)
# indicator → the change the four cases make to (numerator or value, denominator) at TINY_NOW
EXPECTED = {
    "cases.intake.count.today": (4, None),                   # void cases were received
    "cases.intake.repeat_share.last_7d": (1, 4),             # the merged case is a repeat
    "cases.handling.closure_rate.last_7d": (0, 1),           # only the returned case, open
    "cases.handling.closed_count.today": (0, None),
    "cases.backlog.open_count.now": (1, None),               # the returned case
    "cases.backlog.overdue_count.now": (1, None),            # the returned case
    "cases.timeliness.ontime_rate.last_7d": (0, 0),
    "cases.timeliness.response_rate.today": (0, 1),          # the returned case, waiting over an hour
}
UNCHANGED = ("cases.satisfaction.avg_rating.last_30d", "cases.handling.p50_hours.last_7d",
             "cases.handling.avg_hours.last_7d", "cases.handling.avg_closing_hours.last_30d",
             "cases.handling.p50_closing_hours.last_30d", "cases.timeliness.avg_response_minutes.last_7d")


def _at(hours: float) -> datetime:
    return datetime.fromtimestamp(NOW_S, timezone.utc) + timedelta(hours=hours)


# (id, status, received, accepted, resolved, closed, due, updated, satisfaction, is_repeat), hours from TINY_NOW
FOUR_CASES = [
    ("VOID-1", "cancelled", -3, -1, -2, -1, -2.5, -1, 1, False),
    ("VOID-2", "cancelled", -5, None, None, None, -4, -0.5, None, False),
    ("VOID-3", "merged", -4, None, None, None, -1, -3, None, True),
    ("BACK-1", "returned", -6, None, None, None, -2, -2, None, False),
]


def _add_cases(con) -> None:
    grid = con.execute("SELECT min(code) FROM admin_units WHERE level = 'grid'").fetchone()[0]
    category = con.execute("SELECT min(code) FROM event_categories WHERE domain = 'hotline'").fetchone()[0]
    for event_id, status, received, accepted, resolved, closed, due, updated, rating, repeat in FOUR_CASES:
        times = [None if h is None else _at(h) for h in (received, accepted, resolved, closed, due, updated)]
        con.execute("INSERT INTO events (source, event_id, category_code, grid_code, received_at, accepted_at, "
                    "dispatched_at, resolved_at, closed_at, due_at, status, satisfaction, is_repeat, updated_at) "
                    "VALUES ('hotline_12345', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [event_id, category, grid, times[0], times[1], times[1], *times[2:5], status, rating, repeat,
                     times[5]])


def _city(con, at_s: int, only: set[str]) -> dict[str, tuple]:
    frame = Engine(CATALOG, TZ).evaluate(con, at_s, only=only)
    city = frame[frame["level"] == "city"]
    return {row.indicator_id: (row.value, row.numerator, row.denominator) for row in city.itertuples()}


@pytest.fixture(scope="module")
def store(tiny_db_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("void") / "void.duckdb"
    shutil.copy(tiny_db_path, path)
    con = db.open_store(path)
    before = {at: _city(con, at, set(CASES)) for at in (NOW_S, NOW_S - 3600)}
    _add_cases(con)
    yield con, before
    con.close()


def _change(before: tuple, after: tuple, ratio: bool) -> tuple:
    if ratio:
        return after[1] - before[1], after[2] - before[2]
    return after[0] - before[0], None


@pytest.mark.parametrize("together", [True, False], ids=["materialised", "one_by_one"])
@pytest.mark.parametrize("indicator_id", sorted(EXPECTED))
def test_void_cases_count_in_intake_only(store, indicator_id, together):
    con, before = store
    after = _city(con, NOW_S, set(CASES) if together else {indicator_id})
    ratio = CATALOG[indicator_id].type == IndicatorType.RATIO
    assert _change(before[NOW_S][indicator_id], after[indicator_id], ratio) == EXPECTED[indicator_id]


@pytest.mark.parametrize("indicator_id", UNCHANGED)
def test_void_cases_leave_times_and_ratings_alone(store, indicator_id):
    con, before = store
    assert _city(con, NOW_S, set(CASES))[indicator_id][0] == pytest.approx(before[NOW_S][indicator_id][0])


def test_a_case_is_void_only_from_its_closing_or_its_version(store):
    # An hour earlier the stage-less cancelled case (void from half an hour before TINY_NOW) was still
    # open and overdue; the returned case was open but not yet past due; the others were void already.
    con, before = store
    earlier = NOW_S - 3600
    after = _city(con, earlier, {"cases.backlog.open_count.now", "cases.backlog.overdue_count.now"})
    assert after["cases.backlog.open_count.now"][0] - before[earlier]["cases.backlog.open_count.now"][0] == 2
    assert after["cases.backlog.overdue_count.now"][0] - before[earlier]["cases.backlog.overdue_count.now"][0] == 2
