"""The city's clock: instants as epoch seconds, local days, and the one UTC conversion.

Instants are int64 epoch seconds (UTC) in Python and TIMESTAMPTZ in the store. Days are the
city's local days, in the time zone from the settings.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Shanghai"
DAY_S = 86_400
HOUR_S = 3_600
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def utc(epoch_s: float) -> datetime:
    """Return an aware UTC datetime for epoch seconds (DuckDB binds it as a TIMESTAMPTZ)."""
    return datetime.fromtimestamp(epoch_s, timezone.utc)


def utc_or_none(epoch_s: float | None) -> datetime | None:
    """Return ``utc(epoch_s)``, or None when there is no instant."""
    return None if epoch_s is None else utc(epoch_s)


def now_utc() -> datetime:
    """Return the current instant as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def local_midnight_s(epoch_s: int, tz: str) -> int:
    """Return the epoch seconds of the local midnight on or before ``epoch_s``."""
    local = datetime.fromtimestamp(epoch_s, ZoneInfo(tz))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return int(midnight.timestamp())


def local_day_index(epoch_s: int, tz: str) -> int:
    """Return the local calendar day of an instant as days since 1970-01-01."""
    local = datetime.fromtimestamp(epoch_s, ZoneInfo(tz)).date()
    return (local - datetime(1970, 1, 1).date()).days


def local_day_bounds(day_index: int, tz: str) -> tuple[int, int]:
    """Return the epoch seconds of a local day's midnight and of the next one."""
    date = datetime(1970, 1, 1) + timedelta(days=day_index)
    start = int(date.replace(tzinfo=ZoneInfo(tz)).timestamp())
    end = int((date + timedelta(days=1)).replace(tzinfo=ZoneInfo(tz)).timestamp())
    return start, end


def parse_instant(text: str | None, tz: str) -> int:
    """Return epoch seconds for an ISO time (local ``tz`` when it has no offset); now if None."""
    if text is None:
        return int(now_utc().timestamp())
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return int(moment.timestamp())
