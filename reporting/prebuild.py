"""Building the briefs of ended periods ahead, in the background, so a reader never waits for one.

When a day, ISO week, month, quarter or year ends, the city's brief and each district's are built
and kept (reporting/prebuilt.py), the city's with its Chinese PDF (about 330 KB each: the other PDFs,
the English ones and those of older periods, are printed the first time someone asks, and kept). A kept brief is built again only when its data stamp changed:
data arriving late for the period (or before it) was written, which is also what has the daily
partials of those days computed again. Periods within HORIZON are kept for the city and every
district; older ended days, weeks and months of the data are then kept for the city alone, newest
first, so the whole history becomes quick to open while the recent periods come first.

The job is one background thread at a lower CPU priority, building one brief at a time and then
resting as long as the build took, at most WORK_S of building per minute: the pages' requests keep
their share of the cores. Each build logs a progress line (built n of m, which, how long). A brief a
reader was served from older data (late data arrived after it was kept) is built first.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Callable

from data.background import PeriodicJob
from data.clock import local_datetime
from indicators.periods import Period
from reporting import prebuilt
from reporting.archive import brief_document, render
from reporting.span import BRIEF_KINDS, BriefRefused, ended_span, first_data_s

log = logging.getLogger(__name__)
STEP_EVERY_S = 60.0
WORK_S = 30.0                 # seconds of building per step at most (then the next minute goes on)
NICENESS = 10                 # the job thread's CPU priority below the request threads'
HORIZON = {"day": 35, "week": 9, "month": 4, "quarter": 2, "year": 1}   # periods kept for every district
PDF_LANGUAGES = ("zh",)       # printed ahead; the other language is printed on first request and kept


@dataclass(frozen=True)
class Job:
    """One brief to keep: a period and an area (None: the city)."""

    period: Period
    area_code: str | None
    end_s: int
    pdf: bool = False            # print its Chinese PDF ahead too

    def __str__(self) -> str:
        return f"{self.period}{'' if self.area_code is None else '@' + self.area_code}"


def ended_periods(kind: str, today: date, first_day: date, limit: int | None) -> list[Period]:
    """Return the ended periods of ``kind`` before ``today`` that end after ``first_day``, newest
    first, at most ``limit`` of them (None: back to the data's first day)."""
    found, period = [], Period.last_ended(kind, today)
    while period.end > first_day and (limit is None or len(found) < limit):
        if kind != "year" or period.start >= first_day:          # an annual brief needs the whole year
            found.append(period)
        period = period.previous()
    return found


def wanted(today: date, first_day: date, districts: list[str], tz: str) -> list[Job]:
    """Return the briefs to keep, in the order to build them: the recent periods of every kind
    for the city and each district, then the older days, weeks and months for the city."""
    kinds = [str(kind) for kind in BRIEF_KINDS]
    recent, older = [], []
    for kind in kinds:
        periods = ended_periods(kind, today, first_day, None if kind in ("day", "week", "month") else HORIZON[kind])
        for n, period in enumerate(periods):
            end_s = ended_span(period, tz).end_s
            if n < HORIZON[kind]:
                recent += [Job(period, None, end_s, pdf=True)] + [Job(period, area, end_s) for area in districts]
            else:
                older.append(Job(period, None, end_s))
    by_newest = lambda job: (-job.end_s, kinds.index(str(job.period.kind)))  # noqa: E731
    return sorted(recent, key=by_newest) + sorted(older, key=by_newest)


def due(con, jobs: list[Job], city_code: str) -> list[Job]:
    """Return the jobs whose kept brief is missing or built from data that has changed since."""
    current = prebuilt.stamps_at(con, sorted({job.end_s for job in jobs}))
    kept = prebuilt.kept_stamps(con)
    return [job for job in jobs if kept.get((str(job.period), job.area_code or city_code)) != current[job.end_s]]


def asked_first(asked: list, todo: list[Job], tz: str, city_code: str) -> list[Job]:
    """Return the briefs readers were served stale (``prebuilt.take_rebuilds``) first, then the other
    due ones: a reader waits for these, nobody for the rest."""
    first = [Job(period, None if area == city_code else area, ended_span(period, tz).end_s) for period, area in asked]
    named = {str(job) for job in first}
    return first + [job for job in todo if str(job) not in named]


def lower_priority() -> None:
    """Lower the calling thread's CPU priority (Linux schedules threads one by one; elsewhere a no-op)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
    except (AttributeError, OSError):
        pass


def prebuild_step(app_context, stopping: Callable[[], bool], rest: Callable[[float], object] = time.sleep,
                  work_s: float = WORK_S, waiting: Callable[[], bool] = lambda: False) -> int:
    """Build the due briefs one at a time until ``work_s`` of building is spent; return how many were
    built (none while ``waiting()``: history still being written would make every build stale)."""
    cursor = app_context.cursor()
    first_s = first_data_s(cursor)
    if first_s is None or waiting():
        return 0
    tz = app_context.tz
    today = local_datetime(app_context.now_s(), tz).date()
    districts = [r[0] for r in cursor.execute("SELECT code FROM admin_units WHERE level = 'district' ORDER BY code").fetchall()]
    city = cursor.execute("SELECT code FROM admin_units WHERE level = 'city' ORDER BY code LIMIT 1").fetchone()
    city_code = city[0] if city else ""
    todo = due(cursor, wanted(today, local_datetime(first_s, tz).date(), districts, tz), city_code)
    todo = asked_first(prebuilt.take_rebuilds(), todo, tz, city_code)
    built, spent = 0, 0.0
    for n, job in enumerate(todo, start=1):
        if stopping() or spent >= work_s:
            break
        seconds = _build(app_context, job)
        spent += seconds
        built += 1
        log.info("brief prebuild %d of %d due: %s built in %.1f s", n, len(todo), job, seconds)
        rest(seconds)                  # leave the cores to the readers at least as long as the build took
    return built


def _build(app_context, job: Job) -> float:
    """Keep one brief's document and its PDFs ahead; return the seconds it took (a refused period: 0)."""
    started = time.perf_counter()
    try:
        document = brief_document(app_context, job.period, job.area_code)
        for language in PDF_LANGUAGES if job.pdf else ():
            render(document, "pdf", language, app_context.cursor())
    except BriefRefused as exc:
        log.debug("brief prebuild: %s skipped: %s", job, exc.message_en)
    return time.perf_counter() - started


def start_prebuild(app_context, waiting: Callable[[], bool] = lambda: False) -> PeriodicJob:
    """Start the background job that keeps the briefs of ended periods (a frozen clock too: its
    periods are the ones that ended before the frozen instant); it builds nothing while ``waiting()``."""
    holder: dict[str, PeriodicJob] = {}
    stopping = lambda: holder["job"].stopping  # noqa: E731

    def rest(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not stopping():
            time.sleep(min(0.2, seconds))

    def step() -> None:
        lower_priority()
        prebuild_step(app_context, stopping, rest, waiting=waiting)

    holder["job"] = PeriodicJob("brief-prebuild", step, STEP_EVERY_S)
    holder["job"].start()
    return holder["job"]
