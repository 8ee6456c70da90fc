"""The Chinese public-holiday calendar: days off (法定节假日) and adjusted workdays (调休上班日).

Read from ``data/calendars/cn_public_holidays.yaml``, one entry per year as the State Council
General Office publishes it, each naming its notice. Validated strictly when loaded (every problem
collected, :class:`HolidayCalendarError` lists them). A day of a year the file does not cover is
refused (:class:`OutsideCalendar`) rather than guessed: a brief cannot call a day a workday when no
notice says so. Used by holiday-aligned 同比 (``indicators.periods``) and by briefs asking whether a
day is a workday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

DEFAULT_PATH = Path(__file__).parent / "calendars" / "cn_public_holidays.yaml"

HOLIDAY_NAMES: dict[str, tuple[str, str]] = {
    "new_year": ("元旦", "New Year's Day"),
    "spring_festival": ("春节", "Spring Festival"),
    "qingming": ("清明节", "Qingming Festival"),
    "labour_day": ("劳动节", "Labour Day"),
    "dragon_boat": ("端午节", "Dragon Boat Festival"),
    "mid_autumn": ("中秋节", "Mid-Autumn Festival"),
    "national_day": ("国庆节", "National Day"),
}
_YEAR_KEYS = {"source", "holidays", "workdays"}
_HOLIDAY_KEYS = {"name", "festival", "days"}


class HolidayCalendarError(ValueError):
    """The calendar file breaks a rule; the message lists every problem found."""


class OutsideCalendar(LookupError):
    """A day of a year the calendar has no published notice for."""


@dataclass(frozen=True)
class Holiday:
    """One holiday of one notice year: the festival's own day and the days off around it."""

    name: str
    year: int
    festival: date
    first_day_off: date
    last_day_off: date

    def label(self, lang: str) -> str:
        """Return the holiday's name in ``lang`` ("zh" or "en")."""
        zh, en = HOLIDAY_NAMES[self.name]
        return zh if lang == "zh" else en

    def days_off(self) -> list[date]:
        """Return every day off the notice gives for the holiday."""
        count = (self.last_day_off - self.first_day_off).days + 1
        return [self.first_day_off + timedelta(days=offset) for offset in range(count)]


@dataclass(frozen=True)
class HolidayCalendar:
    """The validated calendar: holidays and adjusted workdays per notice year, and its sources."""

    holidays: tuple[Holiday, ...]
    workdays: frozenset[date]
    sources: dict[int, str]

    @property
    def years(self) -> tuple[int, ...]:
        """Return the years with a published notice, in order."""
        return tuple(sorted(self.sources))

    def covers(self, day: date) -> bool:
        """Return whether the calendar can say whether ``day`` is a workday."""
        return day.year in self.sources

    def holiday_on(self, day: date) -> Holiday | None:
        """Return the holiday ``day`` is a day off for (the festival's own one when two share
        days, as National Day and Mid-Autumn may), or None."""
        found = [holiday for holiday in self.holidays if holiday.first_day_off <= day <= holiday.last_day_off]
        return min(found, key=lambda holiday: abs((holiday.festival - day).days), default=None)

    def is_workday(self, day: date) -> bool:
        """Return whether ``day`` is a working day: a weekday not off, or an adjusted workday.

        Raises OutsideCalendar for a year the calendar has no notice for."""
        if not self.covers(day):
            raise OutsideCalendar(f"no holiday notice for {day.year} in the calendar (years {self.years})")
        if day in self.workdays:
            return True
        return day.weekday() < 5 and self.holiday_on(day) is None

    def festival_day(self, holiday: str, year: int) -> date:
        """Return the festival's own day of ``holiday`` in ``year``; KeyError when not known."""
        for entry in self.holidays:
            if entry.name == holiday and entry.year == year:
                return entry.festival
        raise KeyError(f"{holiday} {year}")

    def source(self, year: int) -> str:
        """Return the notice a year's days come from."""
        return self.sources[year]


