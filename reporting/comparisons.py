"""同比: the brief's received and closed cases against the same period a year earlier, taken from
the period engine (indicators.period_values: the catalog's intake and closed counts summed from the
stored daily partials), the same figures its own period has (tests/reporting/test_comparisons.py).
A running period is compared as its part to date. A year the store does not fully cover is said to
have no comparison, never zero.

Holiday-aligned 同比: a day or week holding days off of a public holiday (the city's holiday
calendar, setting ``holiday_calendar``) is also compared with the day or week at the same distance
from last year's occurrence of that holiday (indicators.periods: Spring Festival week against last
year's Spring Festival week), which the calendar comparison misses when the holiday moved."""

from __future__ import annotations

from dataclasses import dataclass

from data import holidays as holiday_calendars, settings
from indicators.day_partials import DayPartials
from indicators.period_values import PeriodRefused, PeriodValues
from indicators.periods import Period, PeriodError
from reporting.area import Area
from reporting.span import BriefSpan

RECEIVED, CLOSED = "cases.intake.count.today", "cases.handling.closed_count.today"


@dataclass(frozen=True)
class Comparison:
    """Counts of a comparison period, or None when the store does not cover it."""

    period: str                  # its key (2025-11, 2025-W47 …)
    received: int | None
    closed: int | None

    @property
    def available(self) -> bool:
        """Return True when the store covers the comparison period."""
        return self.received is not None


@dataclass(frozen=True)
class HolidayComparison:
    """The period against the same days of last year's occurrence of a holiday it holds."""

    holiday: str                 # spring_festival, national_day … (data/holidays.py HOLIDAY_NAMES)
    against: Comparison

    def name(self, language: str) -> str:
        """Return the holiday's name in ``language``."""
        zh, en = holiday_calendars.HOLIDAY_NAMES[self.holiday]
        return zh if language == "zh" else en


def period_values(engine) -> PeriodValues:
    """Return the period engine on the brief's catalog."""
    return PeriodValues(DayPartials(engine.catalog, engine.tz))


def compared_period(span: BriefSpan) -> Period:
    """Return the period as compared: its part to date while it runs, else the whole of it."""
    return span.period.to_date(span.as_of_local().date()) if span.provisional else span.period


def same_period_last_year(con, span: BriefSpan, area: Area, values: PeriodValues) -> Comparison:
    """Return the same period a year earlier (as many days of it as this one has had so far)."""
    return counts(con, compared_period(span).same_last_year(), span, area, values)


def holiday_calendar(con):
    """Return the city's holiday calendar (setting ``holiday_calendar``), or None for 'none'."""
    return holiday_calendars.load() if settings.resolve("holiday_calendar", con=con) == "cn" else None


def holiday_aligned(con, span: BriefSpan, area: Area, values: PeriodValues, calendar) -> HolidayComparison | None:
    """Return the day or week against the same days of last year's occurrence of the holiday whose
    days off it holds; None for another kind of period, a period without one, or no calendar."""
    if calendar is None or span.kind not in ("day", "week"):
        return None
    period = compared_period(span)
    found = [h for h in (calendar.holiday_on(day) for day in period.days()) if h is not None]
    if not found:
        return None
    holiday = found[0].name
    try:
        aligned = period.holiday_aligned_last_year(calendar, holiday)
    except PeriodError:                  # the calendar lacks last year's occurrence
        return None
    return HolidayComparison(holiday, counts(con, aligned, span, area, values))


def counts(con, last: Period, span: BriefSpan, area: Area, values: PeriodValues) -> Comparison:
    """Return the area's received and closed cases of ``last`` (an earlier period the brief is
    compared with), None when the store does not cover it whole."""
    try:
        figures = values.figures(con, last, int(span.as_of_s), ids=[RECEIVED, CLOSED], level=area.level)
    except PeriodRefused:
        return Comparison(str(last), None, None)
    if figures.counted_from > last.start:            # the data begins inside it: no whole comparison
        return Comparison(str(last), None, None)
    row = figures.values[figures.values["unit_code"] == area.code].set_index("indicator_id")["value"]
    if RECEIVED not in row or row.isna().any():
        return Comparison(str(last), None, None)
    return Comparison(str(last), int(row[RECEIVED]), int(row[CLOSED]))
