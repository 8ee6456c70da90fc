"""Cases as they stood at a brief's cut (the end of its period, or now for a running one),
reconstructed from event_history, and the period's case figures.

``events`` rows change as cases progress, so a case's status and handling level at the cut are its
last event_history version before it; when it was resolved and closed are its first such versions.
Only immutable facts (received time, category, grid, due time, department) come from ``events``.
Nothing at or after the cut is read.

The last version and the stage times come from one grouping of the versions (``arg_max`` of a struct:
a NULL handling level is kept, not skipped), not a window and a grouping: at the Zhenjiang scale
(45 M versions) 22 instead of 49 CPU seconds for the same rows.

The figures are the live pages' (queries/overview.py) at the same instant: received at or after the
period's start, closed (not void) in it, overdue = not resolved and due before the as-of instant,
the closure rate over the cases received in the 30 days before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from data.clock import DAY_S
from data.statuses import VOID_STATUSES
from reporting.span import BriefSpan

LOOKBACK_DAYS = 30          # the closure rate's window
# How many periods the trend shows (the period and those before it); the day's 7 before are its baseline.
TREND = {"day": 8, "week": 6, "month": 6, "quarter": 4, "year": 3}
# Versions at the same instant: the later stage is the case's status (a void word is the last word).
_STAGE_RANK = ("CASE status WHEN 'cancelled' THEN 7 WHEN 'merged' THEN 7 WHEN 'closed' THEN 6 WHEN 'resolved' THEN 5 "
               "WHEN 'returned' THEN 4 WHEN 'dispatched' THEN 3 WHEN 'accepted' THEN 2 ELSE 1 END")
_SETTLED = ", ".join(f"'{s}'" for s in ("closed", *VOID_STATUSES))    # neither open nor pending

# A case with no stored stage before the cut (a lighter history day keeps only each case's last
# row, data/demo: its one row may be dated after the cut) is read from its own timestamps.
CASES_SQL = f"""
WITH versions AS (
  SELECT source, event_id, true AS seen,
         arg_max({{'status': status, 'handling_level': handling_level}}, (updated_at, {_STAGE_RANK})) AS last,
         min(updated_at) FILTER (WHERE status = 'closed') AS closed_at,
         min(updated_at) FILTER (WHERE status IN ('resolved', 'closed')) AS resolved_at
  FROM event_history WHERE updated_at < $end GROUP BY source, event_id),
cases AS (
  SELECT e.source, ch.role AS channel, e.category_code, e.department, g.district_code, g.street_code,
         g.community_code,
         CASE WHEN v.seen THEN v.last.handling_level ELSE e.handling_level END AS handling_level,
         CASE WHEN v.seen THEN v.last.status WHEN e.closed_at < $end THEN 'closed'
              WHEN e.resolved_at < $end THEN 'resolved' WHEN e.dispatched_at < $end THEN 'dispatched'
              WHEN e.accepted_at < $end THEN 'accepted' ELSE 'received' END AS status,
         e.received_at, e.due_at,
         CASE WHEN v.seen THEN v.closed_at WHEN e.closed_at < $end THEN e.closed_at END AS closed_at,
         CASE WHEN v.seen THEN v.resolved_at WHEN e.resolved_at < $end THEN e.resolved_at END AS resolved_at
  FROM events e
  LEFT JOIN versions v USING (source, event_id)
  LEFT JOIN admin_units g ON g.code = e.grid_code AND g.level = 'grid'
  LEFT JOIN channels ch ON ch.code = e.source
  WHERE e.received_at < $end)
SELECT source, channel, category_code, department, district_code, street_code, community_code, handling_level,
       status, epoch(received_at) AS received_s, epoch(due_at) AS due_s, epoch(closed_at) AS closed_s,
       epoch(resolved_at) AS resolved_s
FROM cases
WHERE received_at >= $since OR status NOT IN ({_SETTLED}) OR closed_at >= $closed_since
"""


def trend_spans(span: BriefSpan) -> list[BriefSpan]:
    """Return the period and the ones before it the trend shows (offset 0 first), those the
    store's data fully covers only (a period before the data is no comparison, not a zero)."""
    earlier = [span.before(n) for n in range(1, TREND.get(span.kind, 4))]
    return [span] + [s for s in earlier if s.covered()]


def baseline_offsets(kind: str) -> range:
    """Return the offsets of the periods a period is compared with: the 7 days before a day, the
    period just before for longer ones (环比)."""
    return range(1, TREND["day"]) if kind == "day" else range(1, 2)


def cases_at_end(con, span: BriefSpan) -> pd.DataFrame:
    """Return the cases the brief needs (received in its trend or the last 30 days, still open, or
    closed within its trend) as they stood at its cut, one row per case; a case void then (cancelled
    or merged) has no resolution or closing time: it was never handled (data/statuses.py)."""
    earliest = trend_spans(span)[-1].start_s
    frame = con.execute(CASES_SQL, {
        "end": span.cut, "since": pd.Timestamp(min(earliest, span.as_of_s - LOOKBACK_DAYS * DAY_S), unit="s", tz="UTC"),
        "closed_since": pd.Timestamp(earliest, unit="s", tz="UTC"),
    }).df()
    void = frame["status"].isin(VOID_STATUSES)
    frame.loc[void, ["closed_s", "resolved_s"]] = None
    return frame


