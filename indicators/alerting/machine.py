"""The per-series alert state machine, pure: (previous state, observation, rule, instant) → next state.

normal → pending → firing → recovering → normal, plus no_data and stale. A series fires after
its value has crossed a bound for ``for`` seconds, clears only once past the clear threshold
(bound ∓ hysteresis·|bound|), and steps a severity down only past that severity's clear
threshold, so a noisy series near a bound does not flap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from indicators.alerting.rules import Rule
from indicators.model import SEVERITIES

QUIET = ("normal", "no_data", "stale")
ACTIVE = ("pending", "firing", "recovering")


@dataclass(frozen=True)
class Series:
    """The state of one (indicator, unit)."""

    state: str = "normal"
    severity: str | None = None
    since_s: int = 0


@dataclass(frozen=True)
class Observation:
    """One refresh's value of a series, with what relative rules compare it against."""

    value: float | None
    baseline: float | None = None       # the engine's 7-day baseline
    age_s: float | None = None
    last_week: float | None = None      # the hourly snapshot 7×24 h earlier
    mean: float | None = None           # of the history samples of a z-score rule
    std: float | None = None
    samples: int = 0


@dataclass(frozen=True)
class Transition:
    """One change of state, with the value and the threshold behind it."""

    from_state: str
    to_state: str
    severity: str | None
    value: float | None
    threshold: float | None
    reason: str


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def reference(obs: Observation, rule: Rule) -> float | None:
    """Return what a relative rule compares with: the 7-day baseline, last week's value or the history mean."""
    if rule.relative_to == "same_hour_last_week":
        return None if _missing(obs.last_week) else float(obs.last_week)
    if rule.relative_to == "zscore":
        return None if _missing(obs.mean) or obs.samples < rule.zscore.min_samples else float(obs.mean)
    return None if _missing(obs.baseline) else float(obs.baseline)


def spread(obs: Observation, rule: Rule) -> float | None:
    """Return the standard deviation a z-score divides by (floored), or None without enough history."""
    mean = reference(obs, rule)
    return None if mean is None else rule.zscore.spread(mean, None if _missing(obs.std) else obs.std)


def compared(obs: Observation, rule: Rule) -> float | None:
    """Return the number the bounds apply to: the value, its ratio to a reference, or its z-score."""
    if _missing(obs.value):
        return None
    if rule.min_value is not None and float(obs.value) < rule.min_value:
        return -math.inf * rule.sign          # too small to matter: as far from every bound as can be
    if not rule.relative:
        return float(obs.value)
    ref = reference(obs, rule)
    if rule.relative_to == "zscore":
        return None if ref is None else (float(obs.value) - ref) / spread(obs, rule)
    if ref is None or ref == 0:
        return None
    return float(obs.value) / ref


def absolute(bound: float | None, obs: Observation, rule: Rule) -> float | None:
    """Return a bound in the value's own unit (ratios times the reference, z-scores as mean + z·spread)."""
    if bound is None or not rule.relative:
        return bound
    ref = reference(obs, rule)
    if ref is None:
        return None
    return ref + bound * spread(obs, rule) if rule.relative_to == "zscore" else bound * ref


def crossed(v: float, rule: Rule) -> str | None:
    """Return the most severe severity whose bound ``v`` reaches in the bad direction."""
    worst = None
    for severity, bound in rule.bounds:
        if rule.sign * v >= rule.sign * bound:
            worst = severity
    return worst


def clear_bound(bound: float, rule: Rule) -> float:
    """Return the clear threshold of a bound: back past it by hysteresis·|bound|."""
    return bound - rule.sign * rule.hysteresis * abs(bound)


def _bound(severity: str, rule: Rule) -> float:
    return dict(rule.bounds)[severity]


def _past_clear(v: float, severity: str, rule: Rule) -> bool:
    return rule.sign * v < rule.sign * clear_bound(_bound(severity, rule), rule)


def held_severity(v: float, previous: str, rule: Rule) -> str:
    """Return the severity of a firing series: up at once, down only past the clear threshold."""
    now = crossed(v, rule)
    if now is not None and SEVERITIES.index(now) >= SEVERITIES.index(previous):
        return now
    held = [s for s, _ in rule.bounds if SEVERITIES.index(s) <= SEVERITIES.index(previous)]
    for severity in reversed(held):
        if not _past_clear(v, severity, rule):
            return severity
    return held[0]


