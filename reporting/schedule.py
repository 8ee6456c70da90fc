"""Every morning at a configured local time the server writes yesterday's brief into the archive.

The time is $CITY_REPORT_AT, else the stored setting ``report.daily_at`` (HH:MM, city time), else 07:00
(data/settings.py: environment before stored setting, as for every setting).
A background PeriodicJob checks once a minute; a missed morning (server down) is made up at the
next check, and a brief already on file is never rewritten.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from data import settings
from data.background import PeriodicJob
from reporting.archive import is_archived, brief_document, reports_dir, write_brief
from reporting.days import yesterday

log = logging.getLogger(__name__)
CHECK_EVERY_S = 60.0


def report_time(con) -> time:
    """Return the local time of day the brief is generated at (checked HH:MM by data/settings.py)."""
    hour, minute = (int(x) for x in settings.resolve("report_at", con=con).split(":"))
    return time(hour, minute)


def due_day(now_s: int, tz: str, at: time, archived) -> date | None:
    """Return the day whose brief should be written now (yesterday, once the local time has passed
    ``at`` and ``archived(day)`` is false), else None."""
    local = datetime.fromtimestamp(now_s, ZoneInfo(tz))
    day = yesterday(now_s, tz)
    return day if local.time() >= at and not archived(day) else None


def generate_if_due(app_context) -> date | None:
    """Write yesterday's brief when it is due; return the day written, if any."""
    cursor = app_context.cursor()
    folder = reports_dir(cursor)
    day = due_day(app_context.now_s(), app_context.tz, report_time(cursor), lambda d: is_archived(folder, d))
    if day is not None:
        paths = write_brief(cursor, day, app_context.tz, folder, document=brief_document(app_context, day))
        log.info("daily brief of %s written: %s", day, ", ".join(str(p) for p in paths))
    return day


def start_daily_briefs(app_context) -> PeriodicJob | None:
    """Start the morning job; None with a frozen clock (--at), where nothing moves."""
    if app_context.frozen_now_s is not None:
        return None
    job = PeriodicJob("daily-brief", lambda: generate_if_due(app_context), CHECK_EVERY_S)
    job.start()
    return job
