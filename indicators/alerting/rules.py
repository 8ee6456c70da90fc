"""Alert rules as data: rules.yaml parsed into frozen objects, resolved per (indicator, unit, instant).

Resolution order (later wins): the catalog's thresholds, the last matching rule, the unit
override, then every special period active at the instant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from zoneinfo import ZoneInfo

from data import yamlfile
from indicators.catalog import Catalog
from indicators.model import LEVELS, SEVERITIES, Direction, Indicator

RULES_FILE = Path(__file__).resolve().parent / "rules.yaml"
NO_DATA_MODES = ("keep", "alert", "normal")
HISTORY_MODES = ("same_hour_last_week", "zscore")        # relative to indicator_history snapshots
RELATIVE_MODES = ("baseline_7d",) + HISTORY_MODES
SAME_HOUR = {"hour_of_day": 1, "hour_of_week": 7}       # days between the samples of a z-score
_DURATION = re.compile(r"^(\d+)(s|m|h|d)$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}
TUNABLE = ("for", "keep_firing_for", "hysteresis", "no_data", "stale_after", "min_severity", "thresholds",
           "relative_to", "min_value", "zscore")
# The schema of rules.yaml, declared once (data.yamlfile.check_schema): a misspelt key is an error
# naming file, line and key. None: any value (parse_config checks its form).
_TUNING = {key: None for key in TUNABLE} | {"thresholds": {s: None for s in SEVERITIES},
                                           "zscore": {"weeks": None, "same": None, "min_samples": None,
                                                      "min_std": None, "min_std_ratio": None}}
RULES_SCHEMA = {
    "defaults": _TUNING | {"windows": None},
    "escalation": {"red_unacknowledged_after": None, "repeat_after": None, "default_handling_level": None},
    "rules": [_TUNING | {"match": None, "enabled": None, "levels": None}],
    "overrides": [_TUNING | {"indicator": None, "unit": None}],
    "special_periods": [_TUNING | {"match": None, "name_zh": None, "name_en": None, "from": None, "to": None,
                                   "levels": None}],
    "outages": [{"source": None, "name_zh": None, "name_en": None, "health": None, "below": None, "inhibits": None}],
    "webhooks": [{"name": None, "url": None, "format": None, "events": None}],
}


class RulesError(ValueError):
    """rules.yaml is invalid; the message names the file, and the line and key where known."""


def parse_duration(text) -> int | None:
    """Return seconds for '30s', '15m', '2h', '1d' (None stays None)."""
    if text is None:
        return None
    match = _DURATION.match(str(text).strip())
    if not match:
        raise ValueError(f"not a duration: {text!r} (use 30s, 15m, 2h or 1d)")
    return int(match.group(1)) * _UNIT_S[match.group(2)]


@dataclass(frozen=True)
class ZScore:
    """How a z-score against history is taken: samples, their spacing, and the floor on the spread."""

    weeks: int = 4                      # how far back the samples go
    same: str = "hour_of_day"           # hour_of_day: every day at this hour; hour_of_week: this weekday only
    min_samples: int = 5                # fewer snapshots than this: no z-score (the rule's no_data applies)
    min_std: float = 1.0                # floor on the standard deviation, in the indicator's unit
    min_std_ratio: float = 0.05         # and as a share of |mean|: a flat series does not divide by ~0

    def __post_init__(self):
        if self.same not in SAME_HOUR:
            raise ValueError(f"zscore.same must be one of {tuple(SAME_HOUR)}, not {self.same!r}")
        if self.weeks < 1 or self.min_samples < 2:
            raise ValueError("zscore needs weeks >= 1 and min_samples >= 2")
        if self.min_std <= 0 and self.min_std_ratio <= 0:
            raise ValueError("zscore needs a floor on the spread: min_std or min_std_ratio above 0")

    @property
    def every_days(self) -> int:
        """Return the days between two samples (1 every day, 7 the same weekday)."""
        return SAME_HOUR[self.same]

    @property
    def max_lag_days(self) -> int:
        """Return how many days back the oldest sample lies."""
        return 7 * self.weeks

    def spread(self, mean: float, std: float | None) -> float:
        """Return the standard deviation the z-score divides by: the sample's, or the floor if larger."""
        return max(0.0 if std is None else float(std), self.min_std, self.min_std_ratio * abs(float(mean)))


@dataclass(frozen=True)
class Rule:
    """The effective alert rule of one series: bounds mildest first, already filtered by min_severity."""

    bounds: tuple[tuple[str, float], ...]
    sign: float = 1.0                   # +1 higher is worse, -1 higher is better
    relative_to: str | None = None      # None (absolute), baseline_7d, same_hour_last_week (ratios) or zscore
    for_s: int = 3600
    keep_firing_s: int = 1800
    hysteresis: float = 0.1
    no_data: str = "keep"
    stale_s: int | None = None
    min_value: float | None = None      # below this the value is too small to alert on (ratios of tiny counts)
    zscore: ZScore = ZScore()

    @property
    def relative(self) -> bool:
        """Return whether the bounds are not in the indicator's own unit (ratios or z-scores)."""
        return self.relative_to is not None

    @property
    def needs_history(self) -> bool:
        """Return whether evaluating this rule reads indicator_history."""
        return self.relative_to in HISTORY_MODES


