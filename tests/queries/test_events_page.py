"""Case queries on the tiny city, checked against pandas over the same rows (fine at this size only)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from data.clock import parse_instant
from queries import events_page as cases
from tests.conftest import TINY_NOW

TZ = "Asia/Shanghai"


@pytest.fixture(scope="module")
def now_s() -> int:
    return parse_instant(TINY_NOW, TZ)


@pytest.fixture(scope="module")
def frame(tiny_con) -> pd.DataFrame:
    """Every case with its grid's ancestors, read independently of queries.events_page."""
    return tiny_con.execute(
        """SELECT e.source, e.event_id, e.category_code, e.status, e.handling_level, e.received_at, e.due_at,
                  e.resolved_at, g.code AS grid, g.community_code, g.street_code, g.district_code
           FROM events e LEFT JOIN admin_units g ON g.code = e.grid_code""").df()


def _expected(frame, now_s, **conditions) -> set[tuple[str, str]]:
    now = pd.Timestamp(now_s, unit="s", tz="UTC")
    keep = frame["received_at"] <= now
    for column, value in conditions.items():
        keep &= frame[column] == value
    return set(zip(frame.loc[keep, "source"], frame.loc[keep, "event_id"]))


def _listed(con, filters, now_s, **kwargs) -> list[dict]:
    return cases.list_cases(con, filters, now_s, TZ, offset=0, limit=cases.MAX_PAGE_ROWS, **kwargs)


def test_a_street_holds_its_communities_and_grids_cases(tiny_con, frame, now_s):
    street = frame["street_code"].dropna().iloc[0]
    filters = cases.CaseFilters(unit=street, status="closed")
    expected = _expected(frame, now_s, street_code=street, status="closed")
    assert cases.count_cases(tiny_con, filters, now_s, TZ) == len(expected) > 0
    community = frame.loc[frame["street_code"] == street, "community_code"].iloc[0]
    inner = cases.count_cases(tiny_con, cases.CaseFilters(unit=community, status="closed"), now_s, TZ)
    assert 0 < inner < len(expected)


def test_the_city_code_means_every_case(tiny_con, now_s):
    city = tiny_con.execute("SELECT code FROM admin_units WHERE level = 'city'").fetchall()[0][0]
    assert cases.count_cases(tiny_con, cases.CaseFilters(unit=city), now_s, TZ) == \
        cases.count_cases(tiny_con, cases.CaseFilters(), now_s, TZ)


def test_source_category_level_and_days(tiny_con, frame, now_s):
    row = frame.iloc[len(frame) // 2]
    day = row["received_at"].tz_convert(TZ).date()
    filters = cases.CaseFilters(source=row["source"], category=row["category_code"],
                                handling_level=int(row["handling_level"]), since=day, until=day)
    local = frame["received_at"].dt.tz_convert(TZ).dt.date
    sub = frame[(local == day)]
    expected = _expected(sub, now_s, source=row["source"], category_code=row["category_code"],
                         handling_level=row["handling_level"])
    got = {(r["source"], r["event_id"]) for r in _listed(tiny_con, filters, now_s)}
    assert got == expected and (row["source"], row["event_id"]) in got


def test_overdue_means_open_and_past_due_now(tiny_con, frame, now_s):
    now = pd.Timestamp(now_s, unit="s", tz="UTC")
    late = frame[(frame["due_at"] < now) & (frame["resolved_at"].isna() | (frame["resolved_at"] > now))
                 & (frame["received_at"] <= now)]
    filters = cases.CaseFilters(overdue=True)
    assert cases.count_cases(tiny_con, filters, now_s, TZ) == len(late) > 0
    for row in _listed(tiny_con, filters, now_s):
        assert cases.sla_clock(row["due_s"], row["resolved_s"], now_s).state == "overdue"


def test_pages_follow_the_sort_and_do_not_overlap(tiny_con, now_s):
    filters = cases.CaseFilters(status="closed")
    first = cases.list_cases(tiny_con, filters, now_s, TZ, [("due", "asc")], 0, 20)
    second = cases.list_cases(tiny_con, filters, now_s, TZ, [("due", "asc")], 20, 20)
    dues = [r["due_s"] for r in first + second]
    assert dues == sorted(dues) and len(dues) == 40
    assert not {r["event_id"] for r in first} & {r["event_id"] for r in second}


def test_unknown_sort_columns_and_hostile_values_are_ignored(tiny_con, now_s):
    hostile = cases.CaseFilters.from_values(source="x' OR '1'='1", status="closed; DROP TABLE events", unit="1 OR 1=1",
                                            since="2026-13-40", handling_level="9")
    assert hostile == cases.CaseFilters()
    rows = cases.list_cases(tiny_con, cases.CaseFilters(), now_s, TZ, [("received_at; DROP", "asc")], 0, 5)
    assert [r["received_s"] for r in rows] == sorted((r["received_s"] for r in rows), reverse=True)


def test_filters_round_trip_through_the_url():
    filters = cases.CaseFilters.from_values("hotline_12345", "hotline.noise", "closed", "2", "1", "990102",
                                            "2026-11-01", "2026-11-20")
    query = filters.as_query()
    assert query == {"source": "hotline_12345", "category": "hotline.noise", "status": "closed", "level": "2",
                     "overdue": "1", "unit": "990102", "since": "2026-11-01", "until": "2026-11-20"}
    assert cases.CaseFilters.from_values(handling_level=query.pop("level"), **query) == filters


def test_a_case_and_its_life_cycle(tiny_con, now_s):
    row = tiny_con.execute("SELECT source, event_id FROM events WHERE status = 'closed' LIMIT 1").fetchall()[0]
    case = cases.find_case(tiny_con, row[1])
    assert (case["source"], case["event_id"]) == row and case["district_zh"] and case["sla_hours"] > 0
    history = cases.case_history(tiny_con, *row)
    assert [h["status"] for h in history] == ["received", "accepted", "dispatched", "resolved", "closed"]
    assert [h["updated_s"] for h in history] == sorted(h["updated_s"] for h in history)
    assert cases.find_case(tiny_con, "no-such-case") is None


@pytest.mark.parametrize("due, resolved, now, state, seconds", [
    (100, None, 40, "open", 60), (100, None, 130, "overdue", 30), (100, 90, 130, "met", 10),
    (100, 120, 130, "late", 20), (100, 120, 110, "overdue", 10), (None, None, 5, "no_deadline", 0),
])
def test_sla_clock(due, resolved, now, state, seconds):
    clock = cases.sla_clock(due, resolved, now)
    assert (clock.state, clock.seconds) == (state, seconds)


def test_units_are_found_by_code_prefix_and_name(tiny_con):
    street = tiny_con.execute("SELECT code, name_zh FROM admin_units WHERE level = 'street' LIMIT 1").fetchall()[0]
    by_code = cases.search_units(tiny_con, street[0])
    assert by_code[0]["code"] == street[0] and all(u["code"].startswith(street[0]) for u in by_code)
    assert street[0] in {u["code"] for u in cases.search_units(tiny_con, street[1])}
