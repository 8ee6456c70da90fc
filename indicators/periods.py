"""Calendar periods a leader reads: a day, an ISO week, a month, a quarter, a year, and their
to-date parts (本周/本月/本季/本年累计), with the periods they are compared against.

Pure Python over local calendar dates: no store, no clock. A :class:`Period` is ``kind`` plus its
first day ``start`` (included) and ``end`` (the day after its last day, **excluded**), so a month
is ``[2026-11-01, 2026-12-01)`` and consecutive periods share no day. A period whose ``end`` comes
before the natural end of its kind is *to date* (``Period.parse("2026-11").to_date(date(2026, 11, 7))``
covers 1–7 November). Weeks are ISO weeks (Monday first; week 1 holds the year's first Thursday).

Comparisons:

- :meth:`Period.previous` — 环比: the period just before, of the same kind; a to-date period is
  compared with the same number of days from the previous period's start (capped at its end).
- :meth:`Period.same_last_year` — 同比 by calendar: the same dates a year earlier (ISO week N of
  the previous ISO year; 29 February compares with 28 February).
- :meth:`Period.holiday_aligned_last_year` — 同比 by holiday: a day or week within four weeks of
  a holiday placed at the same distance from last year's occurrence of it (Spring Festival week
  against last year's Spring Festival week); other periods keep the calendar comparison.

``Period.parse`` reads ``2026-11-30``, ``2026-W48``, ``2026-11``, ``2026-Q4``, ``2026`` and a
to-date period as ``<period>~<last day>`` (``2026~2026-11-30``); ``str(period)`` writes the same
text, so a key round-trips through a URL.
"""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Iterator, Protocol

from data.inputs import EARLIEST_DAY, LATEST_DAY


