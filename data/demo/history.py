"""The demo city's lighter history: the scale's archive days before its full days, each case's row
as seen at the build's "now" only (no earlier versions, no readings), so a month has its 同比.

The days are generated CHUNK_DAYS at a time, newest first, and each chunk goes into the store as
one insert in one transaction with its data-version bump (late data for those days, as for any
late batch: their daily partials and the briefs they reach are computed again). ``cli.py demo``
writes them during the build. The server's first start builds the full days only, serves the city,
and fills this history in the background (:func:`start_history_fill`) with a progress line per
chunk: the setting PENDING_KEY holds the instant before which days are still to come, so a
restart goes on where it stopped.
"""

from __future__ import annotations

import logging
from typing import Callable

import pandas as pd

from data import db, versions, writer
from data.background import PeriodicJob
from data.demo import clock
from data.demo.events import events_as_of, plan_events
from data.demo.weather import weather_for_day

log = logging.getLogger(__name__)
PENDING_KEY = "demo.history_pending_until_s"    # lighter days ending at or before this instant are still to come
CHUNK_DAYS = 31
FILL_EVERY_S = 2.0


def history_days(world, until_s: int) -> list[clock.DayWindow]:
    """Return the lighter days (clipped local days) from the archive's start to ``until_s``, oldest first."""
    spec = world.spec
    return clock.day_windows(spec.archive_start_s, min(until_s, spec.start_s), spec.tz)


def light_days(world, days: list[clock.DayWindow], batch_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the cases (as seen at the build's now) and pending plans of ``days``, concatenated."""
    spec, events, pending = world.spec, [], []
    for day in days:
        weather = weather_for_day(spec.seed, day, spec.anchor_s, spec.tz)
        plan = plan_events(spec.seed, spec.scale, world.geo, day, spec.anchor_s, spec.tz, weather)
        seen, _, waiting = events_as_of(plan, spec.anchor_s)
        events.append(seen)
        pending.append(waiting)
    return pd.concat(events, ignore_index=True).assign(batch_id=batch_id), pd.concat(pending, ignore_index=True)


def write_chunk(con, world, days: list[clock.DayWindow], batch_id: int, pending_key: bool) -> tuple[int, int]:
    """Write the lighter ``days`` in one transaction; return the cases and the pending plans written.
    With ``pending_key`` the setting PENDING_KEY moves to the chunk's first instant in the same transaction."""
    events, pending = light_days(world, days, batch_id)
    with db.transaction(con):
        written = (writer.append_new_events(con, events, days[0].day_start_s, days[-1].day_end_s),
                   writer.append_frame(con, "demo_event_plans", pending))
        versions.bump(con, "events", earliest_s=days[0].day_start_s)
        if pending_key:
            db.put_settings(con, {PENDING_KEY: days[0].day_start_s})
    return written


def write_history(con, world, batch_id: int, until_s: int | None = None, pending_key: bool = False,
                  progress: Callable[[int, int], None] | None = None,
                  limit_chunks: int | None = None) -> dict[str, int]:
    """Write the lighter days before ``until_s`` (default: all of them), newest chunk first, at most
    ``limit_chunks`` chunks; return the rows written per table."""
    days = history_days(world, world.spec.start_s if until_s is None else until_s)
    chunks = [days[max(0, end - CHUNK_DAYS):end] for end in range(len(days), 0, -CHUNK_DAYS)]
    written, done = {"events": 0, "demo_event_plans": 0}, 0
    for chunk in chunks[:limit_chunks]:
        events, plans = write_chunk(con, world, chunk, batch_id, pending_key)
        written["events"] += events
        written["demo_event_plans"] += plans
        done += len(chunk)
        if progress:
            progress(done, len(days))
    if pending_key and done == len(days):           # the oldest chunk is in: nothing is pending any more
        con.execute("DELETE FROM settings WHERE key = ?", [PENDING_KEY])
    return written


def pending_until(con) -> int | None:
    """Return the instant before which lighter days are still to be written, or None when none are."""
    value = db.get_setting(con, PENDING_KEY)
    return None if value is None else int(value)


def start_history_fill(con) -> PeriodicJob | None:
    """Start filling the lighter history in the background when the store still lacks some (a
    demo city the server built at its first start); None when nothing is pending."""
    from data.demo.build import DemoWorld, load_demo_spec, start_batch

    cursor = con.cursor()
    if pending_until(cursor) is None:
        return None
    spec = load_demo_spec(cursor)
    made: dict = {}                 # the world and batch, made in the job's thread (a few seconds of geometry)

    def step() -> None:
        until = pending_until(cursor)
        if until is None:
            return
        if not made:
            made["world"] = DemoWorld.create(spec)
            made["batch"] = start_batch(cursor, "demo", f"demo-history:{spec.scale.name}:seed={spec.seed}")
        world, batch_id = made["world"], made["batch"]
        total = len(history_days(world, spec.start_s))
        write_history(cursor, world, batch_id, until, pending_key=True, limit_chunks=1)
        left = len(history_days(world, pending_until(cursor) or spec.archive_start_s))
        log.info("demo history: %d of %d lighter days written%s", total - left, total,
                 "" if left else " (done: their daily partials follow with the refresh)")
        if not left:
            cursor.execute("UPDATE ingest_batches SET finished_at = now(), status = 'committed' WHERE batch_id = ?",
                           [batch_id])

    job = PeriodicJob("demo-history", step, FILL_EVERY_S)
    job.start()
    return job