@dataclass(frozen=True)
class Flags:
    """Boolean masks over a cases frame for one period."""

    received_day: pd.Series      # received in the period (up to its cut)
    closed_day: pd.Series        # closed in the period
    received_30d: pd.Series      # received in the 30 days before as-of and not void: the closure rate's denominator
    closed: pd.Series            # closed by the cut
    open: pd.Series              # neither closed nor void
    overdue_open: pd.Series      # not void, not resolved and past due at the as-of instant


def flags(cases: pd.DataFrame, span: BriefSpan) -> Flags:
    """Return the period's masks over ``cases`` (a void case counts as received, and in nothing else)."""
    received, closed_s = cases["received_s"], cases["closed_s"]
    closed = closed_s.notna()
    live = ~cases["status"].isin(VOID_STATUSES)
    unresolved = cases["resolved_s"].isna()
    return Flags(
        received_day=(received >= span.start_s) & (received < span.cut_s),
        closed_day=(closed_s >= span.start_s) & (closed_s < span.cut_s),
        received_30d=(received > span.as_of_s - LOOKBACK_DAYS * DAY_S) & live,
        closed=closed, open=~closed & live,
        overdue_open=unresolved & (cases["due_s"] < span.as_of_s) & live,
    )


def overdue_at(cases: pd.DataFrame, span: BriefSpan) -> pd.Series:
    """Return the mask of cases overdue and unresolved at the end of an earlier ``span`` (the frame
    holds every case open then: it was open at the brief's cut or closed after its trend began)."""
    live = ~cases["status"].isin(VOID_STATUSES)
    unresolved = cases["resolved_s"].isna() | (cases["resolved_s"] >= span.cut_s)
    return unresolved & (cases["received_s"] < span.cut_s) & (cases["due_s"] < span.as_of_s) & live


def daily_counts(cases: pd.DataFrame, span: BriefSpan) -> pd.DataFrame:
    """Return received and closed per period for the period and the ones before it (column
    ``offset``: 0 the period itself, 1 the one before …)."""
    rows = []
    for offset, period in enumerate(trend_spans(span)):
        start, end = period.start_s, period.cut_s
        rows.append({"offset": offset, "period": str(period.period),
                     "received": int(((cases["received_s"] >= start) & (cases["received_s"] < end)).sum()),
                     "closed": int(((cases["closed_s"] >= start) & (cases["closed_s"] < end)).sum())})
    return pd.DataFrame(rows)


def received_by(cases: pd.DataFrame, span: BriefSpan, column: str) -> pd.DataFrame:
    """Return cases received per value of ``column`` (category, unit …) in each trend period:
    one row per value, one column per offset (0 the period itself)."""
    counts = {}
    for offset, period in enumerate(trend_spans(span)):
        inside = (cases["received_s"] >= period.start_s) & (cases["received_s"] < period.cut_s)
        counts[offset] = cases.loc[inside, column].value_counts()
    return pd.DataFrame(counts).fillna(0).astype(int).rename_axis("code").reset_index()


def by_unit(cases: pd.DataFrame, f: Flags, column: str) -> pd.DataFrame:
    """Return per unit (district_code, street_code or community_code): received and closed in the
    period, 30-day received and closed, open and overdue open at the cut."""
    frame = pd.DataFrame({
        "code": cases[column], "received": f.received_day, "closed": f.closed_day,
        "received_30d": f.received_30d, "closed_30d": f.received_30d & f.closed,
        "open": f.open, "overdue_open": f.overdue_open,
    })
    return frame.dropna(subset=["code"]).groupby("code", as_index=False).sum()


def by_handling_level(cases: pd.DataFrame, f: Flags) -> pd.DataFrame:
    """Return the three-level performance: per handling level at the cut (1 district, 2 street,
    3 community) the period's received and closed cases, the 30-day closure rate, open and overdue
    open cases and the overdue share of open cases."""
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


def by_category(cases: pd.DataFrame, span: BriefSpan, channel: str | None = None) -> pd.DataFrame:
    """Return per category the period's received cases, the mean of its baseline periods (the 7 days
    before a day, the previous period otherwise) and the difference, biggest first (only the
    channels of one role, e.g. 'hotline', when ``channel`` is given)."""
    if channel is not None:
        cases = cases[cases["channel"] == channel]
    counts = received_by(cases, span, "category_code")
    base = [o for o in baseline_offsets(span.kind) if o in counts.columns]
    grouped = pd.DataFrame({"code": counts["code"], "count": counts.get(0, 0),
                            "week": counts[base].sum(axis=1) if base else 0})
    grouped["avg7"] = counts[base].mean(axis=1) if base else float("nan")      # no covered baseline: no change
    grouped["change"] = grouped["count"] - grouped["avg7"]
    grouped = grouped[(grouped["count"] > 0) | (grouped["week"] > 0)]
    return grouped.sort_values(["count", "code"], ascending=[False, True]).reset_index(drop=True)
