"""The day's air quality from the national stations: the daily AQI (HJ 633, the same computation as
the catalog's daily AQI indicator: each station's valid daily means first, then the city's mean of
them, HJ 663—2013), its level and primary pollutant, and hours at each level."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from indicators import aqi
from indicators.aqi_values import day_concentrations
from indicators.windows import JUST_BEFORE
from reporting.days import DaySpan

NO_DATA = "no_data"
NATIONAL = "kind = 'air_national' AND quality = 'ok' AND value >= 0"     # the catalog's AQI filter
HOURLY_SQL = """
SELECT hour_s, metric, avg(v) AS v FROM (
  SELECT r.sensor_id, epoch(date_trunc('hour', r.ts)) AS hour_s, r.metric, avg(r.value) AS v
  FROM readings_all r JOIN sensors s USING (sensor_id)
  WHERE s.kind = 'air_national' AND r.quality = 'ok' AND r.value >= 0
    AND r.ts >= $start AND r.ts < $end AND r.metric IN ('so2', 'no2', 'pm10', 'co', 'o3', 'pm25')
  GROUP BY ALL)
GROUP BY ALL ORDER BY hour_s, metric
"""


@dataclass(frozen=True)
class DayAir:
    """The city's air quality over one day."""

    daily: aqi.AqiResult
    hours: int                           # hours of the day
    hours_by_level: tuple[tuple[int, int], ...]   # (AQI level 1..6, hours), levels with hours only
    hours_without_data: int
    peak_hour_aqi: int | None


def hourly_means(con, span: DaySpan) -> pd.DataFrame:
    """Return the city's hourly concentration per pollutant, the mean of its stations' 1-hour values
    (HJ 663—2013): hours as rows, pollutants as columns."""
    rows = con.execute(HOURLY_SQL, {"start": span.start, "end": span.end}).df()
    if rows.empty:
        return pd.DataFrame()
    return rows.pivot(index="hour_s", columns="metric", values="v").sort_index()


def daily_concentrations(con, span: DaySpan) -> dict:
    """Return the city's daily AQI inputs (the catalog's daily AQI computation over the day)."""
    rows = day_concentrations(con, NATIONAL, ("city",), span.start_s - JUST_BEFORE, span.end_s - JUST_BEFORE)
    valid = rows.dropna(subset=["v"])
    return dict(zip(valid["key"], valid["v"].astype(float)))


def hourly_aqi(hourly: pd.DataFrame, span: DaySpan) -> list[int | None]:
    """Return the AQI of each hour with data (1-hour concentrations, as on the overview page)."""
    values = []
    for _, row in hourly.iterrows():
        conc = {f"{m}_1h": (None if pd.isna(row.get(m)) else float(row[m])) for m in aqi.POLLUTANTS if m in row}
        values.append(aqi.aqi(conc, on=span.day, mode="hourly").aqi)
    return values


def day_air(con, span: DaySpan) -> DayAir:
    """Return the day's air quality."""
    hours = (span.end_s - span.start_s) // 3600
    hourly = hourly_means(con, span)
    if hourly.empty:
        return DayAir(aqi.aqi({}, on=span.day, mode="daily"), hours, (), hours, None)
    daily = aqi.aqi(daily_concentrations(con, span), on=span.day, mode="daily")
    per_hour = [v for v in hourly_aqi(hourly, span) if v is not None]
    levels = Counter(aqi.level_of(v)[0] for v in per_hour)
    return DayAir(daily, hours, tuple(sorted(levels.items())), hours - len(per_hour),
                  max(per_hour) if per_hour else None)


def level_names(level: int) -> tuple[str, str, str]:
    """Return (Chinese category, English category, colour) of an AQI level 1..6."""
    upper = next(u for u, lv, *_ in aqi.LEVELS if lv == level)
    _, zh, en, colour = aqi.level_of(upper)
    return zh, en, colour


GOOD_LEVELS = (1, 2)           # 优、良: the "good days" (优良天数) of the national assessment


@dataclass(frozen=True)
class PeriodAir:
    """The air of a brief's period: the whole day's detail for a day brief, and for longer periods
    the daily AQI of each day that has data (good days, worst day)."""

    day: DayAir | None                          # a day brief's detail (so far, while the day runs)
    days: tuple[tuple[str, int], ...]           # (local date, daily AQI) of the period's days with data

    @property
    def daily(self) -> aqi.AqiResult:
        """Return the day's AQI result (a day brief)."""
        return self.day.daily if self.day is not None else aqi.aqi({}, mode="daily")

    @property
    def good_days(self) -> int:
        """Return the days at level 优 or 良."""
        return sum(1 for _, value in self.days if aqi.level_of(value)[0] in GOOD_LEVELS)

    @property
    def worst(self) -> tuple[str, int] | None:
        """Return the day with the highest daily AQI."""
        return max(self.days, key=lambda d: (d[1], d[0])) if self.days else None


def period_air(con, span) -> PeriodAir:
    """Return the air of a brief's span (reporting.span.BriefSpan): the day's detail up to its cut
    for a day, the daily AQI of each ended day for longer periods."""
    if span.kind == "day":
        day = span.day()
        return PeriodAir(day_air(con, DaySpan(day.day, day.start_s, int(min(day.end_s, span.cut_s)), day.tz)), ())
    values = []
    for offset in range(span.period.day_count):
        day = span.day().before(-offset)
        if day.end_s > span.cut_s:
            break
        result = aqi.aqi(daily_concentrations(con, day), on=day.day, mode="daily")
        if result.aqi is not None:
            values.append((day.day.isoformat(), int(result.aqi)))
    return PeriodAir(None, tuple(values))
