"""The city's clock: instants as epoch seconds, local days, and the conversions to UTC and back.

Instants are int64 epoch seconds (UTC) in Python and TIMESTAMPTZ in the store. Days are the
city's local days, in the time zone from the settings (``city.tz``). Whatever a person reads (a
page's text, a chart's axis, an exported file) is the city's local time, converted here: Plotly
draws the wall clock of the datetimes it is given, so charts get :func:`local_times`; files get
ISO 8601 with the offset (:func:`local_iso`), which no reader can take for another zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd

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


def same_time_days_before(epoch_s: int, days: int, tz: str) -> int:
    """Return the instant showing the same local clock time ``days`` calendar days earlier (23 or 25
    hours per day across a clock change, not 24)."""
    local = datetime.fromtimestamp(epoch_s, ZoneInfo(tz))
    return int((local - timedelta(days=days)).timestamp())       # aware arithmetic keeps the wall clock


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


def local_datetime(epoch_s: float, tz: str) -> datetime:
    """Return an instant as an aware datetime in the city's zone (its wall clock and offset)."""
    return datetime.fromtimestamp(epoch_s, ZoneInfo(tz))


def local_iso(instant: float | datetime | None, tz: str) -> str | None:
    """Return an instant (epoch seconds or an aware datetime) as local ISO 8601 with its offset,
    e.g. ``2026-11-20T07:30:00-08:00``: what exports write. None (or NaN, NaT) gives None."""
    if instant is None or pd.isna(instant):
        return None
    if isinstance(instant, datetime):
        return instant.astimezone(ZoneInfo(tz)).isoformat()
    return local_datetime(instant, tz).isoformat()


def local_times(epoch_s, tz: str) -> pd.Series:
    """Return epoch seconds as naive city-local datetimes: the wall clock a chart's axis should read
    (Plotly drops a zone and would draw UTC's wall clock). Missing instants give NaT."""
    stamps = pd.to_datetime(pd.Series(epoch_s, dtype="float64"), unit="s", utc=True)
    return stamps.dt.tz_convert(tz).dt.tz_localize(None)


def local_iso_series(epoch_s, tz: str) -> pd.Series:
    """Return epoch seconds as local ISO 8601 texts with the offset (vectorised :func:`local_iso`);
    missing instants give None."""
    stamps = pd.to_datetime(pd.Series(epoch_s, dtype="float64"), unit="s", utc=True).dt.tz_convert(tz)
    text = stamps.dt.strftime("%Y-%m-%dT%H:%M:%S%z")       # offset as -0800: ISO 8601 writes -08:00
    iso = text.str[:-2] + ":" + text.str[-2:]
    return iso.astype(object).where(stamps.notna(), None)


def local_text(value: object, tz: str) -> str:
    """Return an instant (an aware datetime) as local ISO 8601 with its offset and anything else as
    str: the ``default`` of JSON printed for people (the CLI's listings)."""
    return local_iso(value, tz) if isinstance(value, datetime) else str(value)