@dataclass(frozen=True)
class Tuning:
    """Settings a rule, override or special period changes (None: unchanged)."""

    values: tuple[tuple[str, object], ...] = ()

    def apply(self, base: dict) -> dict:
        """Return ``base`` with these settings laid over it."""
        return {**base, **dict(self.values)}


@dataclass(frozen=True)
class Matcher:
    """A rule or special period: a pattern, optional dates, and its tuning."""

    match: str
    tuning: Tuning
    enabled: bool | None = None         # None: this entry does not switch alerting on or off
    name: str = ""
    from_day: date | None = None
    to_day: date | None = None
    levels: tuple[str, ...] | None = None     # None: every level

    def applies(self, indicator_id: str, level: str) -> bool:
        """Return whether this entry tunes ``indicator_id`` at ``level``."""
        return fnmatchcase(indicator_id, self.match) and (self.levels is None or level in self.levels)

    def active_on(self, day: date) -> bool:
        """Return whether the date range (inclusive) covers ``day``."""
        return self.from_day is None or self.from_day <= day <= self.to_day


@dataclass(frozen=True)
class Outage:
    """A data source whose health indicator, below a share, suppresses the alerts it feeds."""

    source: str
    name_zh: str
    name_en: str
    health: str
    below: float
    inhibits: tuple[str, ...]

    def covers(self, indicator_id: str) -> bool:
        """Return whether this source feeds ``indicator_id``."""
        return any(fnmatchcase(indicator_id, p) for p in self.inhibits)


@dataclass(frozen=True)
class Webhook:
    """A notification target."""

    name: str
    url: str
    format: str = "json"
    events: tuple[str, ...] = ("fired_red", "escalated")


@dataclass(frozen=True)
class AlertConfig:
    """Everything in rules.yaml."""

    defaults: dict
    windows: tuple[str, ...]
    rules: tuple[Matcher, ...]
    overrides: dict[tuple[str, str], Tuning]
    periods: tuple[Matcher, ...]
    outages: tuple[Outage, ...]
    webhooks: tuple[Webhook, ...]
    escalate_after_s: int
    repeat_after_s: int
    default_handling_level: int
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def alerting(self, indicator: Indicator) -> bool:
        """Return whether ``indicator`` raises alerts at all."""
        if not (indicator.thresholds.levels or indicator.thresholds.per_level):
            return False
        if indicator.window is None or indicator.window.value not in self.windows:
            return False
        switches = [r.enabled for r in self.rules if r.enabled is not None and fnmatchcase(indicator.id, r.match)]
        return switches[-1] if switches else True

    def rule_for(self, indicator: Indicator, level: str, unit_code: str, day: date) -> Rule:
        """Return the effective rule of (indicator, unit) on ``day``."""
        periods = tuple(p for p in self.periods if p.active_on(day) and p.applies(indicator.id, level))
        override = self.overrides.get((indicator.id, unit_code))
        key = (indicator.id, level, periods, override)
        if key not in self._cache:
            self._cache[key] = self._resolve(indicator, level, periods, override)
        return self._cache[key]

    def _resolve(self, indicator, level, periods, override) -> Rule:
        settings = dict(self.defaults)
        for rule in self.rules:
            if rule.applies(indicator.id, level):
                settings = rule.tuning.apply(settings)
        for tuning in ([override] if override else []) + [p.tuning for p in periods]:
            settings = tuning.apply(settings)
        return build_rule(indicator, level, settings)


def build_rule(indicator: Indicator, level: str, settings: dict) -> Rule:
    """Return the Rule of ``indicator`` at ``level`` under the merged ``settings``."""
    bounds = tuple(indicator.thresholds.bounds_for(level))
    relative_to = indicator.thresholds.relative_at(level)
    if settings.get("thresholds"):
        given = dict(settings["thresholds"])
        bounds = tuple((s, float(given[s])) for s in SEVERITIES if s in given)
        relative_to = settings.get("relative_to")
    floor = SEVERITIES.index(settings.get("min_severity") or "blue")
    bounds = tuple((s, b) for s, b in bounds if SEVERITIES.index(s) >= floor)
    return Rule(bounds=bounds, sign=-1.0 if indicator.direction == Direction.HIGHER_IS_BETTER else 1.0,
                relative_to=relative_to, zscore=ZScore(**dict(settings.get("zscore") or ())), for_s=parse_duration(settings.get("for")) or 0,
                keep_firing_s=parse_duration(settings.get("keep_firing_for")) or 0,
                hysteresis=float(settings.get("hysteresis", 0.1)), no_data=settings.get("no_data", "keep"),
                stale_s=parse_duration(settings.get("stale_after")),
                min_value=None if settings.get("min_value") is None else float(settings["min_value"]))


