"""China's Air Quality Index (AQI) under HJ 633—2012 and HJ 633—2026.

HJ 633—2012 (环境空气质量指数（AQI）技术规定（试行）) applies to data dated before
2026-03-01; HJ 633—2026 (环境空气质量指数（AQI）技术规定), published with GB 3095—2026,
applies from 2026-03-01 (Beijing date of the data). :func:`standard_for` picks one.
Each standard is a data table (:class:`Standard`); the code below is shared.

Method (both standards):

- concentrations are first rounded to reporting precision, CO to 0.1 mg/m³ and the
  others to 1 µg/m³, half to even (GB/T 8170 四舍六入五成双);
- an individual index (IAQI) is the linear interpolation between the two breakpoints
  around the concentration, carried up to the next integer (进位取整, HJ 633—2026 4.2.6);
- above the top of a full column the IAQI is 500; two columns stop at 800 µg/m³ and
  have their own rule: SO2 1-hour and O3 8-hour. HJ 633—2012 gives them no IAQI and
  reports SO2 from its 24-hour mean, O3 from its 1-hour mean (Table 1 notes 2, 3);
  HJ 633—2026 rates them 200 and 300 (Table 3 notes b, c);
- the AQI is the largest IAQI; the primary pollutants are those whose IAQI equals the
  AQI when it is above 50; six levels with fixed colours (Appendix A RGB values).

Pollutant keys: ``so2, no2, pm10, co, o3, pm25``; columns (periods) ``1h, 8h, 24h``.
Concentrations are µg/m³ except CO in mg/m³.

Keys of ``concentrations`` for :func:`aqi` (a pollutant plus the average it is):

============  ========  ===============================================================
standard      mode      keys
============  ========  ===============================================================
HJ633-2026    hourly    ``so2_1h no2_1h co_1h o3_1h pm10_1h pm25_1h`` (1-hour means;
                        PM 1-hour means are rated on the 24h column, 4.2.3)
HJ633-2026    daily     ``so2_24h no2_24h co_24h pm10_24h pm25_24h`` (daily means) and
                        ``o3_8h`` (the day's largest 8-hour moving mean)
HJ633-2012    hourly    the six 1-hour keys above; optional ``o3_8h`` (8-hour moving
                        mean, a real-time indicator in 5.2: O3 takes the larger index);
                        ``so2_24h`` (24-hour moving mean) is read only when ``so2_1h``
                        is above 800 (note 2)
HJ633-2012    daily     the six daily keys above and ``o3_1h`` (the day's largest
                        1-hour mean, a daily indicator in 5.1: O3 takes the larger index)
============  ========  ===============================================================

A missing key, None or NaN is skipped; with nothing left the AQI is None. A caller may
pass every average it has: a key the chosen standard does not read in that mode (e.g.
``o3_8h`` hourly under HJ633-2026) is ignored, a key no standard reads raises ValueError.
Sources and tables: docs/AQI.md.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Mapping

STANDARD_2012 = "HJ633-2012"
STANDARD_2026 = "HJ633-2026"
STANDARDS = (STANDARD_2012, STANDARD_2026)
HJ633_2026_IN_FORCE = date(2026, 3, 1)
POLLUTANTS = ("so2", "no2", "pm10", "co", "o3", "pm25")
PERIODS = ("1h", "8h", "24h")
MODES = ("hourly", "daily")
IAQI_STEPS = (0, 50, 100, 150, 200, 300, 400, 500)

# HJ 633—2012 Table 1: concentration breakpoints matching IAQI_STEPS.
BREAKPOINTS_2012: Mapping[tuple[str, str], tuple[int, ...]] = MappingProxyType({
    ("so2", "24h"): (0, 50, 150, 475, 800, 1600, 2100, 2620),
    ("so2", "1h"): (0, 150, 500, 650, 800),
    ("no2", "24h"): (0, 40, 80, 180, 280, 565, 750, 940),
    ("no2", "1h"): (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    ("pm10", "24h"): (0, 50, 150, 250, 350, 420, 500, 600),
    ("co", "24h"): (0, 2, 4, 14, 24, 36, 48, 60),
    ("co", "1h"): (0, 5, 10, 35, 60, 90, 120, 150),
    ("o3", "8h"): (0, 100, 160, 215, 265, 800),
    ("o3", "1h"): (0, 160, 200, 300, 400, 800, 1000, 1200),
    ("pm25", "24h"): (0, 35, 75, 115, 150, 250, 350, 500),
})

# HJ 633—2026 Table 3: as 2012 but PM10 and PM2.5 tightened at IAQI 100 (150 → 120, 75 → 60).
BREAKPOINTS_2026: Mapping[tuple[str, str], tuple[int, ...]] = MappingProxyType({
    **BREAKPOINTS_2012,
    ("pm10", "24h"): (0, 50, 120, 250, 350, 420, 500, 600),
    ("pm25", "24h"): (0, 35, 60, 115, 150, 250, 350, 500),
})

LEVELS = (  # (upper AQI, level, category zh, category en, colour, RGB) — Appendix A
    (50, 1, "优", "Excellent", "#00E400", (0, 228, 0)),
    (100, 2, "良", "Good", "#FFFF00", (255, 255, 0)),
    (150, 3, "轻度污染", "Lightly polluted", "#FF7E00", (255, 126, 0)),
    (200, 4, "中度污染", "Moderately polluted", "#FF0000", (255, 0, 0)),
    (300, 5, "重度污染", "Heavily polluted", "#99004C", (153, 0, 76)),
    (math.inf, 6, "严重污染", "Severely polluted", "#7E0023", (126, 0, 35)),
)


@dataclass(frozen=True)
class Mode:
    """Which averages feed one report of one standard.

    ``indicators`` maps a concentration key to the (pollutant, column) it is rated on;
    ``extra`` lists keys read only by a fallback; ``fallbacks`` maps a key whose value
    has no IAQI (above a short column) to the key that reports that pollutant instead.
    """

    indicators: Mapping[str, tuple[str, str]]
    extra: Mapping[str, tuple[str, str]]
    fallbacks: Mapping[str, str]

    def column_of(self, key: str) -> tuple[str, str]:
        return self.indicators[key] if key in self.indicators else self.extra[key]

    def column_keys(self) -> tuple[str, ...]:
        return (*self.indicators, *self.extra)


@dataclass(frozen=True)
class Standard:
    """One AQI standard as data: breakpoints, rules above short columns, report modes."""

    name: str
    in_force_from: date
    breakpoints: Mapping[tuple[str, str], tuple[int, ...]]
    above_top: Mapping[tuple[str, str], int | None]   # IAQI above a short column's top
    modes: Mapping[str, Mode]


def _frozen(d: dict) -> Mapping:
    return MappingProxyType(d)


_HOURLY = {"so2_1h": ("so2", "1h"), "no2_1h": ("no2", "1h"), "co_1h": ("co", "1h"),
           "o3_1h": ("o3", "1h"), "pm10_1h": ("pm10", "24h"), "pm25_1h": ("pm25", "24h")}
_DAILY = {"so2_24h": ("so2", "24h"), "no2_24h": ("no2", "24h"), "co_24h": ("co", "24h"),
          "pm10_24h": ("pm10", "24h"), "pm25_24h": ("pm25", "24h"), "o3_8h": ("o3", "8h")}

HJ633_2012 = Standard(
    name=STANDARD_2012,
    in_force_from=date(2012, 2, 29),
    breakpoints=BREAKPOINTS_2012,
    above_top=_frozen({("so2", "1h"): None, ("o3", "8h"): None}),     # notes 2 and 3
    modes=_frozen({
        "hourly": Mode(_frozen({**_HOURLY, "o3_8h": ("o3", "8h")}),
                       _frozen({"so2_24h": ("so2", "24h")}),
                       _frozen({"so2_1h": "so2_24h", "o3_8h": "o3_1h"})),
        "daily": Mode(_frozen({**_DAILY, "o3_1h": ("o3", "1h")}), _frozen({}),
                      _frozen({"o3_8h": "o3_1h"})),
    }),
)

HJ633_2026 = Standard(
    name=STANDARD_2026,
    in_force_from=HJ633_2026_IN_FORCE,
    breakpoints=BREAKPOINTS_2026,
    above_top=_frozen({("so2", "1h"): 200, ("o3", "8h"): 300}),       # notes b and c
    modes=_frozen({
        "hourly": Mode(_frozen(dict(_HOURLY)), _frozen({}), _frozen({})),
        "daily": Mode(_frozen(dict(_DAILY)), _frozen({}), _frozen({})),
    }),
)

STANDARD_TABLES: Mapping[str, Standard] = _frozen({s.name: s for s in (HJ633_2012, HJ633_2026)})


@dataclass(frozen=True)
class AqiResult:
    """An AQI with its level, category, colour and primary pollutants.

    ``indices`` holds each rated pollutant's IAQI as (pollutant, IAQI) pairs in
    :data:`POLLUTANTS` order; ``standard`` names the standard applied.
    """

    aqi: int | None
    primary_pollutants: tuple[str, ...]
    level: int | None
    category: str | None
    category_en: str | None
    color: str | None
    standard: str | None = None
    indices: tuple[tuple[str, int], ...] = ()


def standard_for(on: date) -> str:
    """Return the standard for data of the (Beijing) date ``on``: HJ633-2026 from 2026-03-01.

    Earlier dates get HJ633-2012, the only AQI regulation before it (China published an
    API, not an AQI, before 2012).
    """
    if isinstance(on, datetime):
        on = on.date()
    if not isinstance(on, date):
        raise TypeError(f"on must be a date, not {type(on).__name__}")
    return STANDARD_2026 if on >= HJ633_2026_IN_FORCE else STANDARD_2012


def _standard(name: str) -> Standard:
    try:
        return STANDARD_TABLES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown standard {name!r}; supported: {', '.join(STANDARDS)}") from None


def _is_missing(concentration) -> bool:
    return concentration is None or (isinstance(concentration, float) and math.isnan(concentration))


def _rounded(pollutant: str, concentration: float) -> Decimal:
    """Round to reporting precision, half to even: CO to 0.1 mg/m³, the others to 1 µg/m³."""
    if isinstance(concentration, bool) or not isinstance(concentration, numbers.Real):
        raise TypeError(f"concentration of {pollutant} must be a number, not {concentration!r}")
    if not math.isfinite(concentration):
        raise ValueError(f"concentration of {pollutant} must be finite, not {concentration}")
    if concentration < 0:
        raise ValueError(f"negative concentration {concentration} for {pollutant}")
    exact = Decimal(int(concentration)) if isinstance(concentration, numbers.Integral) \
        else Decimal(repr(float(concentration)))    # the decimal the float was written as
    return exact.quantize(Decimal("0.1") if pollutant == "co" else Decimal(1), rounding=ROUND_HALF_EVEN)


def _interpolate(points: tuple[int, ...], c: Decimal) -> int:
    """Return the IAQI of ``c`` (not above ``points[-1]``), carried up to an integer."""
    for i in range(1, len(points)):
        if c <= points[i]:
            lo_c, hi_c, lo_i, hi_i = points[i - 1], points[i], IAQI_STEPS[i - 1], IAQI_STEPS[i]
            return math.ceil(Fraction(hi_i - lo_i, hi_c - lo_c) * (Fraction(c) - lo_c) + lo_i)
    raise AssertionError("concentration above the column")


def iaqi(pollutant: str, concentration: float | None, period: str, standard: str) -> int | None:
    """Return the IAQI of a concentration on the ``period`` column of ``standard``.

    None when the concentration is None or NaN, or above a short column whose standard
    gives no IAQI there (HJ 633—2012 SO2 1h, O3 8h). Raises ValueError for an unknown
    pollutant, period or standard, a column the standard lacks (PM has no 1h column:
    real-time PM 1-hour means are rated on ``"24h"``), or a negative or infinite value.
    """
    table = _standard(standard)
    if pollutant not in POLLUTANTS:
        raise ValueError(f"unknown pollutant {pollutant!r}; expected one of {', '.join(POLLUTANTS)}")
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}; expected one of {', '.join(PERIODS)}")
    points = table.breakpoints.get((pollutant, period))
    if points is None:
        raise ValueError(f"{standard} has no {period} breakpoints for {pollutant}")
    if _is_missing(concentration):
        return None
    c = _rounded(pollutant, concentration)
    if c > points[-1]:
        return table.above_top[(pollutant, period)] if len(points) < len(IAQI_STEPS) else IAQI_STEPS[-1]
    return _interpolate(points, c)


def level_of(aqi_value: int | None) -> tuple[int, str, str, str] | None:
    """Return (level, category zh, category en, colour) of an AQI value, None for None."""
    if aqi_value is None:
        return None
    if aqi_value < 0:
        raise ValueError(f"AQI cannot be negative: {aqi_value}")
    for upper, level, zh, en, colour, _rgb in LEVELS:
        if aqi_value <= upper:
            return level, zh, en, colour
    raise AssertionError("unreachable")


def aqi(concentrations: Mapping[str, float | None], on: date | None = None, mode: str = "hourly",
        standard: str | None = None) -> AqiResult:
    """Return the AQI of the concentrations of one hour (``hourly``) or one day (``daily``).

    The standard is ``standard`` if given, else the one in force on ``on``; without
    either it is the one in force today, HJ633-2026 (pass ``on`` for historical data).
    Keys are documented in the module docstring.
    """
    if standard is None:
        standard = standard_for(on) if on is not None else STANDARD_2026
    table = _standard(standard)
    if mode not in table.modes:
        raise ValueError(f"mode must be 'hourly' or 'daily', not {mode!r}")
    spec = table.modes[mode]
    _check_keys(concentrations, mode)
    indices = _individual_indices(concentrations, spec, standard)
    if not indices:
        return AqiResult(None, (), None, None, None, None, standard, ())
    value = max(indices.values())
    primary = tuple(p for p in POLLUTANTS if indices.get(p) == value) if value > 50 else ()
    level, zh, en, colour = level_of(value)
    ordered = tuple((p, indices[p]) for p in POLLUTANTS if p in indices)
    return AqiResult(value, primary, level, zh, en, colour, standard, ordered)


def _check_keys(concentrations: Mapping, mode: str) -> None:
    """Refuse keys no standard reads in this mode (a key one standard ignores is allowed)."""
    known = {key for table in STANDARD_TABLES.values() for key in table.modes[mode].column_keys()}
    unknown = sorted(set(concentrations) - known)
    if unknown:
        raise ValueError(f"unknown keys {unknown} for mode {mode!r}; known: {', '.join(sorted(known))}")


def _individual_indices(concentrations: Mapping, spec: Mode, standard: str) -> dict[str, int]:
    """Return each pollutant's IAQI: the largest of its indicators, after the table notes."""
    indices: dict[str, int] = {}
    for key, (pollutant, period) in spec.indicators.items():
        value = concentrations.get(key)
        if _is_missing(value):
            continue
        index = iaqi(pollutant, value, period, standard)
        if index is None:
            index = _fallback_index(concentrations, spec, key, standard)
        indices[pollutant] = max(indices.get(pollutant, index), index)
    return indices


def _fallback_index(concentrations: Mapping, spec: Mode, key: str, standard: str) -> int:
    """Rate a pollutant by the average its table note names when ``key`` has no IAQI."""
    other = spec.fallbacks[key]
    value = concentrations.get(other)
    if _is_missing(value):
        raise ValueError(f"{key}={concentrations[key]} is above its column; {standard} then "
                         f"reports the pollutant from {other}, which is missing")
    pollutant, period = spec.column_of(other)
    return iaqi(pollutant, value, period, standard)
