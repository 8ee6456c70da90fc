"""The live simulator: keeps a demo city moving while the server runs.

On start it fills the gap between the data's last instant and now, then on every tick it
plays out planned case life cycles (accepted, dispatched, resolved, closed) whose time
has come, appends the events and readings generated for the interval since the last
tick, and dispatches and moves the demo's work orders (data/demo/orders.py). Each tick is one transaction. It runs as a thread in the server process with its
own cursor, as the store's one-writer rule requires.
"""

from __future__ import annotations

import logging
import time
from typing import Callable

import duckdb

from data import db, progress, versions
from data.background import PeriodicJob
from data.clock import utc
from data.db import transaction
from data.demo import build, clock, demo_roster
from data.demo import orders as demo_orders

log = logging.getLogger(__name__)
STAGES = ("accepted", "dispatched", "resolved", "closed")


def advance_plans(con: duckdb.DuckDBPyConnection, from_s: int, to_s: int, batch_id: int) -> int:
    """Apply planned stages falling in (from_s, to_s] to events; return stages applied.

    Before a case moves to its next stage, its current state joins ``event_versions`` (the view
    ``event_history`` shows both), so the history holds every stage, the current one in ``events``.
    """
    bounds = [utc(from_s), utc(to_s)]
    applied = 0
    for stage in STAGES:
        applied += con.execute(
            f"""INSERT INTO event_versions (source, event_id, status, updated_at, handling_level, department, satisfaction, batch_id)
                SELECT e.source, e.event_id, e.status, e.updated_at, e.handling_level, e.department, e.satisfaction,
                       e.batch_id
                FROM demo_event_plans p JOIN events e USING (source, event_id)
                WHERE p.{stage}_at > ? AND p.{stage}_at <= ?""",
            bounds,
        ).fetchone()[0]
        con.execute(
            f"""UPDATE events SET {stage}_at = p.{stage}_at, status = '{stage}', updated_at = p.{stage}_at,
                       satisfaction = CASE WHEN '{stage}' = 'closed' THEN p.satisfaction ELSE events.satisfaction END,
                       batch_id = ?
                FROM demo_event_plans p
                WHERE events.source = p.source AND events.event_id = p.event_id
                  AND p.{stage}_at > ? AND p.{stage}_at <= ?""",
            [batch_id, *bounds],
        )
    con.execute("DELETE FROM demo_event_plans WHERE closed_at <= ?", [bounds[1]])
    return applied


def step(con: duckdb.DuckDBPyConnection, world: build.DemoWorld, from_s: int, to_s: int,
         progress: Callable[[int, int, str], None] | None = None) -> build.RowCounts:
    """Move the demo city from ``from_s`` to ``to_s`` in one transaction; return rows written.
    ``progress(done, total, day)`` is called after each local day generated."""
    counts = build.RowCounts()
    if to_s <= from_s:
        return counts
    with transaction(con):
        batch_id = build.start_batch(con, "demo", "demo:live")
        counts.add("event_versions", advance_plans(con, from_s, to_s, batch_id))
        days = list(clock.day_windows(from_s, to_s, world.spec.tz))
        for done, day in enumerate(days, 1):
            build.generate_day(con, world, day, to_s, batch_id, counts)
            if progress is not None:
                progress(done, len(days), f"{counts.total:,} rows")
        counts.add("work_order_history", demo_orders.play(con, world.spec.seed, from_s, to_s))
        build.finish_batch(con, batch_id, counts.total)
        counts.add("duty_shifts", demo_roster.write_roster(con, world.spec, to_s + demo_roster.AHEAD_S))
        db.put_settings(con, {"data.until_s": to_s})
        versions.bump(con, "events", "readings", "orders", earliest_s=from_s)     # a tick adds only what followed from_s
    return counts


class LiveSimulator:
    """A background thread that calls :func:`step` every ``interval_s`` seconds."""

    def __init__(self, con: duckdb.DuckDBPyConnection, interval_s: float = 10.0,
                 now: Callable[[], float] = time.time):
        self._cursor = con.cursor()
        self._now = now
        self._job = PeriodicJob("live-simulator", self.catch_up, interval_s)
        self._world: build.DemoWorld | None = None

    def catch_up(self, report_progress: bool = False) -> build.RowCounts:
        """Fill the gap from the data's last instant to now; return rows written (a line in the log per
        day generated when ``report_progress``: the catch-up at start may span days)."""
        spec = build.load_demo_spec(self._cursor)
        if spec is None:
            return build.RowCounts()
        if self._world is None:
            self._world = build.DemoWorld.create(spec)
        until_s = int(db.get_setting(self._cursor, "data.until_s", str(spec.anchor_s)))
        started = time.perf_counter()
        report = (lambda done, total, detail: progress.log_step(log, "live simulator catching up", done, total, started,
                                                               " days", detail)) if report_progress else None
        return step(self._cursor, self._world, until_s, int(self._now()), report)

    def start(self) -> None:
        """Start ticking in a daemon thread."""
        self._job.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Ask the thread to stop and wait for its step (interrupted after ``timeout``: its transaction
        rolls back); return whether it ended."""
        return self._job.stop(timeout, interrupt=self._cursor.interrupt)