class PeriodKind(StrEnum):
    """The lengths of period a brief or an indicator covers."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class HolidayOccurrences(Protocol):
    """What holiday alignment needs of a holiday calendar (``data.holidays.HolidayCalendar``)."""

    def festival_day(self, holiday: str, year: int) -> date:
        """Return the festival's own day of ``holiday`` in ``year`` (正月初一 for the Spring
        Festival); raise KeyError when the calendar does not know it."""


_QUARTER_ZH = ("一", "二", "三", "四")
# How far from the festival a day or week is still compared with last year's festival (the weeks
# around the Spring Festival: travel home before it, 元宵 after); further away the calendar rules.
ALIGNED_WITHIN_DAYS = 28
_MONTH_EN = tuple(_calendar.month_name)
_KEY_PATTERNS = (
    (PeriodKind.DAY, re.compile(r"(\d{4})-(\d{2})-(\d{2})")),
    (PeriodKind.WEEK, re.compile(r"(\d{4})-W(\d{2})")),
    (PeriodKind.QUARTER, re.compile(r"(\d{4})-Q([1-4])")),
    (PeriodKind.MONTH, re.compile(r"(\d{4})-(\d{2})")),
    (PeriodKind.YEAR, re.compile(r"(\d{4})")),
)


class PeriodError(ValueError):
    """A period text that names no period, or a comparison the calendar cannot make."""


@dataclass(frozen=True, order=True)
class Period:
    """Local days ``[start, end)`` of one ``kind``; ``end`` before the kind's natural end makes it
    a to-date period (see the module docstring)."""

    kind: PeriodKind
    start: date
    end: date

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", PeriodKind(self.kind))
        natural = Period.containing(self.kind, self.start, _check=False)
        if natural.start != self.start or not self.start < self.end <= natural.end:
            raise PeriodError(f"{self.start}..{self.end} is not a {self.kind} or a part of one from its start")

    # ----- making periods -------------------------------------------------------------------
    @staticmethod
    def containing(kind: PeriodKind | str, day: date, _check: bool = True) -> Period:
        """Return the whole period of ``kind`` that holds ``day``."""
        kind = PeriodKind(kind)
        start, end = _natural_bounds(kind, day)
        return Period(kind, start, end) if _check else _unchecked(kind, start, end)

    @staticmethod
    def parse(text: str) -> Period:
        """Return the period a key names (see the module docstring); PeriodError names the text."""
        text = str(text).strip()
        whole, _, through = text.partition("~")
        for kind, pattern in _KEY_PATTERNS:
            match = pattern.fullmatch(whole)
            if match:
                period = _from_match(kind, match, text)
                return period.to_date(_parse_day(through, text)) if through else period
        raise PeriodError(f"{text!r} is not a period: use 2026-11-30, 2026-W48, 2026-11, 2026-Q4 or 2026")

    @staticmethod
    def last_ended(kind: PeriodKind | str, today: date) -> Period:
        """Return the latest whole period of ``kind`` that ended before ``today`` (上周, 上月 …)."""
        return Period.containing(kind, today).previous()

    # ----- what it covers -------------------------------------------------------------------
    @property
    def natural_end(self) -> date:
        """Return the day after the last day of the whole period this one is part of."""
        return _natural_bounds(self.kind, self.start)[1]

    @property
    def is_to_date(self) -> bool:
        """Return whether this is a to-date part, ending before its kind's natural end."""
        return self.end < self.natural_end

    @property
    def last_day(self) -> date:
        """Return the last day the period covers (``end`` minus one day)."""
        return self.end - timedelta(days=1)

    @property
    def day_count(self) -> int:
        """Return how many days the period covers."""
        return (self.end - self.start).days

    def days(self) -> Iterator[date]:
        """Yield each day the period covers, in order."""
        for offset in range(self.day_count):
            yield self.start + timedelta(days=offset)

    def contains(self, day: date) -> bool:
        """Return whether ``day`` lies in the period."""
        return self.start <= day < self.end

    def whole(self) -> Period:
        """Return the whole period this one is part of (itself when it is whole)."""
        return _unchecked(self.kind, self.start, self.natural_end)

    def has_ended(self, today: date) -> bool:
        """Return whether every day of the period lies before ``today`` (the city's local day)."""
        return self.end <= today

    def to_date(self, as_of_day: date) -> Period:
        """Return the part of the period from its start through ``as_of_day`` (included).

        ``as_of_day`` on or after the last day gives the period itself; a day before the start
        raises PeriodError (nothing of the period has happened)."""
        if as_of_day < self.start:
            raise PeriodError(f"{as_of_day} is before {self} begins ({self.start})")
        return _unchecked(self.kind, self.start, min(self.end, as_of_day + timedelta(days=1)))

    # ----- comparisons ----------------------------------------------------------------------
    def next(self) -> Period:
        """Return the whole period just after this one's whole period."""
        return Period.containing(self.kind, self.natural_end)

    def previous(self) -> Period:
        """环比: the period just before; a to-date part gives as many days of the previous one."""
        before = Period.containing(self.kind, self.start - timedelta(days=1))
        return before._same_length_as(self) if self.is_to_date else before

    def same_last_year(self) -> Period:
        """同比 by calendar: the same dates (the same ISO week number) one year earlier."""
        if self.kind == PeriodKind.WEEK:
            year, week, _ = self.start.isocalendar()
            last = _iso_week(year - 1, min(week, _weeks_in_iso_year(year - 1)))
        else:
            last = Period.containing(self.kind, _year_earlier(self.start))
        return last._same_length_as(self) if self.is_to_date else last

    def holiday_aligned_last_year(self, holidays: HolidayOccurrences,
                                  holiday: str = "spring_festival") -> Period:
        """同比 by holiday: the day or week at the same distance from last year's ``holiday``.

        The distance is counted from this period's nearest occurrence of the holiday (the
        festival's own day, which moves less between years than the first day off), in whole
        days for a day and in whole ISO weeks for a week. A day or week more than
        ALIGNED_WITHIN_DAYS from the festival, and months, quarters and years (which hold the
        holiday whichever year it is), keep :meth:`same_last_year`.
        PeriodError when the calendar lacks the years needed."""
        if self.kind not in (PeriodKind.DAY, PeriodKind.WEEK):
            return self.same_last_year()
        this_year, festival = _nearest_occurrence(holidays, holiday, self.start)
        if not -ALIGNED_WITHIN_DAYS <= (self.start - festival).days <= ALIGNED_WITHIN_DAYS:
            return self.same_last_year()
        try:
            last_festival = holidays.festival_day(holiday, this_year - 1)
        except KeyError as missing:
            raise PeriodError(f"the holiday calendar has no {holiday} in {this_year - 1}") from missing
        if self.kind == PeriodKind.DAY:
            return Period.containing(PeriodKind.DAY, last_festival + (self.start - festival))
        weeks = (self.start - Period.containing(PeriodKind.WEEK, festival).start).days // 7
        last = Period.containing(PeriodKind.WEEK, last_festival + timedelta(weeks=weeks))
        return last._same_length_as(self) if self.is_to_date else last

    def _same_length_as(self, other: Period) -> Period:
        """Return this period cut to ``other``'s number of days (never past its own end)."""
        return _unchecked(self.kind, self.start, min(self.end, self.start + timedelta(days=other.day_count)))

    # ----- texts ----------------------------------------------------------------------------
    def __str__(self) -> str:
        key = _whole_key(self.kind, self.start)
        return f"{key}~{self.last_day.isoformat()}" if self.is_to_date else key

    def label(self, lang: str) -> str:
        """Return what a reader calls the period, in ``lang`` ("zh" or "en"): 2026年11月 / November 2026;
        a to-date part adds its last day: 2026年（截至11月30日） / 2026 to 30 November."""
        whole = _whole_label(self.kind, self.start, lang)
        if not self.is_to_date:
            return whole
        last = self.last_day
        if lang == "zh":
            return f"{whole}（截至{last.month}月{last.day}日）"
        return f"{whole} to {last.day} {_MONTH_EN[last.month]}"


