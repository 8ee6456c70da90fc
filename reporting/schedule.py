"""Every morning at a configured local time the server writes the briefs of the periods that ended
into the archive and pushes them to their groups through the outbox (reporting/delivery.py).

The time is $CITY_REPORT_AT, else the stored setting ``report.daily_at`` (HH:MM, city time), else 07:00
(data/settings.py: environment before stored setting, as for every setting).
Yesterday's city brief is always written; a group's order adds its kind (the week on Monday, the
month on the 1st, the quarter on its first day: the latest ended period of each kind), area and
language. A background PeriodicJob checks once a minute; a missed morning (server down) is made up
at the next check; a brief already on file is never rewritten, and a message is queued once.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from data import settings
from data.background import PeriodicJob
from indicators.periods import Period
from reporting.archive import brief_document, is_archived, reports_dir, write_brief
from reporting.area import resolve_area
from reporting.days import yesterday
from reporting.delivery import BriefOrder, is_queued, push_groups, queue_brief, start_brief_sender

log = logging.getLogger(__name__)
CHECK_EVERY_S = 60.0
CITY_DAILY = BriefOrder("day")


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


def _orders(groups) -> list[BriefOrder]:
    """Return every brief to write: the city's daily one and each group's orders, once each."""
    found = [CITY_DAILY]
    for group in groups:
        found += [o for o in group.briefs if o not in found]
    return found


def _groups(cursor) -> tuple:
    """Return the configured push groups; a bad setting is logged and pushes nothing (the archive is still written)."""
    try:
        return push_groups(cursor)
    except ValueError as exc:
        log.error("%s", exc)
        return ()


def generate_if_due(app_context) -> date | None:
    """Write and push the briefs due now; return yesterday when its city brief was written."""
    cursor = app_context.cursor()
    folder, now_s, tz = reports_dir(cursor), app_context.now_s(), app_context.tz
    local = datetime.fromtimestamp(now_s, ZoneInfo(tz))
    if local.time() < report_time(cursor):
        return None
    groups, written = _groups(cursor), None
    for order in _orders(groups):
        period = Period.last_ended(order.kind, local.date())
        area = resolve_area(cursor, order.area or None)
        waiting = [g for g in groups if order in g.briefs and not is_queued(cursor, g, period, order)]
        if is_archived(folder, period, area, order.lang) and not waiting:
            continue
        document = brief_document(app_context, period, order.area or None)
        if not is_archived(folder, period, area, order.lang):
            paths = write_brief(document, folder, (order.lang,))
            log.info("brief %s %s %s written: %s", period, area.code, order.lang, ", ".join(str(p) for p in paths))
            written = period.start if order == CITY_DAILY else written
        for group in waiting:
            try:
                queue_brief(cursor, document, group, order, now_s)
            except ValueError as exc:          # no public address to link to: said once a minute until set
                log.error("brief %s not pushed to %s: %s", period, group.name, exc)
    return written


def start_daily_briefs(app_context) -> PeriodicJob | None:
    """Start the morning job and the sender of the brief groups; None with a frozen clock (--at)."""
    if app_context.frozen_now_s is not None:
        return None
    sender = start_brief_sender(app_context.con, _groups(app_context.cursor()))

    def run() -> None:
        generate_if_due(app_context)
        if sender is not None:
            sender.wake()

    job = PeriodicJob("daily-brief", run, CHECK_EVERY_S)
    job.start()
    return job
