"""The public-holiday calendar: the published days, the adjusted workdays and strict validation."""

from __future__ import annotations

from datetime import date

import pytest

from data import holidays

CALENDAR = holidays.load()


def test_every_year_names_its_notice_and_no_unpublished_year_is_guessed():
    assert CALENDAR.years == (2023, 2024, 2025, 2026)
    for year in CALENDAR.years:
        assert f"{year}年部分节假日安排的通知" in CALENDAR.source(year)
    with pytest.raises(holidays.OutsideCalendar, match="2027"):
        CALENDAR.is_workday(date(2027, 1, 4))


@pytest.mark.parametrize("day, workday", [
    (date(2026, 2, 14), True),       # Saturday made a workday (调休) before the Spring Festival
    (date(2026, 2, 16), False),      # 除夕, a Monday off
    (date(2026, 2, 23), False),      # 正月初七, a Monday off
    (date(2026, 2, 24), True),
    (date(2026, 2, 28), True),       # Saturday made a workday after it
    (date(2026, 3, 1), False),       # an ordinary Sunday
    (date(2025, 10, 8), False),      # National Day and Mid-Autumn together in 2025
    (date(2025, 10, 11), True),
    (date(2025, 1, 1), False),
    (date(2025, 1, 2), True),
])
def test_workdays_follow_the_notices(day, workday):
    assert CALENDAR.is_workday(day) is workday


def test_a_day_off_names_its_holiday_in_both_languages():
    assert CALENDAR.holiday_on(date(2025, 10, 6)).label("zh") == "中秋节"
    assert CALENDAR.holiday_on(date(2025, 10, 2)).label("en") == "National Day"
    assert CALENDAR.holiday_on(date(2026, 3, 2)) is None
    assert CALENDAR.festival_day("spring_festival", 2026) == date(2026, 2, 17)


def test_every_problem_of_a_bad_file_is_listed():
    raw = {
        2026: {"source": "", "holidays": [
            {"name": "spring_festival", "festival": date(2026, 2, 17), "days": [date(2026, 2, 15), date(2026, 2, 23)]},
            {"name": "spring_festival", "festival": date(2026, 2, 17), "days": [date(2026, 2, 15), date(2026, 2, 23)]},
            {"name": "pi_day", "festival": date(2026, 3, 14), "days": [date(2026, 3, 14), date(2026, 3, 14)]},
            {"name": "qingming", "festival": date(2026, 4, 5), "days": [date(2026, 4, 6), date(2026, 4, 6)]},
        ], "workdays": [date(2026, 2, 16), date(2026, 2, 21)], "extra": 1},
        "later": {},
    }
    with pytest.raises(holidays.HolidayCalendarError) as error:
        holidays.parse(raw)
    message = str(error.value)
    for expected in ("source must name the notice", "spring_festival listed twice", "name must be one of",
                     "the festival must lie", "workday 2026-02-16 must be a Saturday or Sunday",
                     "2026-02-21 is both a workday and a day off", "unknown keys ['extra']", "'later'"):
        assert expected in message