@lru_cache(maxsize=4)
def load(path: Path = DEFAULT_PATH) -> HolidayCalendar:
    """Return the calendar from ``path``, validated; HolidayCalendarError lists every problem."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return parse(raw)


def parse(raw: object) -> HolidayCalendar:
    """Return the calendar from the parsed YAML, collecting every problem before raising."""
    problems: list[str] = []
    if not isinstance(raw, dict) or not raw:
        raise HolidayCalendarError("the holiday calendar must map years to their notice")
    holidays: list[Holiday] = []
    workdays: set[date] = set()
    sources: dict[int, str] = {}
    for year, entry in raw.items():
        if not isinstance(year, int) or not isinstance(entry, dict):
            problems.append(f"{year!r}: a year (2026) mapping to source, holidays and workdays")
            continue
        sources[year] = _source(year, entry, problems)
        holidays += _holidays(year, entry.get("holidays"), problems)
        workdays |= _workdays(year, entry.get("workdays"), problems)
    problems += _clashes(holidays, workdays)
    if problems:
        raise HolidayCalendarError("holiday calendar: " + "; ".join(problems))
    return HolidayCalendar(tuple(holidays), frozenset(workdays), sources)


def _source(year: int, entry: dict, problems: list[str]) -> str:
    """Return a year's source, noting unknown keys and a missing source."""
    unknown = set(entry) - _YEAR_KEYS
    if unknown:
        problems.append(f"{year}: unknown keys {sorted(unknown)} (allowed: {sorted(_YEAR_KEYS)})")
    source = entry.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append(f"{year}: source must name the notice the days come from")
        return ""
    return source


def _holidays(year: int, entries: object, problems: list[str]) -> list[Holiday]:
    """Return a year's holidays, noting every malformed one."""
    if not isinstance(entries, list) or not entries:
        problems.append(f"{year}: holidays must be a non-empty list")
        return []
    found = []
    for entry in entries:
        holiday = _holiday(year, entry, problems)
        if holiday is not None:
            found.append(holiday)
    names = [holiday.name for holiday in found]
    problems += [f"{year}: {name} listed twice" for name in sorted(set(names)) if names.count(name) > 1]
    return found


def _holiday(year: int, entry: object, problems: list[str]) -> Holiday | None:
    """Return one holiday, or None after noting why it is malformed."""
    where = f"{year}: holiday {entry!r}"
    if not isinstance(entry, dict) or set(entry) != _HOLIDAY_KEYS:
        problems.append(f"{where} must have exactly the keys {sorted(_HOLIDAY_KEYS)}")
        return None
    name, festival, days = entry["name"], entry["festival"], entry["days"]
    if name not in HOLIDAY_NAMES:
        problems.append(f"{where}: name must be one of {sorted(HOLIDAY_NAMES)}")
        return None
    if not (isinstance(festival, date) and isinstance(days, list) and len(days) == 2
            and all(isinstance(day, date) for day in days)):
        problems.append(f"{where}: festival must be a date and days [first, last] two dates")
        return None
    first, last = days
    if not first <= festival <= last or festival.year != year or (last - first).days > 10:
        problems.append(f"{where}: the festival must lie in {year} within days, at most 11 days")
        return None
    return Holiday(name, year, festival, first, last)


def _workdays(year: int, entries: object, problems: list[str]) -> set[date]:
    """Return a year's adjusted workdays; each must be a Saturday or Sunday of that year."""
    if entries is None:
        return set()
    if not isinstance(entries, list) or not all(isinstance(day, date) for day in entries):
        problems.append(f"{year}: workdays must be a list of dates")
        return set()
    for day in entries:
        if day.year != year or day.weekday() < 5:
            problems.append(f"{year}: workday {day} must be a Saturday or Sunday of {year}")
    return set(entries)


def _clashes(holidays: list[Holiday], workdays: set[date]) -> list[str]:
    """Return a problem for each adjusted workday that is also a day off."""
    return [f"{day} is both a workday and a day off of {holiday.name} {holiday.year}"
            for holiday in holidays for day in holiday.days_off() if day in workdays]