def step(prev: Series, obs: Observation, rule: Rule, at_s: int) -> tuple[Series, list[Transition]]:
    """Return the next state of a series and the transitions taken at ``at_s`` (often none)."""
    if not rule.bounds:
        return _to(prev, "normal", None, obs, None, "no thresholds", at_s)
    v = compared(obs, rule)
    if rule.stale_s is not None and not _missing(obs.age_s) and obs.age_s > rule.stale_s:
        return _to(prev, "stale", prev.severity, obs, None, "source stopped reporting", at_s)
    if v is None:
        if rule.no_data == "keep" and prev.state not in ("stale",):
            return prev, []
        if rule.no_data == "alert":
            return _to(prev, "no_data", prev.severity, obs, None, "no data", at_s)
        return _quiet(prev, obs, rule, at_s, "no data treated as normal")
    return _STEPS[prev.state](prev, obs, v, rule, at_s)


def _to(prev: Series, state: str, severity, obs, threshold, reason, at_s) -> tuple[Series, list[Transition]]:
    if prev.state == state and prev.severity == severity:
        return prev, []
    value = None if _missing(obs.value) else float(obs.value)
    moved = Series(state, severity, at_s if prev.state != state else prev.since_s)
    return moved, [Transition(prev.state, state, severity, value, threshold, reason)]


def _chain(first: tuple[Series, list[Transition]], then) -> tuple[Series, list[Transition]]:
    series, done = first
    nxt, more = then(series)
    return nxt, done + more


def _quiet(prev, obs, rule, at_s, reason):
    if prev.state in QUIET:
        return _to(prev, "normal", None, obs, None, reason, at_s)
    if prev.state == "firing":
        return _recover(prev, obs, rule, at_s, None, reason)
    return _to(prev, "normal", None, obs, None, reason, at_s)


def _from_quiet(prev, obs, v, rule, at_s):
    severity = crossed(v, rule)
    if severity is None:
        return _to(prev, "normal", None, obs, None, "data back" if prev.state != "normal" else "", at_s)
    pending = _to(prev, "pending", severity, obs, absolute(_bound(severity, rule), obs, rule), "crossed", at_s)
    if rule.for_s > 0:
        return pending
    return _chain(pending, lambda s: _to(s, "firing", severity, obs, absolute(_bound(severity, rule), obs, rule),
                                         "for elapsed", at_s))


def _from_pending(prev, obs, v, rule, at_s):
    severity = crossed(v, rule)
    if severity is None:
        low = rule.bounds[0][1]
        return _to(prev, "normal", None, obs, absolute(low, obs, rule), "back under before for", at_s)
    threshold = absolute(_bound(severity, rule), obs, rule)
    if at_s - prev.since_s >= rule.for_s:
        return _to(prev, "firing", severity, obs, threshold, "for elapsed", at_s)
    return Series("pending", severity, prev.since_s), []


def _from_firing(prev, obs, v, rule, at_s):
    lowest = rule.bounds[0][0]
    if _past_clear(v, lowest, rule):
        threshold = absolute(clear_bound(_bound(lowest, rule), rule), obs, rule)
        return _recover(prev, obs, rule, at_s, threshold, "past clear threshold")
    severity = held_severity(v, prev.severity if prev.severity in dict(rule.bounds) else lowest, rule)
    return _to(prev, "firing", severity, obs, absolute(_bound(severity, rule), obs, rule),
               "severity changed", at_s)


def _recover(prev, obs, rule, at_s, threshold, reason):
    recovering = _to(prev, "recovering", prev.severity, obs, threshold, reason, at_s)
    if rule.keep_firing_s > 0:
        return recovering
    return _chain(recovering, lambda s: _to(s, "normal", None, obs, threshold, "keep-firing time over", at_s))


def _from_recovering(prev, obs, v, rule, at_s):
    severity = crossed(v, rule)
    if severity is not None:
        return _to(prev, "firing", severity, obs, absolute(_bound(severity, rule), obs, rule), "crossed again", at_s)
    if at_s - prev.since_s >= rule.keep_firing_s:
        return _to(prev, "normal", None, obs, None, "keep-firing time over", at_s)
    return prev, []


_STEPS = {"normal": _from_quiet, "no_data": _from_quiet, "stale": _from_quiet, "pending": _from_pending,
          "firing": _from_firing, "recovering": _from_recovering}