def _tuning(entry: dict) -> Tuning:
    unknown = set(entry) - set(TUNABLE) - {"match", "enabled", "indicator", "unit", "name_zh", "name_en", "from", "to",
                                           "levels"}
    if unknown:
        raise ValueError(f"unknown alert rule settings {sorted(unknown)} in {entry}")
    if entry.get("no_data", "keep") not in NO_DATA_MODES:
        raise ValueError(f"no_data must be one of {NO_DATA_MODES}: {entry}")
    for key in ("for", "keep_firing_for", "stale_after"):
        parse_duration(entry.get(key))
    _check_relative(entry)
    frozen = {k: (tuple(entry[k].items()) if k in ("thresholds", "zscore") else entry[k]) for k in TUNABLE if k in entry}
    return Tuning(tuple(frozen.items()))     # hashable: effective rules are cached by it


def _check_relative(entry: dict) -> None:
    """Refuse a relative_to that is unknown or comes without the thresholds it gives a meaning to."""
    mode = entry.get("relative_to")
    if mode is not None and mode not in RELATIVE_MODES:
        raise ValueError(f"relative_to must be one of {RELATIVE_MODES}: {entry}")
    if "relative_to" in entry and "thresholds" not in entry:
        raise ValueError(f"relative_to needs thresholds in the same entry (ratios or z-scores): {entry}")
    if entry.get("zscore") is not None:
        ZScore(**dict(entry["zscore"]))          # raises on unknown keys or a missing floor
    if entry.get("levels") is not None and ("enabled" in entry or not set(entry["levels"]) <= set(LEVELS)):
        raise ValueError(f"levels must be a list of {LEVELS} and cannot switch alerting on or off: {entry}")


def _levels(entry: dict) -> tuple[str, ...] | None:
    return None if entry.get("levels") is None else tuple(entry["levels"])


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def parse_config(raw: dict) -> AlertConfig:
    """Return the AlertConfig of a parsed rules.yaml (raises ValueError naming the bad entry)."""
    defaults = dict(raw.get("defaults") or {})
    windows = tuple(defaults.pop("windows", ("now", "last_hour", "today", "last_24h")))
    _tuning(defaults)
    esc = raw.get("escalation") or {}
    return AlertConfig(
        defaults=defaults, windows=windows,
        rules=tuple(Matcher(r["match"], _tuning(r), enabled=r.get("enabled"), levels=_levels(r))
                    for r in raw.get("rules") or ()),
        overrides={(o["indicator"], str(o["unit"])): _tuning(o) for o in raw.get("overrides") or ()},
        periods=tuple(Matcher(p["match"], _tuning(p), name=f"{p.get('name_zh', '')} {p.get('name_en', '')}".strip(),
                              from_day=_day(p["from"]), to_day=_day(p["to"]), levels=_levels(p))
                      for p in raw.get("special_periods") or ()),
        outages=tuple(Outage(o["source"], o.get("name_zh", o["source"]), o.get("name_en", o["source"]), o["health"],
                             float(o["below"]), tuple(o["inhibits"])) for o in raw.get("outages") or ()),
        webhooks=tuple(Webhook(w["name"], w["url"], w.get("format", "json"), tuple(w.get("events", ("fired_red", "escalated"))))
                       for w in raw.get("webhooks") or ()),
        escalate_after_s=parse_duration(esc.get("red_unacknowledged_after", "30m")),
        repeat_after_s=parse_duration(esc.get("repeat_after", "30m")),
        default_handling_level=int(esc.get("default_handling_level", 3)),
    )


def load_config(path: Path = RULES_FILE) -> AlertConfig:
    """Return the alert configuration in ``path`` (default indicators/alerting/rules.yaml); raise
    RulesError naming the file (and the line and key of every unknown key)."""
    try:
        raw = yamlfile.read(path) or {}
    except yamlfile.YamlError as exc:
        raise RulesError(str(exc)) from None
    problems = yamlfile.check_schema(raw, RULES_SCHEMA, str(path))
    if problems:
        raise RulesError(f"{len(problems)} problem(s) in {path}:\n" + "\n".join(f"  {p}" for p in problems))
    try:
        return parse_config(raw)
    except (ValueError, KeyError, TypeError) as exc:
        detail = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
        raise RulesError(f"{path}: {detail}") from None


def with_changes(config: AlertConfig, **changes) -> AlertConfig:
    """Return a copy of ``config`` with fields replaced (tests and the CLI use it)."""
    return replace(config, _cache={}, **changes)


def local_day(at_s: int, tz: str) -> date:
    """Return the city-local date of an instant (special periods are local dates)."""
    return datetime.fromtimestamp(at_s, ZoneInfo(tz)).date()


def alerting_indicators(config: AlertConfig, catalog: Catalog) -> list[Indicator]:
    """Return the indicators that raise alerts under ``config``."""
    return [i for i in catalog.indicators if config.alerting(i)]
