"""Daily partials: each ended day's additive parts of the indicators with period views.

A week, month, quarter or year of an indicator declaring ``periods`` (a count, a sum or a ratio of
them over ``today``, ``Indicator.summable_by_day``) is the sum of its days: counts and sums add
up, a ratio is its summed numerator over its summed denominator. Each ended local day's parts are
computed once, per unit of the levels city, district and street: the indicator over that whole
day with each case's state (accepted in time, closed) as it was when the day ended, which is what
the engine gives for the day evaluated at its end; ``indicators.day_parts_sql`` computes a month
of days in one statement. The current day's part is the engine's own value over ``today`` at the
instant asked, what the live pages show. The parts are stored in
``indicator_day_partials`` (migration 0030) with, per day and indicator, the data version they
were computed from: the writes that reached back before the day's end (``data.versions``), so data
arriving late for a day has that day computed again, and nothing else does.

:class:`DayPartials` brings the table up to date (:meth:`DayPartials.bring_up_to_date`, called by
the refresh loop when a day ends and by ``cli.py indicators partials``) and reads a span of days
(:meth:`DayPartials.read`); ``indicators.period_values`` turns them into period figures.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, timedelta
from typing import Callable

import duckdb
import numpy as np
import pandas as pd

from data import db
from data.clock import local_day_bounds, local_datetime, now_utc, utc
from indicators.catalog import Catalog
from indicators.engine import Engine
from indicators.model import Direction, Indicator, IndicatorType, Thresholds, Window
from indicators.day_parts_sql import PART_LEVELS as PARTIAL_LEVELS, days_sql, part_label
from indicators.sources import SOURCES

PARTIAL_FAMILIES = ("events", "readings", "geometry")   # the data a day's parts are computed from
PART_COLUMNS = ["day", "indicator_id", "level", "unit_code", "numerator", "denominator"]
CHUNK_DAYS = 31                                         # ended days computed in one statement per source
_EPOCH_DAY = date(1970, 1, 1)


def day_indicator(indicator: Indicator, window: Window = Window.YESTERDAY) -> Indicator:
    """Return the indicator over one whole day, as a day's part: window ``yesterday`` (evaluated at
    the day's end; ``today`` for the current day so far), the partial levels only, no thresholds,
    target or baseline to compute."""
    levels = tuple(level for level in indicator.levels if level in PARTIAL_LEVELS)
    return replace(indicator, window=window, levels=levels, thresholds=Thresholds(), target=None,
                   target_kind="none", direction=Direction.NEUTRAL)


def definition_digest(indicator: Indicator) -> str:
    """Return a short digest of what computes the indicator's stored day parts: the statement of its
    ended days' parts (its source's relation, time column, aggregates, filters and expressions, a
    denominator or none) and the levels its parts are kept at. An edit to any of them has the stored
    days computed again. Its names, definitions, unit, department, thresholds, target, scale (applied
    when the parts are read) and period kinds compute no part: editing them keeps the stored days."""
    day = day_indicator(indicator)
    statement = days_sql([day], day.source, day.time_column or SOURCES[day.source].default_time_column)
    return hashlib.sha256(f"{statement}\nlevels: {' '.join(day.levels)}".encode()).hexdigest()[:16]


def day_bounds_s(day: date, tz: str) -> tuple[int, int]:
    """Return the epoch seconds of a local day's first instant and of the next day's."""
    return local_day_bounds((day - _EPOCH_DAY).days, tz)


class DayPartials:
    """The daily partials of a catalog's period indicators: computing, storing and reading them."""

    def __init__(self, catalog: Catalog, tz: str):
        self.tz = tz
        self.indicators = {ind.id: ind for ind in catalog.indicators if ind.periods}
        self.lacking = {key: value for key, value in catalog.lacking.items() if key in self.indicators}
        self.live = Engine(Catalog(tuple(day_indicator(ind, Window.TODAY) for ind in self.indicators.values()),
                                   catalog.domains, self.lacking), tz)
        self.digests = {ind.id: definition_digest(ind) for ind in self.indicators.values()}

    # ----- computing ------------------------------------------------------------------------
    def compute(self, con: duckdb.DuckDBPyConnection, days: list[date], only: set[str] | None = None) -> pd.DataFrame:
        """Return the parts (PART_COLUMNS) of ended ``days`` of the period indicators (or of ``only``):
        one statement per source and time column over the days' span (``indicators.day_parts_sql``).
        A unit without rows on a day has no row; an indicator the city lacks has none at all."""
        wanted = [ind for ind_id, ind in sorted(self.indicators.items())
                  if (only is None or ind_id in only) and ind_id not in self.lacking]
        groups: dict[tuple[str, str], list[Indicator]] = {}
        for ind in wanted:
            groups.setdefault((ind.source, ind.time_column or SOURCES[ind.source].default_time_column), []).append(ind)
        params = {"first": min(days), "end": max(days) + timedelta(days=1), "tz": self.tz} if days else {}
        frames = [_long_parts(con.execute(days_sql(group, source, column), params).df(), group, set(days))
                  for (source, column), group in groups.items()]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PART_COLUMNS)

    def compute_today(self, con: duckdb.DuckDBPyConnection, now_s: int, only: set[str] | None = None) -> pd.DataFrame:
        """Return the current day's parts so far at ``now_s``: the indicators over ``today`` computed
        by the engine at that instant, as the live pages compute them."""
        wanted = set(self.indicators) if only is None else set(only) & set(self.indicators)
        if not wanted:
            return pd.DataFrame(columns=PART_COLUMNS)
        values = self.live.evaluate(con, now_s, only=wanted)
        values = values[values["indicator_id"].isin(wanted)]
        ratio = values["indicator_id"].map(lambda i: self.indicators[i].type == IndicatorType.RATIO).to_numpy(bool)
        return pd.DataFrame({
            "day": [local_datetime(now_s, self.tz).date()] * len(values),
            "indicator_id": values["indicator_id"].to_numpy(), "level": values["level"].to_numpy(),
            "unit_code": values["unit_code"].to_numpy(),
            "numerator": np.where(ratio, values["numerator"].to_numpy(float), values["value"].to_numpy(float)),
            "denominator": np.where(ratio, values["denominator"].to_numpy(float), np.nan),
        })

    def data_days(self, con: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
        """Return the first and last local day holding rows of the period indicators' sources."""
        found = []
        for table, column in sorted({(SOURCES[i.source].table, SOURCES[i.source].default_time_column)
                                     for i in self.indicators.values()}):
            found += con.execute(f"SELECT min({column}), max({column}) FROM {table}").fetchall()
        firsts, lasts = [row[0] for row in found if row[0]], [row[1] for row in found if row[1]]
        if not firsts:
            return None
        return (local_datetime(min(firsts).timestamp(), self.tz).date(),
                local_datetime(max(lasts).timestamp(), self.tz).date())

    # ----- keeping them up to date ----------------------------------------------------------
    def stale(self, con: duckdb.DuckDBPyConnection, days: list[date],
              current: dict[date, int] | None = None) -> dict[date, set[str]]:
        """Return, per day, the period indicators whose stored parts are missing, were computed from
        an older data version (late data reached back into the day) or from another definition;
        ``current`` is the days' data versions when the caller has them already."""
        if not days:
            return {}
        current = current if current is not None else self.data_versions(con, days)
        stored = con.execute("""SELECT day, indicator_id, data_version, definition FROM indicator_partial_days
                                WHERE day BETWEEN ? AND ?""", [min(days), max(days)]).fetchall()
        good = {(day, ind) for day, ind, version, digest in stored
                if version == current.get(day) and digest == self.digests.get(ind)}
        stale = {day: {ind for ind in self.indicators if (day, ind) not in good} for day in days}
        return {day: ids for day, ids in stale.items() if ids}

    def data_versions(self, con: duckdb.DuckDBPyConnection, days: list[date]) -> dict[date, int]:
        """Return, per day, the number of writes of PARTIAL_FAMILIES that may have altered data before
        the day's end: what the day's parts depend on (one query for all the days)."""
        ends = [utc(day_bounds_s(day, self.tz)[1]) for day in days]
        rows = con.execute("""
            SELECT d.day, coalesce(sum(c.changes), 0)::BIGINT
            FROM (SELECT unnest($days) AS day, unnest($ends) AS day_end) d
            LEFT JOIN data_changes c ON c.family IN (SELECT unnest($families))
                 AND (c.earliest_at IS NULL OR c.earliest_at < d.day_end)
            GROUP BY d.day""", {"days": days, "ends": ends, "families": list(PARTIAL_FAMILIES)}).fetchall()
        return {day: int(version) for day, version in rows}

    def bring_up_to_date(self, con: duckdb.DuckDBPyConnection, through: date, limit: int | None = None,
                         progress: Callable[[int, int], None] | None = None) -> int:
        """Compute and store the parts missing or stale of every day with data up to ``through``
        (included); return the days written (at most ``limit``, the newest first)."""
        span = self.data_days(con)
        if span is None:
            return 0
        return self.refresh_days(con, _days(span[0], min(through, span[1])), limit, progress)

    def refresh_days(self, con: duckdb.DuckDBPyConnection, days: list[date], limit: int | None = None,
                     progress: Callable[[int, int], None] | None = None) -> int:
        """Compute and store the parts of ``days`` (ended days) that are missing or stale; return the
        days written (at most ``limit``, the newest first). Days are computed CHUNK_DAYS at a time,
        each chunk stored in its own transaction, so an interrupted run keeps the chunks it finished."""
        if not days or not self.indicators:
            return 0
        versions = self.data_versions(con, days)          # read before computing: a write meanwhile makes it stale
        stale = sorted(self.stale(con, days, versions), reverse=True)[:limit]
        for first in range(0, len(stale), CHUNK_DAYS):
            chunk = stale[first:first + CHUNK_DAYS]
            self.store(con, chunk, self.compute(con, chunk), {day: versions[day] for day in chunk})
            if progress:
                progress(min(first + CHUNK_DAYS, len(stale)), len(stale))
        return len(stale)

    def store(self, con: duckdb.DuckDBPyConnection, days: list[date], parts: pd.DataFrame,
              versions: dict[date, int]) -> None:
        """Replace every period indicator's parts on ``days`` with ``parts``, computed from the data
        ``versions`` of those days."""
        ids = sorted(self.indicators)
        stamps = pd.DataFrame([(day, ind, versions[day], self.digests[ind]) for day in days for ind in ids],
                              columns=["day", "indicator_id", "data_version", "definition"])
        stamps["computed_at"] = now_utc()
        with db.transaction(con):
            for table in ("indicator_day_partials", "indicator_partial_days"):
                con.execute(f"DELETE FROM {table} WHERE day IN (SELECT unnest(?))", [list(days)])
            db.register(con, "_new_parts", parts[PART_COLUMNS])
            db.register(con, "_new_stamps", stamps)
            con.execute("INSERT INTO indicator_day_partials SELECT * FROM _new_parts")
            con.execute("INSERT INTO indicator_partial_days SELECT * FROM _new_stamps")
            con.unregister("_new_parts")
            con.unregister("_new_stamps")

    # ----- reading --------------------------------------------------------------------------
    def read(self, con: duckdb.DuckDBPyConnection, ids: list[str], days: list[date],
             level: str | None = None) -> pd.DataFrame:
        """Return the stored parts of ``ids`` on ``days`` summed per unit (indicator_id, level,
        unit_code, numerator, denominator, days: how many of the days had parts)."""
        return con.execute("""
            SELECT indicator_id, level, unit_code, sum(numerator) AS numerator, sum(denominator) AS denominator,
                   count(*) AS days
            FROM indicator_day_partials
            WHERE day IN (SELECT unnest($days)) AND indicator_id IN (SELECT unnest($ids))
              AND ($level IS NULL OR level = $level)
            GROUP BY ALL ORDER BY indicator_id, level, unit_code""",
                           {"days": list(days), "ids": list(ids), "level": level}).df()


def _long_parts(wide: pd.DataFrame, indicators: list[Indicator], days: set[date]) -> pd.DataFrame:
    """Return one statement's result (a row per day and unit, a column per measure) as PART_COLUMNS
    rows of the wanted ``days``, each indicator at its own levels."""
    wide = wide[wide["unit_code"].notna() & pd.Series([day in days for day in wide["day"].dt.date], index=wide.index)]
    frames = []
    for ind in indicators:
        rows = wide[wide["level"].isin(ind.levels)]
        denominator = rows.get(part_label(ind.id, "d"), pd.Series(np.nan, index=rows.index))
        frames.append(pd.DataFrame({"day": rows["day"].dt.date, "indicator_id": ind.id, "level": rows["level"],
                                    "unit_code": rows["unit_code"], "numerator": rows[part_label(ind.id, "n")],
                                    "denominator": denominator}, columns=PART_COLUMNS))
    return pd.concat(frames, ignore_index=True).astype({"numerator": float, "denominator": float})


def _days(first: date, last: date) -> list[date]:
    """Return every day from ``first`` to ``last``, both included."""
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
