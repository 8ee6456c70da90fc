"""Closure figures computed outside the catalog treat void cases as the catalog does.

The overview's and the wall's case figures, the case list's overdue filter and SLA clock, and the
daily brief's case flags: a void case (cancelled, merged) counts as received and nowhere else; a
returned case is open. The four cases of tests/indicators/test_void_cases.py are added to a copy of
the tiny city and the figures compared before and after.
"""

from __future__ import annotations

from datetime import date

import pytest

from data import db
from queries import events_page, overview, screen
from reporting import cases
from indicators.periods import Period
from reporting.span import brief_span
from tests.indicators.test_void_cases import NOW_S, TZ, _add_cases


def _figures(con) -> dict[str, int]:
    today = overview.city_today(con, NOW_S, TZ)
    span = brief_span(Period.containing("day", date(2026, 11, 20)), TZ, NOW_S, 0)      # today, as of now
    brief = cases.flags(cases.cases_at_end(con, span), span)
    instants = screen.figure_instants(con, (NOW_S - 86_400) * 1_000_000, NOW_S * 1_000_000)
    return {
        "received": today.received, "closed": today.closed, "open_overdue": today.open_overdue,
        "received_30d": today.received_30d, "closed_30d": today.closed_30d,
        "list_overdue": events_page.count_cases(con, events_page.CaseFilters(overdue=True), NOW_S, TZ),
        "brief_received": int(brief.received_day.sum()), "brief_closed": int(brief.closed_day.sum()),
        "brief_open": int(brief.open.sum()), "brief_overdue_open": int(brief.overdue_open.sum()),
        "brief_received_30d": int(brief.received_30d.sum()),
        "screen_resolved": len(instants.instants["resolved"]), "screen_rated": len(instants.instants["rated"]),
    }


@pytest.fixture(scope="module")
def change(tiny_db_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("void-figures") / "v.duckdb"
    path.write_bytes(tiny_db_path.read_bytes())
    con = db.open_store(path)
    before = _figures(con)
    _add_cases(con)
    after = _figures(con)
    yield {key: after[key] - before[key] for key in before}, con
    con.close()


def test_void_cases_count_as_received_only(change):
    delta, _ = change
    assert delta == {"received": 4, "closed": 0, "open_overdue": 1, "received_30d": 1, "closed_30d": 0,
                     "list_overdue": 1, "brief_received": 4, "brief_closed": 0, "brief_open": 1,
                     "brief_overdue_open": 1, "brief_received_30d": 1, "screen_resolved": 0, "screen_rated": 0}


def test_a_void_case_has_no_sla_clock(change):
    _, con = change
    case = events_page.list_cases(con, events_page.CaseFilters(status="cancelled"), NOW_S, TZ)[0]
    assert events_page.sla_clock(case["due_s"], case["resolved_s"], NOW_S, case["status"]).state == "void"
    assert events_page.sla_clock(case["due_s"], None, NOW_S).state == "overdue"      # as it would be otherwise
