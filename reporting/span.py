"""What a brief covers in time: a calendar period (indicators.periods.Period) as instants in the
city's zone, and the instant its figures are read at.

A period that has ended is read at its end; one still running is read *as of now* and marked
provisional (截至 HH:MM，数据未完结), its figures those the live pages show at that instant. A period
that has not begun is refused, and so is one that ended before the store's first case or reading:
a brief of zeros would be read as a quiet day.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from data.clock import local_datetime, utc
from indicators.periods import Period, PeriodError, PeriodKind
from reporting.days import DaySpan, day_span

BRIEF_KINDS = (PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR)
# One microsecond past "now": the live pages count what happened at or before now (<= now); a brief
# reads what happened before its cut (< cut), so the two agree at the same instant.
_JUST_AFTER_S = 1e-6


class BriefRefused(ValueError):
    """A brief that cannot honestly be given: ``reason`` is 'future', 'before_data' or 'kind'."""

    def __init__(self, reason: str, message_zh: str, message_en: str):
        super().__init__(message_en)
        self.reason, self.message_zh, self.message_en = reason, message_zh, message_en

    def message(self, language: str) -> str:
        """Return the refusal in ``language``."""
        return self.message_zh if language == "zh" else self.message_en


@dataclass(frozen=True)
class BriefSpan:
    """A period as instants: ``[start_s, end_s)`` local midnights, read up to ``as_of_s``."""

    period: Period
    tz: str
    start_s: int
    end_s: int
    as_of_s: float               # end_s for an ended period, else the instant it was read at
    data_from_s: float | None = None     # the store's first case or reading (None: not checked)

    @property
    def kind(self) -> str:
        """Return the period's kind (day, week, month, quarter)."""
        return str(self.period.kind)

    @property
    def provisional(self) -> bool:
        """Return True while the period has not ended: its figures will still change."""
        return self.as_of_s < self.end_s

    @property
    def cut_s(self) -> float:
        """Return the instant before which rows are read (just after as-of for a running period)."""
        return self.end_s if not self.provisional else self.as_of_s + _JUST_AFTER_S

    @property
    def cut(self) -> datetime:
        """Return :attr:`cut_s` as an aware UTC datetime (bound as a TIMESTAMPTZ)."""
        return utc(self.cut_s)

    @property
    def start(self) -> datetime:
        """Return the period's first instant (UTC)."""
        return utc(self.start_s)

    @property
    def end(self) -> datetime:
        """Return the instant after the period (UTC), excluded from it."""
        return utc(self.end_s)

    @property
    def first_day(self) -> date:
        """Return the period's first local day."""
        return self.period.start

    def as_of_local(self) -> datetime:
        """Return the as-of instant on the city's wall clock."""
        return local_datetime(self.as_of_s, self.tz)

    def day(self) -> DaySpan:
        """Return the period's first day (the whole period for a day brief)."""
        return day_span(self.period.start, self.tz)

    def before(self, n: int) -> "BriefSpan":
        """Return the whole period ``n`` periods earlier (环比 chain), ended and read at its end."""
        period = self.period.whole()
        for _ in range(n):
            period = period.previous()
        return replace(ended_span(period, self.tz), data_from_s=self.data_from_s)

    def covered(self) -> bool:
        """Return True when the store's data reaches back to the period's start: a period the data
        begins inside would compare as a fall that never happened, so it is no comparison."""
        return self.data_from_s is None or self.start_s >= self.data_from_s


def _midnight_s(day: date, tz: str) -> int:
    return int(datetime.combine(day, time.min, ZoneInfo(tz)).timestamp())


def ended_span(period: Period, tz: str) -> BriefSpan:
    """Return the span of ``period`` read at its end (no clock involved)."""
    start_s, end_s = _midnight_s(period.start, tz), _midnight_s(period.end, tz)
    return BriefSpan(period, tz, start_s, end_s, end_s)


def parse_period(text: str | None) -> Period:
    """Return the period a key names (2026-11-19, 2026-W47, 2026-11, 2026-Q4, 2026); BriefRefused
    for a kind the brief does not cover, PeriodError for text that names no period."""
    period = Period.parse(text or "")
    if period.kind not in BRIEF_KINDS or period.is_to_date:
        raise BriefRefused("kind", "简报按日、周、月、季度、年编制，请写 2026-11-19、2026-W47、2026-11、2026-Q4 或 2026。",
                           "Briefs cover a day, week, month, quarter or year: write 2026-11-19, 2026-W47, 2026-11, "
                           "2026-Q4 or 2026.")
    return period


def brief_span(period: Period, tz: str, now_s: float, first_data_s: float | None) -> BriefSpan:
    """Return the span of ``period`` as of ``now_s``; BriefRefused for a period that has not begun
    or that ended before the store's first data, and a year the data does not cover from its first
    day (an annual brief of some months would read as a quiet year)."""
    span = ended_span(period, tz)
    label_zh, label_en = period.label("zh"), period.label("en")
    if span.start_s > now_s:
        raise BriefRefused("future", f"{label_zh}尚未开始，无法生成简报。",
                           f"{label_en} has not begun yet: there is no brief of it.")
    if first_data_s is None or span.end_s <= first_data_s:
        first = "" if first_data_s is None else local_datetime(first_data_s, tz).date().isoformat()
        return_zh = f"（数据自{first}起）" if first else "（库中尚无数据）"
        return_en = f" (the data begins on {first})" if first else " (the store holds no data yet)"
        raise BriefRefused("before_data", f"{label_zh}早于本系统的数据{return_zh}，无法生成简报。",
                           f"{label_en} is before the data{return_en}: there is no brief of it.")
    if period.kind == PeriodKind.YEAR and span.start_s < first_data_s:
        first = local_datetime(first_data_s, tz).date().isoformat()
        raise BriefRefused("partial_year", f"{label_zh}的数据自{first}起，不足全年，无法生成年报。",
                           f"The data of {label_en} begins on {first}, inside the year: an annual brief needs "
                           "the whole year.")
    return replace(span, as_of_s=float(min(now_s, span.end_s)), data_from_s=first_data_s)


def first_data_s(con) -> float | None:
    """Return the instant of the store's first case or reading (None for an empty store)."""
    row = con.execute("SELECT least((SELECT epoch(min(received_at)) FROM events), "
                      "(SELECT epoch(min(ts)) FROM readings))").fetchone()
    return None if row is None or row[0] is None else float(row[0])


def default_period(kind: str, now_s: float, tz: str) -> Period:
    """Return the latest ended period of ``kind`` (yesterday, last week …): the page's default."""
    return Period.last_ended(kind, local_datetime(now_s, tz).date())


__all__ = ["BRIEF_KINDS", "BriefRefused", "BriefSpan", "PeriodError", "brief_span", "default_period",
           "ended_span", "first_data_s", "parse_period"]
