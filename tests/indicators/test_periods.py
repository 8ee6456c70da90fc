"""Calendar periods: keys, bounds, labels and the periods they are compared against."""

from __future__ import annotations

from datetime import date

import pytest

from data import holidays
from indicators.periods import Period, PeriodError, PeriodKind

CALENDAR = holidays.load()


@pytest.mark.parametrize("key, kind, start, end", [
    ("2026-11-30", "day", date(2026, 11, 30), date(2026, 12, 1)),
    ("2026-W48", "week", date(2026, 11, 23), date(2026, 11, 30)),
    ("2026-W01", "week", date(2025, 12, 29), date(2026, 1, 5)),        # ISO week 1 begins in December
    ("2026-W53", "week", date(2026, 12, 28), date(2027, 1, 4)),        # 2026 has 53 ISO weeks
    ("2026-11", "month", date(2026, 11, 1), date(2026, 12, 1)),
    ("2026-12", "month", date(2026, 12, 1), date(2027, 1, 1)),
    ("2026-Q4", "quarter", date(2026, 10, 1), date(2027, 1, 1)),
    ("2026", "year", date(2026, 1, 1), date(2027, 1, 1)),
    ("2026~2026-11-30", "year", date(2026, 1, 1), date(2026, 12, 1)),
])
def test_a_key_names_its_days_end_excluded_and_round_trips(key, kind, start, end):
    period = Period.parse(key)
    assert (period.kind, period.start, period.end) == (PeriodKind(kind), start, end)
    assert str(period) == key and Period.parse(str(period)) == period


@pytest.mark.parametrize("text", ["2026-13", "2026-W54", "2025-W53", "2026-Q5", "26-11", "2026-02-30",
                                  "2026-11~2026-10-01", "2026-11~soon", "<script>"])
def test_a_text_that_names_no_period_is_refused_by_name(text):
    with pytest.raises(PeriodError, match="2026|period|before|day"):
        Period.parse(text)


def test_a_period_must_start_where_its_kind_starts():
    with pytest.raises(PeriodError):
        Period(PeriodKind.MONTH, date(2026, 11, 2), date(2026, 12, 1))


@pytest.mark.parametrize("key, previous, last_year", [
    ("2026-03-01", "2026-02-28", "2025-03-01"),
    ("2024-02-29", "2024-02-28", "2023-02-28"),
    ("2026-W01", "2025-W52", "2025-W01"),
    ("2026-W53", "2026-W52", "2025-W52"),              # 2025 has no week 53
    ("2026-01", "2025-12", "2025-01"),
    ("2026-Q1", "2025-Q4", "2025-Q1"),
    ("2026", "2025", "2025"),
])
def test_previous_and_same_last_year(key, previous, last_year):
    period = Period.parse(key)
    assert (str(period.previous()), str(period.same_last_year())) == (previous, last_year)


def test_a_period_to_date_is_compared_with_as_many_days():
    month = Period.parse("2026-03").to_date(date(2026, 3, 30))
    assert str(month) == "2026-03~2026-03-30" and month.is_to_date and month.day_count == 30
    assert str(month.previous()) == "2026-02"                         # February has only 28 days
    assert str(month.same_last_year()) == "2025-03~2025-03-30"
    year = Period.parse("2026").to_date(date(2026, 11, 30))
    assert (str(year.previous()), str(year.same_last_year())) == ("2025~2025-11-30", "2025~2025-11-30")
    assert Period.parse("2026-03").to_date(date(2026, 4, 5)) == Period.parse("2026-03")
    with pytest.raises(PeriodError):
        Period.parse("2026-03").to_date(date(2026, 2, 1))


@pytest.mark.parametrize("key, aligned", [
    ("2026-02-17", "2025-01-29"),          # 正月初一 against 正月初一
    ("2026-02-16", "2025-01-28"),          # 除夕 against 除夕
    ("2026-W08", "2025-W05"),              # Spring Festival week against Spring Festival week
    ("2026-W09", "2025-W06"),              # the week after it against the week after it
    ("2025-W05", "2024-W06"),
    ("2026-02", "2025-02"),                # a month keeps the calendar
])
def test_holiday_alignment_places_the_period_at_the_same_distance_from_the_spring_festival(key, aligned):
    assert str(Period.parse(key).holiday_aligned_last_year(CALENDAR)) == aligned


def test_holiday_alignment_refuses_a_year_the_calendar_lacks():
    with pytest.raises(PeriodError, match="2022"):
        Period.parse("2023-W04").holiday_aligned_last_year(CALENDAR)


@pytest.mark.parametrize("key, zh, en", [
    ("2026-11-30", "2026年11月30日", "30 November 2026"),
    ("2026-W48", "2026年第48周", "Week 48, 2026"),
    ("2026-11", "2026年11月", "November 2026"),
    ("2026-Q4", "2026年第四季度", "Q4 2026"),
    ("2026", "2026年", "2026"),
    ("2026~2026-11-30", "2026年（截至11月30日）", "2026 to 30 November"),
])
def test_labels_in_both_languages(key, zh, en):
    period = Period.parse(key)
    assert (period.label("zh"), period.label("en")) == (zh, en)


def test_ended_and_containing():
    today = date(2026, 12, 7)
    assert str(Period.last_ended("week", today)) == "2026-W49"
    assert str(Period.last_ended("month", today)) == "2026-11"
    assert Period.parse("2026-11").has_ended(today) and not Period.parse("2026-12").has_ended(today)
    assert Period.containing("quarter", today).contains(date(2026, 10, 1))
