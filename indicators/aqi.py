"""China's Air Quality Index per HJ 633-2012 (技术规定 环境空气质量指数 AQI, 试行).

Individual indices (IAQI) come from piecewise-linear interpolation between the
breakpoints of Table 1; the AQI is the largest IAQI; the primary pollutants are those
whose IAQI equals the AQI when the AQI is above 50; six levels with fixed colours.

Pollutant keys: ``so2, no2, pm10, co, o3, pm25``; averaging periods ``1h, 8h, 24h``.
Concentrations are µg/m³ except CO in mg/m³.

Keys of ``concentrations`` for :func:`aqi`:

- ``mode="hourly"`` (real-time report): ``so2_1h, no2_1h, co_1h, o3_1h, pm10_1h, pm25_1h``
  and optionally ``o3_8h`` (moving 8-hour mean) and ``so2_24h`` (needed only when SO2's
  hourly value is above 800, where Table 1 says to use the 24-hour index instead).
  As published in real-time reports, hourly PM10/PM2.5 are rated on the 24-hour scale.
- ``mode="daily"``: ``so2_24h, no2_24h, co_24h, pm10_24h, pm25_24h, o3_8h`` (the day's
  maximum 8-hour mean) and ``o3_1h`` (the day's maximum hourly value), which replaces
  ``o3_8h`` when that exceeds 800 µg/m³.

Missing or None values are skipped; if nothing is left, the AQI is None.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

STANDARD_2012 = "HJ633-2012"
POLLUTANTS = ("so2", "no2", "pm10", "co", "o3", "pm25")
IAQI_STEPS = (0, 50, 100, 150, 200, 300, 400, 500)

# Table 1 of HJ 633-2012: concentration breakpoints matching IAQI_STEPS.
BREAKPOINTS_2012: dict[tuple[str, str], tuple[float, ...]] = {
    ("so2", "24h"): (0, 50, 150, 475, 800, 1600, 2100, 2620),
    ("so2", "1h"): (0, 150, 500, 650, 800),
    ("no2", "24h"): (0, 40, 80, 180, 280, 565, 750, 940),
    ("no2", "1h"): (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    ("pm10", "24h"): (0, 50, 150, 250, 350, 420, 500, 600),
    ("co", "24h"): (0, 2, 4, 14, 24, 36, 48, 60),
    ("co", "1h"): (0, 5, 10, 35, 60, 90, 120, 150),
    ("o3", "1h"): (0, 160, 200, 300, 400, 800, 1000, 1200),
    ("o3", "8h"): (0, 100, 160, 215, 265, 800),
    ("pm25", "24h"): (0, 35, 75, 115, 150, 250, 350, 500),
}

LEVELS = (  # (upper AQI, level, category zh, category en, colour)
    (50, 1, "优", "Excellent", "#00E400"),
    (100, 2, "良", "Good", "#FFFF00"),
    (150, 3, "轻度污染", "Lightly polluted", "#FF7E00"),
    (200, 4, "中度污染", "Moderately polluted", "#FF0000"),
    (300, 5, "重度污染", "Heavily polluted", "#99004C"),
    (math.inf, 6, "严重污染", "Severely polluted", "#7E0023"),
)

_HOURLY_KEYS = {"so2_1h": ("so2", "1h"), "no2_1h": ("no2", "1h"), "co_1h": ("co", "1h"),
                "o3_1h": ("o3", "1h"), "o3_8h": ("o3", "8h"),
                "pm10_1h": ("pm10", "24h"), "pm25_1h": ("pm25", "24h")}
_DAILY_KEYS = {"so2_24h": ("so2", "24h"), "no2_24h": ("no2", "24h"), "co_24h": ("co", "24h"),
               "pm10_24h": ("pm10", "24h"), "pm25_24h": ("pm25", "24h"), "o3_8h": ("o3", "8h")}


@dataclass(frozen=True)
class AqiResult:
    """An AQI with its level, category, colour and primary pollutants."""

    aqi: int | None
    primary_pollutants: tuple[str, ...]
    level: int | None
    category: str | None
    category_en: str | None
    color: str | None


def _rounded(pollutant: str, concentration: float) -> float:
    """Concentrations are compared at reporting precision: CO to 0.1 mg/m³, others to 1 µg/m³."""
    digits = 1 if pollutant == "co" else 0
    return math.floor(concentration * 10**digits + 0.5) / 10**digits


def iaqi(pollutant: str, concentration: float | None, period: str, standard: str = STANDARD_2012) -> int | None:
    """Return the individual AQI of one concentration, or None where Table 1 gives none."""
    if standard != STANDARD_2012:
        raise ValueError(f"unsupported standard {standard!r}; supported: {STANDARD_2012}")
    if (pollutant, period) not in BREAKPOINTS_2012:
        raise ValueError(f"no breakpoints for {pollutant} over {period}")
    if concentration is None or (isinstance(concentration, float) and math.isnan(concentration)):
        return None
    if concentration < 0:
        raise ValueError(f"negative concentration {concentration} for {pollutant}")
    points = BREAKPOINTS_2012[(pollutant, period)]
    c = _rounded(pollutant, concentration)
    if c > points[-1]:
        return None if len(points) < len(IAQI_STEPS) else 500
    for i in range(1, len(points)):
        if c <= points[i]:
            lo_c, hi_c, lo_i, hi_i = points[i - 1], points[i], IAQI_STEPS[i - 1], IAQI_STEPS[i]
            return math.ceil((hi_i - lo_i) / (hi_c - lo_c) * (c - lo_c) + lo_i)
    return 500


def level_of(aqi_value: int | None) -> tuple[int, str, str, str] | None:
    """Return (level, category zh, category en, colour) of an AQI value."""
    if aqi_value is None:
        return None
    for upper, level, zh, en, colour in LEVELS:
        if aqi_value <= upper:
            return level, zh, en, colour
    return None


def aqi(concentrations: dict[str, float | None], on: date | None = None, mode: str = "hourly",
        standard: str = STANDARD_2012) -> AqiResult:
    """Return the AQI of a set of concentrations (keys documented in the module docstring)."""
    indices = _individual_indices(concentrations, mode, standard)
    known = {p: v for p, v in indices.items() if v is not None}
    if not known:
        return AqiResult(None, (), None, None, None, None)
    value = max(known.values())
    primary = tuple(p for p in POLLUTANTS if known.get(p) == value) if value > 50 else ()
    level, zh, en, colour = level_of(value)
    return AqiResult(value, primary, level, zh, en, colour)


def _individual_indices(concentrations: dict, mode: str, standard: str) -> dict[str, int | None]:
    keys = {"hourly": _HOURLY_KEYS, "daily": _DAILY_KEYS}.get(mode)
    if keys is None:
        raise ValueError(f"mode must be 'hourly' or 'daily', not {mode!r}")
    indices: dict[str, int | None] = {}
    for key, (pollutant, period) in keys.items():
        value = iaqi(pollutant, concentrations.get(key), period, standard)
        indices[pollutant] = _worse(indices.get(pollutant), value)
    _apply_table_notes(indices, concentrations, mode, standard)
    return indices


def _worse(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)


def _apply_table_notes(indices: dict, concentrations: dict, mode: str, standard: str) -> None:
    """Notes 2 and 3 of Table 1: SO2 hourly above 800 uses 24h; O3 8h above 800 uses 1h."""
    so2_1h = concentrations.get("so2_1h")
    if mode == "hourly" and so2_1h is not None and so2_1h > 800:
        indices["so2"] = iaqi("so2", concentrations.get("so2_24h"), "24h", standard)
    o3_8h = concentrations.get("o3_8h")
    if o3_8h is not None and o3_8h > 800:
        indices["o3"] = iaqi("o3", concentrations.get("o3_1h"), "1h", standard)
