"""Cases as they stood at the end of a day, reconstructed from event_history, and the day's case figures.

``events`` rows change as cases progress, so a case's status and handling level at the end of the
day are its last event_history version before the next midnight; when it was resolved and closed
are its first such versions. Only immutable facts (received time, category, grid, due time) come
from ``events``. Nothing at or after the day's end is read.

The last version and the stage times come from one grouping of the versions (``arg_max`` of a struct:
a NULL handling level is kept, not skipped), not a window and a grouping: at the Zhenjiang scale
(45 M versions) 22 instead of 49 CPU seconds for the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from data.clock import DAY_S
from data.statuses import VOID_STATUSES
from reporting.days import DaySpan

LOOKBACK_DAYS = 30          # closure rate window and the longest comparison
HISTORY_DAYS = 7            # the "7-day average" compares with the seven days before the day
# Versions at the same instant: the later stage is the case's status (a void word is the last word).
_STAGE_RANK = ("CASE status WHEN 'cancelled' THEN 7 WHEN 'merged' THEN 7 WHEN 'closed' THEN 6 WHEN 'resolved' THEN 5 "
               "WHEN 'returned' THEN 4 WHEN 'dispatched' THEN 3 WHEN 'accepted' THEN 2 ELSE 1 END")
_SETTLED = ", ".join(f"'{s}'" for s in ("closed", *VOID_STATUSES))    # neither open nor pending

CASES_SQL = f"""
WITH versions AS (
  SELECT source, event_id,
         arg_max({{'status': status, 'handling_level': handling_level}}, (updated_at, {_STAGE_RANK})) AS last,
         min(updated_at) FILTER (WHERE status = 'closed') AS closed_at,
         min(updated_at) FILTER (WHERE status IN ('resolved', 'closed')) AS resolved_at
  FROM event_history WHERE updated_at < $end GROUP BY source, event_id)
SELECT e.source, ch.role AS channel, e.category_code, g.district_code, g.street_code, v.last.handling_level AS handling_level,
       v.last.status AS status, epoch(e.received_at) AS received_s, epoch(e.due_at) AS due_s,
       epoch(v.closed_at) AS closed_s, epoch(v.resolved_at) AS resolved_s
FROM events e
JOIN versions v USING (source, event_id)
LEFT JOIN admin_units g ON g.code = e.grid_code AND g.level = 'grid'
LEFT JOIN channels ch ON ch.code = e.source
WHERE e.received_at < $end
  AND (e.received_at >= $since OR v.last.status NOT IN ({_SETTLED}) OR v.closed_at >= $closed_since)
"""


def cases_at_end(con, span: DaySpan) -> pd.DataFrame:
    """Return the cases the brief needs (received in the last 30 days, still open, or closed in the
    last 8 days) as they stood at the end of the day, one row per case; a case void then (cancelled
    or merged) has no resolution or closing time: it was never handled (data/statuses.py)."""
    frame = con.execute(CASES_SQL, {
        "end": span.end, "since": pd.Timestamp(span.end_s - LOOKBACK_DAYS * DAY_S, unit="s", tz="UTC"),
        "closed_since": span.before(HISTORY_DAYS + 1).start,
    }).df()
    void = frame["status"].isin(VOID_STATUSES)
    frame.loc[void, ["closed_s", "resolved_s"]] = None
    return frame


@dataclass(frozen=True)
class Flags:
    """Boolean masks over a cases frame for one day."""

    received_day: pd.Series
    closed_day: pd.Series
    received_30d: pd.Series      # received in the last 30 days and not void: the closure rate's denominator
    closed: pd.Series            # closed by the end of the day
    open: pd.Series              # neither closed nor void
    overdue_open: pd.Series      # open, not resolved and past due at the end of the day


def flags(cases: pd.DataFrame, span: DaySpan) -> Flags:
    """Return the day's masks over ``cases`` (a void case counts as received, and in nothing else)."""
    received, closed_s = cases["received_s"], cases["closed_s"]
    closed = closed_s.notna()
    live = ~cases["status"].isin(VOID_STATUSES)
    unresolved = cases["resolved_s"].isna()
    return Flags(
        received_day=(received >= span.start_s) & (received < span.end_s),
        closed_day=(closed_s >= span.start_s) & (closed_s < span.end_s),
        received_30d=(received >= span.end_s - LOOKBACK_DAYS * DAY_S) & live,
        closed=closed, open=~closed & live,
        overdue_open=unresolved & (cases["due_s"] < span.end_s) & live,
    )


