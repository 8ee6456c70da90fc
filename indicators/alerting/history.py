"""What history-relative rules compare with, read from indicator_history in one query per evaluation.

``same_hour_last_week`` compares a value with the hourly snapshot of the same (indicator, unit)
7×24 h earlier; ``zscore`` with the mean and standard deviation of the snapshots at the same
hour of day (or of week) over the last N weeks. "The same hour" is the top of the hour at or
before the evaluated instant: snapshots are taken on the hour, live refreshes fall between.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from data.clock import DAY_S, HOUR_S, utc
from indicators.alerting import store
from indicators.alerting.machine import Observation, absolute
from indicators.alerting.rules import Rule

WEEK_DAYS = 7

HISTORY_SQL = """
WITH wanted AS (
    SELECT unnest(?::VARCHAR[]) AS indicator_id, unnest(?::VARCHAR[]) AS unit_code,
           unnest(?::INTEGER[]) AS max_lag, unnest(?::INTEGER[]) AS every
), samples AS (
    SELECT h.indicator_id, h.unit_code, h.value, w.max_lag, w.every,
           CAST(round((epoch(?::TIMESTAMPTZ) - epoch(h.as_of)) / 86400) AS INTEGER) AS lag
    FROM indicator_history_all h
    JOIN wanted w ON h.indicator_id = w.indicator_id AND h.unit_code = w.unit_code
    WHERE h.as_of BETWEEN ? AND ? AND h.as_of IN (SELECT unnest(?::TIMESTAMPTZ[]))
)
SELECT indicator_id, unit_code,
       any_value(value) FILTER (WHERE lag = 7) AS last_week,
       count(value) FILTER (WHERE lag <= max_lag AND lag % every = 0) AS samples,
       avg(value) FILTER (WHERE lag <= max_lag AND lag % every = 0) AS mean,
       stddev_samp(value) FILTER (WHERE lag <= max_lag AND lag % every = 0) AS std
FROM samples
GROUP BY indicator_id, unit_code
"""


@dataclass(frozen=True)
class Reference:
    """A series' history at the evaluated hour: last week's value and the z-score's sample statistics."""

    last_week: float | None = None
    mean: float | None = None
    std: float | None = None
    samples: int = 0


def anchor_hour(at_s: int) -> int:
    """Return the top of the hour at or before ``at_s`` (the snapshot the instant belongs to)."""
    return at_s // HOUR_S * HOUR_S


def _lags(rule: Rule) -> tuple[int, int]:
    """Return (oldest day back, days between samples) a rule needs."""
    if rule.relative_to == "zscore":
        return max(rule.zscore.max_lag_days, WEEK_DAYS), rule.zscore.every_days
    return WEEK_DAYS, WEEK_DAYS


def fetch_references(con: duckdb.DuckDBPyConnection, at_s: int,
                     series: list[tuple[str, str, Rule]]) -> dict[tuple[str, str], Reference]:
    """Return {(indicator, unit): Reference} for the series whose rules read history, in one query."""
    wanted = [(ind, unit) + _lags(rule) for ind, unit, rule in series if rule.needs_history]
    if not wanted:
        return {}
    anchor = anchor_hour(at_s)
    oldest = max(w[2] for w in wanted)
    instants = [utc(anchor - d * DAY_S) for d in range(1, oldest + 1)]
    columns = [list(c) for c in zip(*wanted)]
    rows = con.execute(HISTORY_SQL, columns + [utc(anchor), instants[-1], instants[0], instants]).fetchall()
    return {(r[0], r[1]): Reference(store.clean(r[2]), store.clean(r[4]), store.clean(r[5]), int(r[3] or 0))
            for r in rows}


def thresholds_over(trace: pd.DataFrame, rule: Rule, since_s: int) -> pd.DataFrame:
    """Return each severity's bound in the value's unit at every snapshot of ``trace`` from ``since_s`` on.

    ``trace`` is one series' hourly history (at_s, value, baseline) reaching far enough back for the
    rule's references; relative bounds move with them (the 7-day baseline, last week, the z-score's mean).
    """
    values = dict(zip(trace["at_s"].astype(int), trace["value"]))
    rows = []
    for r in trace[trace["at_s"] >= since_s].itertuples(index=False):
        obs = Observation(r.value, r.baseline, None, **_reference_at(values, int(r.at_s), rule))
        rows.append({"at_s": int(r.at_s), **{severity: absolute(bound, obs, rule) for severity, bound in rule.bounds}})
    return pd.DataFrame(rows, columns=["at_s"] + [s for s, _ in rule.bounds])


def _reference_at(values: dict[int, float], at_s: int, rule: Rule) -> dict:
    """Return the Observation fields of a history-relative rule at one snapshot, from the series itself."""
    if not rule.needs_history:
        return {}
    max_lag, every = _lags(rule)
    samples = pd.Series([values.get(at_s - d * DAY_S) for d in range(every, max_lag + 1, every)], dtype="float64")
    samples = samples.dropna()
    std = samples.std() if len(samples) > 1 else None
    return {"last_week": values.get(at_s - WEEK_DAYS * DAY_S), "mean": samples.mean() if len(samples) else None,
            "std": std, "samples": len(samples)}


def lookback_days(rule: Rule) -> int:
    """Return how many days of history before a trace the rule's references need (0 for absolute rules)."""
    return _lags(rule)[0] if rule.needs_history else 0
