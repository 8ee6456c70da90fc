"""City-local days as [start, end) instants: the brief of a day reads nothing at or after ``end``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from data import inputs
from data.clock import utc

DAY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class DaySpan:
    """One local day: its date, the instants of its first and next midnights, and the city's zone."""

    day: date
    start_s: int
    end_s: int
    tz: str

    @property
    def start(self) -> datetime:
        """Return the day's first instant (UTC)."""
        return utc(self.start_s)

    @property
    def end(self) -> datetime:
        """Return the next day's first instant (UTC), excluded from the day."""
        return utc(self.end_s)

    def before(self, days: int) -> "DaySpan":
        """Return the local day ``days`` before this one (not ``days`` × 24 hours: a DST change
        between them makes one of the days 23 or 25 hours long)."""
        return day_span(self.day - timedelta(days=days), self.tz)


def day_span(day: date, tz: str) -> DaySpan:
    """Return the span of ``day`` in the city's time zone (23 or 25 hours across a DST change)."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, datetime.min.time(), zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
    return DaySpan(day, int(start.timestamp()), int(end.timestamp()), tz)


def parse_day(text: str) -> date:
    """Return the date of a YYYY-MM-DD string; ValueError for anything else."""
    if not isinstance(text, str) or not DAY_PATTERN.fullmatch(text):
        raise ValueError("a date is written YYYY-MM-DD")
    return inputs.day(text, "day")       # an InputError (a ValueError) names the bounds


def yesterday(now_s: int, tz: str) -> date:
    """Return the local date before the one of ``now_s`` (the brief's default day)."""
    return datetime.fromtimestamp(now_s, ZoneInfo(tz)).date() - timedelta(days=1)


def day_or_default(text: str | None, now_s: int, tz: str) -> date:
    """Return the requested day, or yesterday when none (or a malformed one) is given."""
    try:
        return parse_day(text) if text else yesterday(now_s, tz)
    except ValueError:
        return yesterday(now_s, tz)
