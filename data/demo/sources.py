"""The channels that report events in the demo city, and how each one behaves.

Shares, hourly profiles and delays are plausible figures for a Chinese prefecture city: the
12345 hotline carries the most cases, grid workers report in office hours, the 110 desk
has an evening and night component, petitions and enterprise requests are few.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Source:
    """One reporting channel: its volume, rhythm, handling delays and citizen behaviour."""

    id: str
    short: str                  # the name used in the category table
    id_prefix: str              # event ids look like '12345-20261122-000123'
    share: float                # of the city's events on an average day
    hourly: tuple[float, ...]   # relative volume for local hours 0..23
    weekend_factor: float       # Saturday/Sunday volume relative to a weekday
    accept_min: float           # median minutes from receipt to acceptance
    dispatch_min: float         # median minutes from acceptance to dispatch
    close_h: float              # median hours from resolution to closure (callback, rating)
    rated_share: float          # share of closed cases the citizen rates
    repeat_share: float         # share of cases that repeat an earlier one of the same day

    def hourly_profile(self) -> np.ndarray:
        """Return the 24 hourly factors scaled to a mean of 1."""
        profile = np.asarray(self.hourly, dtype="float64")
        return profile / profile.mean()

    def weekday_factors(self) -> np.ndarray:
        """Return the factors for Monday..Sunday scaled to a weekly mean of 1."""
        factors = np.array([1.0] * 5 + [self.weekend_factor] * 2)
        return factors / factors.mean()


_OFFICE_HOURS = (0.03, 0.02, 0.02, 0.02, 0.02, 0.03, 0.05, 0.2, 1.6, 2.6, 2.7, 2.2,
                 0.8, 0.9, 2.4, 2.5, 2.2, 1.2, 0.3, 0.15, 0.1, 0.08, 0.05, 0.04)

SOURCES: tuple[Source, ...] = (
    Source("hotline_12345", "hotline", "12345", 0.45,
           (0.25, 0.15, 0.10, 0.08, 0.08, 0.12, 0.35, 0.8, 1.5, 1.9, 2.0, 1.8,
            1.2, 1.3, 1.7, 1.8, 1.7, 1.4, 1.0, 0.9, 0.8, 0.7, 0.5, 0.35),
           0.70, 2.0, 25.0, 10.0, 0.70, 0.085),
    Source("grid_report", "grid", "WG", 0.28,
           (0.02, 0.01, 0.01, 0.01, 0.01, 0.03, 0.1, 0.6, 1.9, 2.6, 2.7, 2.2,
            1.0, 1.2, 2.3, 2.5, 2.3, 1.5, 0.5, 0.3, 0.2, 0.1, 0.05, 0.03),
           0.68, 8.0, 15.0, 2.0, 0.0, 0.02),
    Source("police_110", "police", "110", 0.16,
           (0.9, 0.75, 0.55, 0.4, 0.35, 0.4, 0.55, 0.8, 1.0, 1.05, 1.1, 1.1,
            1.0, 1.0, 1.05, 1.1, 1.15, 1.2, 1.3, 1.4, 1.45, 1.4, 1.3, 1.1),
           0.95, 1.0, 3.0, 0.5, 0.40, 0.04),
    Source("city_app", "app", "CG", 0.06,
           (0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.4, 0.9, 1.4, 1.6, 1.6, 1.4,
            1.1, 1.2, 1.4, 1.5, 1.4, 1.3, 1.3, 1.4, 1.3, 1.0, 0.7, 0.4),
           0.85, 15.0, 20.0, 4.0, 0.50, 0.05),
    Source("petition", "petition", "XF", 0.025, _OFFICE_HOURS, 0.40, 240.0, 1440.0, 72.0, 0.60, 0.20),
    Source("enterprise", "enterprise", "QY", 0.025, _OFFICE_HOURS, 0.68, 20.0, 60.0, 24.0, 0.80, 0.05),
)

SOURCE_IDS: tuple[str, ...] = tuple(s.id for s in SOURCES)
SOURCE_BY_SHORT: dict[str, int] = {s.short: i for i, s in enumerate(SOURCES)}


def source_array(field: str) -> np.ndarray:
    """Return one numeric field of every source as an array indexed like SOURCES."""
    return np.array([getattr(s, field) for s in SOURCES], dtype="float64")
