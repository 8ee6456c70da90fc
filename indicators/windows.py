"""Turning a window name and an instant into a [start, end] time span (local days)."""

from __future__ import annotations

from dataclasses import dataclass

from data.clock import DAY_S, HOUR_S, local_midnight_s
from indicators.model import Window

_ROLLING_S = {Window.LAST_HOUR: HOUR_S, Window.LAST_24H: DAY_S, Window.LAST_7D: 7 * DAY_S,
              Window.LAST_30D: 30 * DAY_S}


JUST_BEFORE = 1e-6      # DuckDB timestamps have microseconds: (midnight - 1 µs, ...] includes midnight


@dataclass(frozen=True)
class Span:
    """A time span (start, end] in epoch seconds: start excluded, so consecutive windows never
    share a reading on their boundary; ``end`` is at most the evaluation instant."""

    start_s: float
    end_s: float


def span(window: Window, now_s: int, tz: str) -> Span:
    """Return the span a window covers when evaluated at ``now_s``."""
    if window in _ROLLING_S:
        return Span(now_s - _ROLLING_S[window], now_s)
    midnight = local_midnight_s(now_s, tz)
    if window == Window.TODAY:
        return Span(midnight - JUST_BEFORE, now_s)
    if window == Window.YESTERDAY:
        return Span(local_midnight_s(midnight - 1, tz) - JUST_BEFORE, midnight - JUST_BEFORE)
    return Span(now_s, now_s)


def previous_period_s(window: Window) -> int:
    """Return how far back "the previous period" lies: a day for windows of a day or less
    (the last hour compares with the same hour yesterday), else the window's own length."""
    return _ROLLING_S[window] if window in (Window.LAST_7D, Window.LAST_30D) else DAY_S