def daily_counts(cases: pd.DataFrame, span: DaySpan, days: int = HISTORY_DAYS + 1) -> pd.DataFrame:
    """Return received and closed per local day for the day and the ``days - 1`` before it
    (column ``offset``: 0 the day itself, 1 the day before …)."""
    rows = []
    for offset in range(days):
        day = span.before(offset)
        start, end = day.start_s, day.end_s
        rows.append({"offset": offset,
                     "received": int(((cases["received_s"] >= start) & (cases["received_s"] < end)).sum()),
                     "closed": int(((cases["closed_s"] >= start) & (cases["closed_s"] < end)).sum())})
    return pd.DataFrame(rows)


def by_unit(cases: pd.DataFrame, f: Flags, column: str) -> pd.DataFrame:
    """Return per unit (district_code or street_code): received and closed on the day, 30-day
    received and closed, open and overdue open at the end of the day."""
    frame = pd.DataFrame({
        "code": cases[column], "received": f.received_day, "closed": f.closed_day,
        "received_30d": f.received_30d, "closed_30d": f.received_30d & f.closed,
        "open": f.open, "overdue_open": f.overdue_open,
    })
    return frame.dropna(subset=["code"]).groupby("code", as_index=False).sum()


def by_handling_level(cases: pd.DataFrame, f: Flags) -> pd.DataFrame:
    """Return the three-level performance: per handling level at the end of the day (1 district,
    2 street, 3 community) the day's received and closed cases, the 30-day closure rate, open and
    overdue open cases and the overdue share of open cases."""
    frame = pd.DataFrame({
        "level": cases["handling_level"], "received": f.received_day, "closed": f.closed_day,
        "received_30d": f.received_30d, "closed_30d": f.received_30d & f.closed,
        "open": f.open, "overdue_open": f.overdue_open,
    })
    grouped = frame.dropna(subset=["level"]).groupby("level").sum()
    grouped = grouped.reindex([1, 2, 3], fill_value=0)
    grouped["closure_rate"] = grouped["closed_30d"] / grouped["received_30d"].where(grouped["received_30d"] > 0)
    grouped["overdue_share"] = grouped["overdue_open"] / grouped["open"].where(grouped["open"] > 0)
    return grouped.rename_axis("level").reset_index().astype({"level": int})


def by_category(cases: pd.DataFrame, span: DaySpan, channel: str | None = None) -> pd.DataFrame:
    """Return per category the day's received cases, the mean of the seven days before and the
    difference, biggest first (only the channels of one role, e.g. 'hotline', when ``channel`` is given)."""
    if channel is not None:
        cases = cases[cases["channel"] == channel]
    received = cases["received_s"]
    day = (received >= span.start_s) & (received < span.end_s)
    week = (received >= span.before(HISTORY_DAYS).start_s) & (received < span.start_s)
    frame = pd.DataFrame({"code": cases["category_code"], "count": day, "week": week})
    grouped = frame.groupby("code", as_index=False).sum()
    grouped["avg7"] = grouped["week"] / HISTORY_DAYS
    grouped["change"] = grouped["count"] - grouped["avg7"]
    grouped = grouped[(grouped["count"] > 0) | (grouped["week"] > 0)]
    return grouped.sort_values(["count", "code"], ascending=[False, True]).reset_index(drop=True)
