"""The server's indicator refresh loop: latest values every cadence, hourly snapshots on the hour.

Runs as a thread in the server process with its own cursor. On start it fills in the
hourly snapshots missing from the last ``backfill_hours`` hours, oldest first (listeners such
as the alert evaluator see time move forward), so the screens have a recent history at once;
every tick then refreshes the latest values and
takes the snapshot of any hour boundary passed since the previous tick. Between snapshots a
tick recomputes only the indicators whose cadence (60 s, 5 min, 1 h ...) has elapsed; the
others keep their latest values. A derived indicator goes with its input when that is slower.

Live instants fall on multiples of the interval (15:37:00, not 15:37:23), so the next one is
known: after each tick a second thread computes the next instant's 7-day baselines (they read
only day-old rows), and the tick itself computes just the values.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable

import duckdb

from data import db, progress, thread_cpu
from data.background import PeriodicJob
from data.clock import HOUR_S, local_datetime, utc
from indicators.catalog import Catalog
from indicators.day_partials import CHUNK_DAYS, DayPartials
from indicators.engine import Engine
from indicators.model import IndicatorType
from indicators.refresh import LastStoredValues, RefreshSummary, refresh, snapshot_hours

# Called after every refresh (hourly snapshots first, oldest first, then the live one), in the
# scheduler's thread with its cursor: listener(cursor, summary). The alert evaluator is one.
RefreshListener = Callable[[duckdb.DuckDBPyConnection, RefreshSummary], None]

log = logging.getLogger(__name__)
# Daily partials (indicators/day_partials.py) computed per tick at most, newest day first: the day
# that just ended, days late data reached back into, or a month of a store built without them (one
# statement per source), without holding the refresh up for long.
PARTIAL_DAYS_PER_TICK = CHUNK_DAYS


def refresh_cadences(catalog: Catalog) -> dict[str, int]:
    """Return every indicator's refresh cadence in seconds: its own, except that a derived indicator
    refreshes with its input when that is slower (a rate per 10,000 residents of a 30-day count
    changes when the count does: recomputing it every minute recomputed the 30-day window).

    So a derived value's instant is always its input's, and ``cli.py refresh --at`` that instant
    gives the same value."""
    return {i.id: max(i.cadence_s, catalog[i.input].cadence_s) if i.type == IndicatorType.DERIVED else i.cadence_s
            for i in catalog.indicators}


class IndicatorScheduler:
    """Refreshes indicators every ``interval_s`` seconds in a daemon thread."""

    def __init__(self, con: duckdb.DuckDBPyConnection, engine: Engine, interval_s: float = 60.0,
                 now: Callable[[], float] = time.time, backfill_hours: int = 6,
                 listeners: tuple[RefreshListener, ...] = ()):
        self._cursor = con.cursor()
        self._ahead_cursor = con.cursor()         # the baselines prepared ahead, in their own thread
        self._ahead_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="indicator-ahead")
        self._ahead: Future | None = None
        self._listeners = listeners
        self._engine = engine
        self._interval_s = interval_s
        self._now = now
        self._backfill_hours = backfill_hours
        self._job = PeriodicJob("indicator-refresh", self.tick, interval_s)
        self._backfill_started = time.perf_counter()
        self._last_s: int | None = None
        self._last_run: dict[int, int] = {}       # cadence (s) -> when its indicators last ran
        self._cadences = refresh_cadences(engine.catalog)
        self._memo = LastStoredValues()           # what the last refresh stored, to find the next one's changes
        self._partials = DayPartials(engine.catalog, engine.tz)

    def tick(self) -> int:
        """Take missed hourly snapshots, then refresh the latest values; return refreshes done."""
        self.wait_ahead()
        now_s = self._instant(self._now())
        self._backfill_started = time.perf_counter()
        since = self._last_s if self._last_s is not None else now_s - self._backfill_hours * HOUR_S - 1
        # an instant on the hour is itself a snapshot: the live refresh takes it
        missing = [h for h in snapshot_hours(since, now_s) if h != now_s and not self._has_snapshot(h)]
        done = []
        for hour in sorted(missing):
            if self._job.stopping:           # at SIGTERM: the snapshots taken so far are whole; stop here
                return len(done)
            self._refresh(hour, kind="snapshot", snapshot=True)
            done.append(hour)
            if len(missing) > 1:
                progress.log_step(log, "hourly snapshots missed", len(done), len(missing), self._backfill_started,
                                  detail=utc(hour).isoformat())
        if missing:
            self._ran_all(max(missing))
        due = self._due(now_s)
        summary = self._refresh(now_s, kind="live", snapshot=None, only=due)
        self._ran(due, now_s)
        log.info("indicators refreshed: %d values of %d indicators in %.2f s (%d snapshots)",
                 summary.values, summary.indicators, summary.seconds, len(missing))
        self._last_s = now_s
        self._keep_partials(now_s)
        self._prepare_ahead(now_s)
        return len(missing) + 1

    def _keep_partials(self, now_s: int) -> None:
        """Store the daily partials of the ended days that lack them or hold stale ones (late data)."""
        yesterday = local_datetime(now_s, self._engine.tz).date().toordinal() - 1
        try:
            self._partials.bring_up_to_date(self._cursor, date.fromordinal(yesterday), limit=PARTIAL_DAYS_PER_TICK)
        except Exception as exc:
            db.log_failure(log, exc, "storing the daily partials failed at %s; the next tick tries again", now_s)

    def _instant(self, clock_s: float) -> int:
        """Return the live instant of a tick at ``clock_s``: the last multiple of the interval."""
        step = max(1, int(self._interval_s))
        return int(clock_s) // step * step

    def _prepare_ahead(self, now_s: int) -> None:
        """Start computing, in the second thread, the baselines of the next tick's instant (the job
        steps on the multiples of the interval, so the next tick is at the next one after now)."""
        step = max(1, int(self._interval_s))
        next_s = max(self._instant(self._now()) + step, now_s + step)
        self._ahead = self._ahead_pool.submit(self._engine.prepare_baselines, self._ahead_cursor, next_s,
                                              self._due(next_s))

    def wait_ahead(self) -> int:
        """Wait for the baselines being prepared ahead, if any; return how many indicators' were."""
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return 0
        try:
            return ahead.result()
        except Exception:
            log.exception("preparing the next tick's baselines failed; the tick computes them")
            return 0

    def _due(self, now_s: int) -> set[str] | None:
        """Return the indicators whose cadence has elapsed since they last ran (None: all of them,
        as on the hour, when the snapshot covers the whole catalog)."""
        if not self._last_run or now_s % HOUR_S == 0:
            return None
        slack = self._interval_s / 2          # a tick a little early still counts
        due = {i for i, cadence in self._cadences.items()
               if now_s - self._last_run.get(cadence, -10**12) >= cadence - slack}
        return due if len(due) < len(self._engine.catalog) else None

    def _ran(self, due: set[str] | None, at_s: int) -> None:
        cadences = {c for i, c in self._cadences.items() if due is None or i in due}
        self._last_run.update({c: at_s for c in cadences})

    def _ran_all(self, at_s: int) -> None:
        self._last_run.update({c: at_s for c in self._cadences.values()})

    def _refresh(self, at_s: int, kind: str, snapshot: bool | None, only: set[str] | None = None) -> RefreshSummary:
        summary = refresh(self._cursor, self._engine, at_s, kind=kind, snapshot=snapshot, only=only, memo=self._memo)
        for listener in self._listeners:
            try:
                with thread_cpu.section(listener.__module__):
                    listener(self._cursor, summary)
            except duckdb.InterruptException:
                log.info("a refresh listener was interrupted at stop (its transaction rolled back) at %s", at_s)
            except Exception as exc:
                if db.is_write_failure(exc):        # a full disk: one line, as for the refresh itself
                    log.error("a refresh listener could not write the store at %s (%s); nothing of it was kept",
                              at_s, exc)
                else:
                    log.exception("a refresh listener failed at %s", at_s)
        return summary

    def _has_snapshot(self, hour_s: int) -> bool:
        at = utc(hour_s)
        return self._cursor.execute("SELECT count(*) FROM indicator_runs WHERE as_of = ? AND kind = 'snapshot'",
                                    [at]).fetchone()[0] > 0

    def start(self) -> None:
        """Start refreshing in a daemon thread."""
        self._job.start()

    def stop(self, timeout: float = 30.0) -> bool:
        """Ask the thread to stop and wait for it (and for the baselines being prepared ahead); a refresh
        still running after ``timeout`` is interrupted (its transaction rolls back). Return whether it ended."""
        ended = self._job.stop(timeout, interrupt=self._interrupt)
        self._ahead_pool.shutdown(wait=True, cancel_futures=True)
        return ended

    def _interrupt(self) -> None:
        """Interrupt the running refresh and the baselines being prepared: their transactions roll back."""
        self._cursor.interrupt()
        self._ahead_cursor.interrupt()
