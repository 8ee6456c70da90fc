"""Period figures: an indicator's value over a week, month, quarter or year (or to date), and its
同比 and 环比, summed from the daily partials (``indicators.day_partials``).

A period's figure at an instant ``now_s`` is the sum of the parts of its ended days (read from the
store, never from the cases) plus, when the period holds the city's current day, that day's
parts so far (the same indicators over ``today`` at ``now_s``, what the live pages show). A ratio
is its summed numerator over its summed denominator (times its scale). The figure of a period
that has not ended is *provisional*; a period that begins after ``now_s``'s day is refused, and so
is one that ends before the first day with data (:class:`PeriodRefused`); a period that begins
before the data says from which day it counts (``PeriodFigures.counted_from``).

Comparisons (``COMPARISONS``): ``previous`` (环比), ``same_last_year`` (同比 by calendar) and
``holiday_aligned`` (同比 with the Spring Festival's days, ``data.holidays``), each a period of
``indicators.periods`` computed the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from data.clock import local_datetime
from data.holidays import HolidayCalendar
from indicators.day_partials import DayPartials, day_bounds_s
from indicators.model import IndicatorType
from indicators.periods import Period, PeriodError

VALUE_COLUMNS = ["indicator_id", "level", "unit_code", "value", "numerator", "denominator"]
COMPARISONS = ("previous", "same_last_year", "holiday_aligned")


class PeriodRefused(PeriodError):
    """A period the data cannot give figures for: it has not begun, or it ended before the data."""


@dataclass(frozen=True)
class PeriodFigures:
    """The figures of one period at an instant, per indicator and unit (VALUE_COLUMNS)."""

    period: Period
    as_of_s: int
    provisional: bool           # the period had not ended at as_of_s: its figures will still grow
    counted_from: date          # the period's first day, or the first day with data when later
    values: pd.DataFrame


def comparison_period(period: Period, comparison: str, holidays: HolidayCalendar | None = None) -> Period:
    """Return the period ``period`` is compared against (a name of COMPARISONS)."""
    if comparison == "previous":
        return period.previous()
    if comparison == "same_last_year":
        return period.same_last_year()
    if comparison == "holiday_aligned":
        if holidays is None:
            raise PeriodError("holiday alignment needs the holiday calendar")
        return period.holiday_aligned_last_year(holidays)
    raise PeriodError(f"unknown comparison {comparison!r}: choose from {', '.join(COMPARISONS)}")


class PeriodValues:
    """Period figures of a catalog's period indicators on one store."""

    def __init__(self, partials: DayPartials):
        self.partials = partials

    def figures(self, con: duckdb.DuckDBPyConnection, period: Period, now_s: int,
                ids: list[str] | None = None, level: str | None = None) -> PeriodFigures:
        """Return the figures of ``period`` at ``now_s`` (see the module docstring)."""
        ids = self._ids(ids)
        today = local_datetime(now_s, self.partials.tz).date()
        if period.start > today:
            raise PeriodRefused(f"{period} has not begun: the city's date is {today}")
        data = self.partials.data_days(con)
        if data is None or period.end <= data[0]:
            raise PeriodRefused(f"{period} ends before the data begins ({data[0] if data else 'no data'})")
        ended_end = min(period.end, today)
        parts = [self._ended_parts(con, ids, period.start, ended_end, level)]
        if period.contains(today):
            parts.append(self._today_parts(con, now_s, ids, level))
        present = [part for part in parts if len(part)]
        values = self._values(pd.concat(present, ignore_index=True) if present else pd.DataFrame())
        return PeriodFigures(period, now_s, period.end > today, max(period.start, data[0]), values)

    def compare(self, con: duckdb.DuckDBPyConnection, period: Period, comparison: str, now_s: int,
                ids: list[str] | None = None, level: str | None = None,
                holidays: HolidayCalendar | None = None) -> pd.DataFrame:
        """Return the figures of ``period`` beside those of the period it is compared against: value,
        against (NaN when that period lies before the data), difference, change_pct (NaN against 0),
        the two periods' keys and the day each is counted from. A period not yet ended is compared
        as its part to date (this month so far against as many days of the last one)."""
        today = local_datetime(now_s, self.partials.tz).date()
        if period.contains(today):
            period = period.to_date(today)
        current = self.figures(con, period, now_s, ids, level)
        against_period = comparison_period(period, comparison, holidays)
        try:
            against = self.figures(con, against_period, now_s, ids, level)
            against_values, against_from = against.values, against.counted_from.isoformat()
        except PeriodRefused:
            against_values, against_from = current.values.iloc[0:0], None
        merged = current.values.merge(
            against_values[["indicator_id", "unit_code", "value"]].rename(columns={"value": "against"}),
            on=["indicator_id", "unit_code"], how="left")
        merged["difference"] = merged["value"] - merged["against"]
        merged["change_pct"] = merged["difference"] / merged["against"].where(merged["against"] != 0) * 100
        return merged.assign(period=str(period), counted_from=current.counted_from.isoformat(),
                             against_period=str(against_period), against_counted_from=against_from)

    def _ids(self, ids: list[str] | None) -> list[str]:
        known = self.partials.indicators
        unknown = [i for i in ids or [] if i not in known]
        if unknown:
            raise PeriodError(f"no period views for {unknown}: the catalog declares them for {sorted(known)}")
        return list(ids) if ids else sorted(known)

    def _ended_parts(self, con, ids: list[str], first: date, end: date, level: str | None) -> pd.DataFrame:
        """Return the parts of the ended days [first, end) summed per unit: stored ones, and those a
        read-only store lacks (or holds stale) computed here without being stored."""
        if end <= first:
            return pd.DataFrame()
        days = [first + timedelta(days=n) for n in range((end - first).days)]
        data = self.partials.data_days(con)
        days = [day for day in days if data[0] <= day <= data[1]]
        if not _read_only(con):
            self.partials.refresh_days(con, days)
            return self.partials.read(con, ids, days, level)
        stale = self.partials.stale(con, days)
        fresh_days = [day for day in days if not set(ids) & stale.get(day, set())]
        stored = self.partials.read(con, ids, fresh_days, level)
        computed = [self.partials.compute(con, day, set(ids)) for day in days if day not in set(fresh_days)]
        return pd.concat([stored, *[_level(c, level) for c in computed]], ignore_index=True)

    def _today_parts(self, con, now_s: int, ids: list[str], level: str | None) -> pd.DataFrame:
        """Return the current day's parts so far (the period indicators over ``today`` at ``now_s``)."""
        day = local_datetime(now_s, self.partials.tz).date()
        if now_s <= day_bounds_s(day, self.partials.tz)[0]:
            return pd.DataFrame()
        return _level(self.partials.compute_today(con, now_s, set(ids)), level)

    def _values(self, parts: pd.DataFrame) -> pd.DataFrame:
        """Return the summed parts per unit with each indicator's value (a ratio divided and scaled)."""
        if parts.empty:
            return pd.DataFrame(columns=VALUE_COLUMNS)
        summed = parts.groupby(["indicator_id", "level", "unit_code"], as_index=False, sort=True).agg(
            numerator=("numerator", lambda x: x.sum(min_count=1)),
            denominator=("denominator", lambda x: x.sum(min_count=1)))
        indicators = self.partials.indicators
        ratio = summed["indicator_id"].map(lambda i: indicators[i].type == IndicatorType.RATIO).to_numpy(bool)
        scale = summed["indicator_id"].map(lambda i: indicators[i].scale).to_numpy(float)
        denominator = summed["denominator"].to_numpy(float)
        divided = summed["numerator"].to_numpy(float) / np.where(denominator == 0, np.nan, denominator) * scale
        summed["value"] = np.where(ratio, divided, summed["numerator"].to_numpy(float))
        return summed[VALUE_COLUMNS]


def _level(parts: pd.DataFrame, level: str | None) -> pd.DataFrame:
    return parts if level is None or parts.empty else parts[parts["level"] == level]


def _read_only(con: duckdb.DuckDBPyConnection) -> bool:
    """Return whether the store was opened read-only (the parts it lacks are then computed, not stored)."""
    return con.execute("SELECT current_setting('access_mode')").fetchone()[0] == "read_only"
