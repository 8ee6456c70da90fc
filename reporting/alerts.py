"""The period's alerts from alert_history: those that fired during it and those open at its cut
(its end, or now for a running period: then the same alerts the wall screen counts)."""

from __future__ import annotations

import pandas as pd

from indicators.alerting.store import state_at
from indicators.model import severity_rank
from reporting.span import BriefSpan

OPEN_STATES = ("firing", "recovering")

FIRED_SQL = """
SELECT indicator_id, unit_code, alert_id, arg_max(severity, (occurred_at, history_id)) AS last_severity,
       list(severity) AS severities, min(epoch(occurred_at)) AS first_s, arg_max(value, (occurred_at, history_id)) AS value
FROM alert_history
WHERE to_state = 'firing' AND occurred_at >= $start AND occurred_at < $end
GROUP BY indicator_id, unit_code, alert_id
"""


def _peak(severities) -> str:
    return max((s for s in severities if s), key=severity_rank, default="blue")


def _within(frame: pd.DataFrame, units: set[str] | None) -> pd.DataFrame:
    return frame if units is None else frame[frame["unit_code"].isin(units)]


def fired_during(con, span: BriefSpan, units: set[str] | None = None) -> pd.DataFrame:
    """Return the alerts (on ``units`` when given) that fired or rose in severity during the period,
    most severe first, with their peak severity in it."""
    frame = _within(con.execute(FIRED_SQL, {"start": span.start, "end": span.cut}).df(), units)
    frame = frame.assign(severity=[_peak(list(s)) for s in frame["severities"]])
    return _ordered(frame.drop(columns=["severities", "last_severity"]), "first_s")


def open_at_end(con, span: BriefSpan, units: set[str] | None = None) -> pd.DataFrame:
    """Return the alerts (on ``units`` when given) firing or recovering at the period's last instant
    (its as-of instant while it runs), unless closed by hand by then."""
    at_s = span.as_of_s if span.provisional else span.end_s - 1
    state = _within(state_at(con, at_s), units)
    state = state[state["state"].isin(OPEN_STATES)].copy()
    closed = {int(a) for (a,) in con.execute(
        "SELECT alert_id FROM alerts WHERE closed_at IS NOT NULL AND closed_at < ?", [span.cut]).fetchall()}
    state = state[~state["alert_id"].isin(closed)]
    state["since_s"] = [ts.timestamp() for ts in state["since"]]
    return _ordered(state.drop(columns=["since"]), "since_s")


def _ordered(frame: pd.DataFrame, time_column: str) -> pd.DataFrame:
    frame = frame.assign(rank=[-severity_rank(s) for s in frame["severity"]])
    return frame.sort_values(["rank", time_column, "indicator_id", "unit_code"]).drop(columns="rank").reset_index(drop=True)