def _unchecked(kind: PeriodKind, start: date, end: date) -> Period:
    """Build a Period whose bounds are known to be right, without re-deriving them."""
    period = object.__new__(Period)
    object.__setattr__(period, "kind", kind)
    object.__setattr__(period, "start", start)
    object.__setattr__(period, "end", end)
    return period


def _natural_bounds(kind: PeriodKind, day: date) -> tuple[date, date]:
    """Return ``[start, end)`` of the whole period of ``kind`` holding ``day``."""
    if kind == PeriodKind.DAY:
        return day, day + timedelta(days=1)
    if kind == PeriodKind.WEEK:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    if kind == PeriodKind.MONTH:
        return date(day.year, day.month, 1), _month_start(day.year, day.month + 1)
    if kind == PeriodKind.QUARTER:
        first_month = 3 * ((day.month - 1) // 3) + 1
        return date(day.year, first_month, 1), _month_start(day.year, first_month + 3)
    return date(day.year, 1, 1), date(day.year + 1, 1, 1)


def _month_start(year: int, month: int) -> date:
    """Return the first day of ``month`` of ``year``, a month past December rolling into the next year."""
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def _iso_week(year: int, week: int) -> Period:
    """Return ISO week ``week`` of ISO year ``year``."""
    start = date.fromisocalendar(year, week, 1)
    return _unchecked(PeriodKind.WEEK, start, start + timedelta(days=7))


def _weeks_in_iso_year(year: int) -> int:
    """Return 52 or 53: the ISO week of 28 December, which always lies in the year's last week."""
    return date(year, 12, 28).isocalendar()[1]


def _year_earlier(day: date) -> date:
    """Return the same calendar day a year earlier; 29 February gives 28 February."""
    return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 else day.day)


def _nearest_occurrence(holidays: HolidayOccurrences, holiday: str, day: date) -> tuple[int, date]:
    """Return (year, festival day) of the occurrence of ``holiday`` nearest to ``day``."""
    known = []
    for year in (day.year - 1, day.year, day.year + 1):
        try:
            known.append((year, holidays.festival_day(holiday, year)))
        except KeyError:
            continue
    if not known:
        raise PeriodError(f"the holiday calendar has no {holiday} near {day}")
    return min(known, key=lambda item: abs((item[1] - day).days))


def _from_match(kind: PeriodKind, match: re.Match, text: str) -> Period:
    """Return the whole period a matched key names; PeriodError for a date that does not exist."""
    numbers = [int(group) for group in match.groups()]
    if not EARLIEST_DAY.year <= numbers[0] <= LATEST_DAY.year:
        raise PeriodError(f"{text!r} is not a period: the year must be {EARLIEST_DAY.year} to {LATEST_DAY.year}")
    try:
        if kind == PeriodKind.DAY:
            return Period.containing(kind, date(*numbers))
        if kind == PeriodKind.WEEK:
            return _iso_week(numbers[0], numbers[1])
        if kind == PeriodKind.QUARTER:
            return Period.containing(kind, date(numbers[0], 3 * numbers[1] - 2, 1))
        if kind == PeriodKind.MONTH:
            return Period.containing(kind, date(numbers[0], numbers[1], 1))
        return Period.containing(kind, date(numbers[0], 1, 1))
    except (ValueError, OverflowError) as bad:
        raise PeriodError(f"{text!r} is not a period: {bad}") from bad


def _parse_day(text: str, whole_text: str) -> date:
    """Return the ISO date after ``~`` in a to-date key; PeriodError names the key."""
    try:
        return date.fromisoformat(text)
    except ValueError as bad:
        raise PeriodError(f"{whole_text!r}: {text!r} after '~' is not a day (YYYY-MM-DD)") from bad


def _whole_key(kind: PeriodKind, start: date) -> str:
    """Return the key of the whole period of ``kind`` starting on ``start``."""
    if kind == PeriodKind.DAY:
        return start.isoformat()
    if kind == PeriodKind.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if kind == PeriodKind.MONTH:
        return f"{start.year}-{start.month:02d}"
    if kind == PeriodKind.QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def _whole_label(kind: PeriodKind, start: date, lang: str) -> str:
    """Return the reader's name of the whole period of ``kind`` starting on ``start``."""
    zh = lang == "zh"
    if kind == PeriodKind.DAY:
        return f"{start.year}年{start.month}月{start.day}日" if zh else f"{start.day} {_MONTH_EN[start.month]} {start.year}"
    if kind == PeriodKind.WEEK:
        year, week, _ = start.isocalendar()
        return f"{year}年第{week}周" if zh else f"Week {week}, {year}"
    if kind == PeriodKind.MONTH:
        return f"{start.year}年{start.month}月" if zh else f"{_MONTH_EN[start.month]} {start.year}"
    if kind == PeriodKind.QUARTER:
        quarter = (start.month - 1) // 3
        return f"{start.year}年第{_QUARTER_ZH[quarter]}季度" if zh else f"Q{quarter + 1} {start.year}"
    return f"{start.year}年" if zh else str(start.year)
