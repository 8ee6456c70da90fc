"""The indicator model: a closed set of types, windows and levels; frozen dataclasses.

The catalog YAML (indicators/catalog/*.yaml) is parsed into these objects by
``indicators.catalog``; the compiler and engine only ever see them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from data.levels import LEVELS
from indicators.periods import PeriodKind


class IndicatorType(StrEnum):
    """How an indicator's value is aggregated."""

    COUNT = "count"
    SUM = "sum"
    AVG = "avg"
    MIN = "min"
    MAX = "max"
    PERCENTILE = "percentile"
    DISTINCT_COUNT = "distinct_count"
    RATIO = "ratio"
    DERIVED = "derived"
    AQI = "aqi"


# Summable across units: a parent's value is the sum of its children's (a distinct count is not).
ADDITIVE_TYPES = frozenset({IndicatorType.COUNT, IndicatorType.SUM})
# The aggregates a period's value can be summed from, day by day (docs/PERIODS.md): a count or a
# sum, or a ratio of them. A mean, a percentile (a median) or a distinct count of a month is not the
# sum of its days' ones, so those indicators have no period views.
DAY_SUMMABLE_AGGS = frozenset({"count", "sum"})
# Counted: a unit without rows counts zero, and the 7-day baseline is the mean of the daily totals.
COUNTED_TYPES = frozenset({IndicatorType.COUNT, IndicatorType.SUM, IndicatorType.DISTINCT_COUNT})


class Window(StrEnum):
    """The time span an indicator covers, ending at the evaluation instant ("now")."""

    NOW = "now"                 # a state at the instant (open cases, sensors reporting)
    LAST_HOUR = "last_hour"
    TODAY = "today"             # local midnight .. now
    YESTERDAY = "yesterday"     # the previous local day, whole
    LAST_24H = "last_24h"
    LAST_7D = "last_7d"
    LAST_30D = "last_30d"


class Direction(StrEnum):
    """Which way is bad."""

    HIGHER_IS_WORSE = "higher_is_worse"
    HIGHER_IS_BETTER = "higher_is_better"
    NEUTRAL = "neutral"


class DerivedOp(StrEnum):
    """Expressions over another indicator."""

    PER_10K = "per_10k"                             # per 10,000 residents of the unit
    PER_KM2 = "per_km2"                             # per square kilometre of the unit
    CHANGE_VS_PREVIOUS = "change_vs_previous"       # relative change against the previous period
    CHANGE_VS_BASELINE_7D = "change_vs_baseline_7d"  # relative change against the mean of the same window on the 7 previous days


SEVERITIES = ("blue", "yellow", "orange", "red")      # the Chinese four-colour warning scale, mildest first
STATUSES = ("normal",) + SEVERITIES + ("no_data",)
BASELINE_7D = "baseline_7d"                           # the one baseline thresholds may be relative to


def severity_rank(severity: str | None) -> int:
    """Return 1 (blue) to 4 (red) for a severity, 0 for none: its place in SEVERITIES.

    SQL ranks the same way with ``list_position(?, severity)``, SEVERITIES bound as the list.
    """
    return SEVERITIES.index(severity) + 1 if severity in SEVERITIES else 0


@dataclass(frozen=True)
class Measure:
    """One aggregate over a source: ``agg(expression) FILTER (WHERE filter)``."""

    agg: str                    # count, sum, avg, min, max, percentile, distinct_count
    expression: str = "*"       # SQL over the source's columns (catalog text only)
    filter: str = "true"        # SQL condition over the source's columns
    quantile: float | None = None


@dataclass(frozen=True)
class Thresholds:
    """Four severities crossed in the indicator's bad direction, absolute or relative to the baseline.

    ``calibrate`` names the levels whose bounds depend on the city's volumes (a grid's case count):
    the catalog gives none there, the city's thresholds file does (indicators/thresholds.py), as
    ``per_level`` bounds, absolute or, for the levels in ``relative_levels``, ratios to the baseline."""

    levels: tuple[tuple[str, float], ...] = ()        # (severity, bound), mildest first
    relative_to: str | None = None                    # None (absolute) or "baseline_7d"
    per_level: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = ()   # overrides by level
    relative_levels: tuple[str, ...] = ()             # per_level levels graded against the baseline
    calibrate: tuple[str, ...] = ()                   # levels whose bounds come from the city's history

    def bounds_for(self, level: str) -> tuple[tuple[str, float], ...]:
        """Return the (severity, bound) pairs that apply at ``level`` (none at an uncalibrated level)."""
        own = dict(self.per_level)
        if level in own:
            return own[level]
        return () if level in self.calibrate else self.levels

    def relative_at(self, level: str) -> str | None:
        """Return what the bounds at ``level`` are relative to: None (absolute) or "baseline_7d"."""
        if level in dict(self.per_level):
            return BASELINE_7D if level in self.relative_levels else None
        return self.relative_to

    @property
    def uses_baseline(self) -> bool:
        """Return whether some level is graded against the 7-day baseline."""
        return bool(self.relative_to or self.relative_levels)


@dataclass(frozen=True)
class Indicator:
    """One city vital sign."""

    id: str
    name_zh: str
    name_en: str
    domain: str
    subject: str
    definition: str
    unit: str
    type: IndicatorType
    source: str | None = None
    window: Window | None = None
    time_column: str | None = None          # defaults to the source's time column
    measure: Measure | None = None          # count .. distinct_count
    numerator: Measure | None = None        # ratio
    denominator: Measure | None = None      # ratio
    scale: float = 1.0                      # ratio multiplier (100 for percentages)
    op: DerivedOp | None = None             # derived
    input: str | None = None                # derived: the indicator it is computed from
    aqi_mode: str | None = None             # aqi: hourly or daily
    levels: tuple[str, ...] = LEVELS
    direction: Direction = Direction.NEUTRAL
    target: float | None = None
    target_kind: str = "none"               # none, manual, baseline_7d
    thresholds: Thresholds = field(default_factory=Thresholds)
    department: str = ""
    cadence_s: int = 60
    no_data_expected: bool = False          # a null value is normal (e.g. no cases of a rare kind)
    periods: tuple[PeriodKind, ...] = ()    # the period views it has (week, month ...): indicators/day_partials.py
    # The definition in Chinese (``definition`` is the English one). The catalog loader requires it.
    definition_zh: str = ""

    def definition_in(self, language: str) -> str:
        """Return the definition in ``language`` ("zh" or "en")."""
        return self.definition_zh if language == "zh" else self.definition

    def measure_filter(self) -> str:
        """Return the row filter of a single-measure indicator (AQI and aggregates)."""
        return self.measure.filter if self.measure else "true"

    @property
    def summable_by_day(self) -> bool:
        """Return whether a longer period's value is the sum of its days' parts: a count, a sum or a
        ratio of counts and sums, over one day (window ``today``)."""
        parts = [self.numerator, self.denominator] if self.type == IndicatorType.RATIO else [self.measure]
        return (self.window == Window.TODAY and self.type in ADDITIVE_TYPES | {IndicatorType.RATIO}
                and all(part is not None and part.agg in DAY_SUMMABLE_AGGS for part in parts))

    @property
    def additive(self) -> bool:
        """Return whether the city value is the sum of the district values."""
        return self.type in ADDITIVE_TYPES
