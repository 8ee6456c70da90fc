"""Time for the demo generators: the local days to generate, and local hour and weekday of instants.

Instants are int64 epoch seconds (UTC) inside the generators; they become TIMESTAMPTZ
only when written. Days are the city's local days (time zone from the settings).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.clock import HOUR_S, local_day_bounds, local_day_index


@dataclass(frozen=True)
class DayWindow:
    """One local day of generation, and the part of it to keep ([keep_start_s, keep_end_s))."""

    day_index: int       # days since 1970-01-01 in local time; keys the random streams
    day_start_s: int     # local midnight, as epoch seconds
    day_end_s: int       # next local midnight
    keep_start_s: int
    keep_end_s: int

    @property
    def n_hours(self) -> int:
        """Return how many hours the local day has (24 except on DST changes)."""
        return (self.day_end_s - self.day_start_s) // HOUR_S


def day_window(day_index: int, tz: str, keep_start_s: int, keep_end_s: int) -> DayWindow:
    """Return the DayWindow of a local day, clipped to [keep_start_s, keep_end_s)."""
    start, end = local_day_bounds(day_index, tz)
    return DayWindow(day_index, start, end, max(start, keep_start_s), min(end, keep_end_s))


def day_windows(start_s: int, end_s: int, tz: str) -> list[DayWindow]:
    """Return the local days covering [start_s, end_s), each clipped to that interval."""
    if end_s <= start_s:
        return []
    first = local_day_index(start_s, tz)
    last = local_day_index(end_s - 1, tz)
    return [day_window(d, tz, start_s, end_s) for d in range(first, last + 1)]


def local_hour_weekday(epoch_s: np.ndarray, tz: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (fractional local hour 0..24, weekday 0=Monday) for an array of instants."""
    stamps = pd.DatetimeIndex(pd.to_datetime(np.asarray(epoch_s, dtype="int64"), unit="s", utc=True))
    local = stamps.tz_convert(tz)
    hour = local.hour.to_numpy() + local.minute.to_numpy() / 60.0 + local.second.to_numpy() / 3600.0
    return hour.astype("float64"), local.day_of_week.to_numpy().astype("int8")
