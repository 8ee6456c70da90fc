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
from datetime import date

import duckdb
import pandas as pd

from data import db
from data.clock import local_datetime, same_time_days_before
from data.holidays import HolidayCalendar
from indicators.day_partials import PART_COLUMNS, DayPartials, day_bounds_s
from indicators.model import IndicatorType
from indicators.periods import Period, PeriodError

VALUE_COLUMNS = ["indicator_id", "level", "unit_code", "value", "numerator", "denominator"]
COMPARISONS = ("previous", "same_last_year", "holiday_aligned")
# The figures of every wanted (indicator, level)'s units: the stored parts of the days and the parts
# computed for this call (read-only store's missing days, today so far) summed; a unit without
# parts counts 0, a ratio of 0 over 0 has no value, an indicator the city lacks has none.
SUMMED_SQL = """
    WITH parts AS (
        SELECT indicator_id, level, unit_code, numerator, denominator FROM indicator_day_partials
        WHERE day IN (SELECT unnest($days)) AND indicator_id IN (SELECT indicator_id FROM _period_wanted)
        UNION ALL
        SELECT indicator_id, level, unit_code, numerator, denominator FROM _period_computed),
    summed AS (
        SELECT indicator_id, level, unit_code, coalesce(sum(numerator), 0) AS n, coalesce(sum(denominator), 0) AS d
        FROM parts GROUP BY ALL)
    SELECT w.indicator_id, u.level, u.code AS unit_code,
           CASE WHEN w.lacking THEN NULL WHEN w.ratio THEN coalesce(s.n, 0) / nullif(coalesce(s.d, 0), 0) * w.scale
                ELSE coalesce(s.n, 0) END::DOUBLE AS value,
           CASE WHEN NOT w.lacking THEN coalesce(s.n, 0) END::DOUBLE AS numerator,
           CASE WHEN w.ratio AND NOT w.lacking THEN coalesce(s.d, 0) END::DOUBLE AS denominator
    FROM _period_wanted w JOIN admin_units u ON u.level = w.level
    LEFT JOIN summed s ON s.indicator_id = w.indicator_id AND s.level = u.level AND s.unit_code = u.code
    WHERE $level IS NULL OR u.level = $level
    ORDER BY w.indicator_id, u.level, u.code"""


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
        ended = [day for day in period.days() if day < today and data[0] <= day <= data[1]]
        stored, computed = self._ended_parts(con, ids, ended)
        if period.contains(today):
            computed = pd.concat([computed, self._today_parts(con, now_s, ids)], ignore_index=True)
        values = self._summed(con, ids, stored, computed, level)
        return PeriodFigures(period, now_s, period.end > today, max(period.start, data[0]), values)

    def compare(self, con: duckdb.DuckDBPyConnection, period: Period, comparison: str, now_s: int,
                ids: list[str] | None = None, level: str | None = None,
                holidays: HolidayCalendar | None = None) -> pd.DataFrame:
        """Return the figures of ``period`` beside those of the period it is compared against: value,
        against (NaN when that period lies before the data), difference, change_pct (NaN against 0),
        the two periods' keys and the day each is counted from. A period not yet ended is compared
        as its part to date: this month so far against as many days of the last one, the last of
        them up to the same clock time as now (so a morning's figures meet a morning's)."""
        today = local_datetime(now_s, self.partials.tz).date()
        current = self.figures(con, period.to_date(today) if period.contains(today) else period, now_s, ids, level)
        against_period = comparison_period(current.period, comparison, holidays)
        try:
            against = self.figures(con, against_period, self._cut_s(current.period, against_period, now_s),
                                   ids, level)
            against_values, against_from = against.values, against.counted_from.isoformat()
        except PeriodRefused:
            against_values, against_from = current.values.iloc[0:0], None
        period = current.period
        merged = current.values.merge(
            against_values[["indicator_id", "unit_code", "value"]].rename(columns={"value": "against"}),
            on=["indicator_id", "unit_code"], how="left")
        merged["difference"] = merged["value"] - merged["against"]
        merged["change_pct"] = merged["difference"] / merged["against"].where(merged["against"] != 0) * 100
        return merged.assign(period=str(period), counted_from=current.counted_from.isoformat(),
                             against_period=str(against_period), against_counted_from=against_from)

    def _cut_s(self, period: Period, against: Period, now_s: int) -> int:
        """Return the instant the compared period is read at: for a period running today, the same
        clock time on the compared period's last day when it has as many days; else ``now_s``."""
        today = local_datetime(now_s, self.partials.tz).date()
        if not period.contains(today) or against.day_count != period.day_count:
            return now_s
        return same_time_days_before(now_s, (today - against.last_day).days, self.partials.tz)

    def _ids(self, ids: list[str] | None) -> list[str]:
        known = self.partials.indicators
        unknown = [i for i in ids or [] if i not in known]
        if unknown:
            raise PeriodError(f"no period views for {unknown}: the catalog declares them for {sorted(known)}")
        return list(ids) if ids else sorted(known)

    def _ended_parts(self, con, ids: list[str], days: list[date]) -> tuple[list[date], pd.DataFrame]:
        """Return the ended days whose parts the store holds up to date, and the parts of the others
        computed here: on a writable store every day is brought up to date (and stored) first; a
        read-only store's missing or stale days are computed without being stored."""
        if not _read_only(con):
            self.partials.refresh_days(con, days)
            return days, pd.DataFrame(columns=PART_COLUMNS)
        stale = self.partials.stale(con, days)
        missing = [day for day in days if set(ids) & stale.get(day, set())]
        computed = self.partials.compute(con, missing, set(ids)) if missing else pd.DataFrame(columns=PART_COLUMNS)
        return [day for day in days if day not in set(missing)], computed

    def _today_parts(self, con, now_s: int, ids: list[str]) -> pd.DataFrame:
        """Return the current day's parts so far (the period indicators over ``today`` at ``now_s``)."""
        day = local_datetime(now_s, self.partials.tz).date()
        if now_s <= day_bounds_s(day, self.partials.tz)[0]:
            return pd.DataFrame(columns=PART_COLUMNS)
        return self.partials.compute_today(con, now_s, set(ids))

    def _summed(self, con, ids: list[str], stored_days: list[date], computed: pd.DataFrame,
                level: str | None) -> pd.DataFrame:
        """Return VALUE_COLUMNS for every unit of each indicator's levels (SUMMED_SQL)."""
        indicators = self.partials.indicators
        wanted = pd.DataFrame([(i, lvl, indicators[i].type == IndicatorType.RATIO, indicators[i].scale,
                                i in self.partials.lacking) for i in ids for lvl in indicators[i].levels],
                              columns=["indicator_id", "level", "ratio", "scale", "lacking"])
        computed = computed[PART_COLUMNS[1:]].astype({"numerator": float, "denominator": float})
        db.register(con, "_period_wanted", wanted)
        db.register(con, "_period_computed", computed)
        try:
            return con.execute(SUMMED_SQL, {"days": stored_days, "level": level}).df()
        finally:
            con.unregister("_period_wanted")
            con.unregister("_period_computed")


def _read_only(con: duckdb.DuckDBPyConnection) -> bool:
    """Return whether the store was opened read-only (the parts it lacks are then computed, not stored)."""
    return con.execute("SELECT current_setting('access_mode')").fetchone()[0] == "read_only"
