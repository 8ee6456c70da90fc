"""Reason codes for rejected rows and the per-batch record of which row failed which rule.

Each rule is vectorised: it marks a boolean mask of rows. A row keeps the first reason that
marks it, so the summary counts every row exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

REASONS: dict[str, str] = {
    "missing_id": "the record has no identifier (event id, sensor id, grid code or place id) or name",
    "missing_time": "a required time (received time, reading time) is empty",
    "bad_time": "a time could not be parsed with the mapping's format",
    "closed_before_received": "a later stage (accepted, dispatched, resolved, closed) is before the received time",
    "future_time": "a time lies in the future (beyond the mapping's tolerance, default 10 minutes)",
    "implausible_time": "a time lies before the mapping's earliest_time (default 2000-01-01): a device clock reset",
    "missing_coords": "no coordinates and no grid code (when the mapping requires a location)",
    "zero_coords": "coordinates (0, 0): the feed's code for 'no location'",
    "bad_coords": "coordinates not numeric or outside -180..180 / -90..90",
    "outside_city": "the point lies in none of the city's grids (kept without a grid with outside_city: keep)",
    "unknown_grid": "the grid code is not one of the city's grids",
    "unknown_category": "the category is neither in the mapping's category map nor in the catalog",
    "unknown_status": "the status word is neither in the mapping's status map nor among the city's status words",
    "unknown_sensor": "the reading's sensor is not registered (ingest the sensors first)",
    "unknown_metric": "the metric is not one the sensor kind or mapping knows",
    "non_numeric_value": "a reading's value is not a number",
    "impossible_value": "a reading's value is outside the physical limits of its metric",
    "bad_field": "another field is out of range (satisfaction 1..5, handling level 1..3, interval > 0)",
    "bad_geometry": "a grid's geometry is empty or has no polygon left after repair; a place's is unreadable, "
                    "not a point or polygon, invalid, or neither given nor made from lon and lat",
    "unknown_kind": "the place kind is not one of the store's place kinds (data/place_kinds.yaml or the city's)",
    "duplicate_in_file": "the same record (same key and version) appears earlier in the same file",
    "bad_text": "a code (source, event id, grid code, sensor id, kind, name) is longer than its limit or holds "
                "control, direction or invisible characters",
}
FLAGS: dict[str, str] = {
    "grid_mismatch": "the row's grid code differs from the grid its coordinates fall in (or they fall in none); "
                     "the code is kept",
    "grid_overlap": "the point lies inside two or more (overlapping) grids; it is given the smallest of them",
    "suspect_value": "a reading equals a value the analyser emits as a ceiling or fill code; kept as 'suspect'",
    "text_truncated": "a free text (description, department, caller) was longer than its limit: cut, and its "
                      "control and direction characters removed",
}
# Limits of what a sensor can physically report, in the store's units (µg/m³, mg/m³ for CO).
PHYSICAL_LIMITS: dict[str, tuple[float, float]] = {
    "pm25": (0, 1500), "pm10": (0, 3000), "so2": (0, 3000), "no2": (0, 2000), "o3": (0, 1200),
    "co": (0, 150), "water_level_m": (-100, 1000), "rain_mm": (0, 300), "speed_kmh": (0, 250),
    "noise_db": (0, 194), "load_mw": (0, 100_000), "people": (0, 10_000_000),
}


_REASON_NAMES = np.array([*REASONS, None], dtype=object)    # position -1: no reason
_REASON_CODES = {name: code for code, name in enumerate(REASONS)}


@dataclass
class Verdicts:
    """The first reason (or None) and a detail for each row of one batch.

    Reasons are kept as small integers and details only once a rule gives one: a batch of millions
    of good rows then costs two bytes a row, not two Python objects.
    """

    index: pd.Index
    _codes: np.ndarray = field(init=False)
    _details: np.ndarray | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._codes = np.full(len(self.index), -1, dtype=np.int16)

    def reject(self, mask, reason: str, detail=None) -> None:
        """Give ``reason`` to the rows in ``mask`` that have no reason yet."""
        if reason not in _REASON_CODES:
            raise KeyError(f"unregistered reason code {reason!r}")
        mask = np.asarray(mask, dtype=bool) & (self._codes < 0)
        if not mask.any():
            return
        self._codes[mask] = _REASON_CODES[reason]
        if detail is not None:
            if self._details is None:
                self._details = np.full(len(self.index), None, dtype=object)
            self._details[mask] = np.asarray(detail, dtype=object)[mask] if not isinstance(detail, str) else detail

    @property
    def ok(self) -> np.ndarray:
        """Return the mask of rows no rule rejected."""
        return self._codes < 0

    @property
    def reasons(self) -> np.ndarray:
        """Return each row's reason code (None for accepted rows)."""
        return _REASON_NAMES[self._codes]

    @property
    def details(self) -> np.ndarray:
        """Return each row's detail (None where no rule gave one)."""
        return self._details if self._details is not None else np.full(len(self.index), None, dtype=object)

    def counts(self) -> dict[str, int]:
        """Return rows rejected per reason."""
        counts = np.bincount(self._codes[self._codes >= 0], minlength=len(REASONS))
        return {str(_REASON_NAMES[code]): int(n) for code, n in enumerate(counts) if n}


def limits_for(metric: str, mapping_limits: dict) -> tuple[float, float]:
    """Return (min, max) for a metric: the mapping's limits, else the built-in physical ones."""
    low, high = PHYSICAL_LIMITS.get(metric, (-np.inf, np.inf))
    given = mapping_limits.get(metric, (None, None))
    return (given[0] if given[0] is not None else low, given[1] if given[1] is not None else high)
