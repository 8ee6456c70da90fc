"""The brief's days are the city's local days in the store's zone, also across a change of the clocks
(America/Los_Angeles went back an hour on Sunday 1 November 2026: a 25-hour day)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from data.clock import parse_instant
from reporting import cases
from reporting.days import day_span, yesterday
from tests.reporting.conftest import day_span as brief_day
from tests.conftest import LA_NOW, LA_TZ

BRIEF_DAY = date(2026, 11, 2)          # the Monday after; the brief's week reaches back over the change


@pytest.fixture(scope="module")
def received(la_con) -> pd.Series:
    """Return every case's received time as a local date, read independently of the brief."""
    return la_con.execute("SELECT received_at FROM events").df()["received_at"].dt.tz_convert(LA_TZ).dt.date


def test_day_spans_are_local_midnights_and_the_change_day_has_25_hours():
    span = day_span(date(2026, 11, 1), LA_TZ)
    assert pd.Timestamp(span.start_s, unit="s", tz="UTC").tz_convert(LA_TZ) == pd.Timestamp("2026-11-01", tz=LA_TZ)
    assert span.end_s - span.start_s == 25 * 3600
    assert span.before(1) == day_span(date(2026, 10, 31), LA_TZ)


def test_yesterday_is_the_local_day_before_in_the_stores_zone():
    assert yesterday(parse_instant(LA_NOW, LA_TZ), LA_TZ) == date(2026, 11, 2)    # already 4 November in Shanghai


def test_the_briefs_eight_days_are_local_days_across_the_change(la_con, received):
    span = brief_day(BRIEF_DAY, LA_TZ)
    daily = cases.daily_counts(cases.cases_at_end(la_con, span), span)
    per_day = received.value_counts()
    assert daily["received"].tolist() == [int(per_day.get(BRIEF_DAY - timedelta(days=k), 0)) for k in range(8)]


def test_the_seven_day_mean_of_a_category_counts_the_seven_local_days_before(la_con, received):
    span = brief_day(BRIEF_DAY, LA_TZ)
    by_category = cases.by_category(cases.cases_at_end(la_con, span), span).set_index("code")
    codes = la_con.execute("SELECT category_code FROM events").df()["category_code"]
    week = codes[(received >= BRIEF_DAY - timedelta(days=7)) & (received < BRIEF_DAY)].value_counts()
    assert by_category["week"].to_dict() == {code: int(week.get(code, 0)) for code in by_category.index}
