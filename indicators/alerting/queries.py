"""What the /alerts page and the CLI read: the live list with grouping, one alert's history and trace."""

from __future__ import annotations

import duckdb
import pandas as pd

from data.clock import utc
from indicators.model import severity_rank


LIVE_STATES = ("pending", "firing", "recovering", "no_data", "stale")


def live_alerts(con: duckdb.DuckDBPyConnection, at_s: int, level: str | None = None, domain: str | None = None,
                unit: str | None = None) -> pd.DataFrame:
    """Return open alerts sorted by severity then age, with unit names and their group root."""
    frame = con.execute(
        """SELECT a.alert_id, a.indicator_id, a.unit_code, u.name_zh AS unit_name_zh, u.name_en AS unit_name_en, a.level, a.kind, a.state, a.severity,
                  a.value, a.threshold, epoch(a.started_at)::BIGINT AS started_s, epoch(a.fired_at)::BIGINT AS fired_s,
                  a.acked_by, a.ack_comment, a.handling_level, a.department, a.escalations, a.inhibited_by,
                  a.silence_reason, coalesce(a.silenced_until > ?, false) AS silenced,
                  u.district_code, u.street_code, u.community_code
           FROM alerts a LEFT JOIN admin_units u ON u.code = a.unit_code
           WHERE a.state IN (SELECT unnest(?))
             AND (? IS NULL OR a.level = ?)
             AND (? IS NULL OR split_part(a.indicator_id, '.', 1) = ?)
             AND (? IS NULL OR a.unit_code = ? OR u.district_code = ? OR u.street_code = ? OR u.community_code = ?)""",
        [utc(at_s), list(LIVE_STATES), level, level, domain, domain, unit, unit, unit, unit, unit]).df()
    if frame.empty:
        return frame.assign(group_root=pd.Series(dtype="float64"), age_s=pd.Series(dtype="float64"))
    frame["age_s"] = at_s - frame["started_s"]
    frame["group_root"] = group_roots(frame)
    rank = -frame["severity"].map(severity_rank)      # worst first, none last
    return frame.assign(_rank=rank).sort_values(["_rank", "age_s"], ascending=[True, False]).drop(columns="_rank")


def group_roots(frame: pd.DataFrame) -> pd.Series:
    """Return, per alert, the id of the highest ancestor alert on the same indicator (itself if none)."""
    by_key = {(r.indicator_id, r.unit_code): r.alert_id for r in frame.itertuples()}
    roots = []
    for r in frame.itertuples():
        root = r.alert_id
        for ancestor in (r.district_code, r.street_code, r.community_code):      # highest first
            if isinstance(ancestor, str) and ancestor != r.unit_code and (r.indicator_id, ancestor) in by_key:
                root = by_key[(r.indicator_id, ancestor)]
                break
        roots.append(root)
    return pd.Series(roots, index=frame.index)


def grouped(frame: pd.DataFrame) -> list[tuple[dict, list[dict]]]:
    """Return (root alert, alerts gathered beneath it) pairs in the list's order."""
    records = frame.to_dict("records")
    members: dict[int, list[dict]] = {}
    for rec in records:
        if rec["group_root"] != rec["alert_id"]:
            members.setdefault(rec["group_root"], []).append(rec)
    roots = [rec for rec in records if rec["group_root"] == rec["alert_id"]]
    return [(root, members.get(root["alert_id"], [])) for root in roots]


def alert_history(con: duckdb.DuckDBPyConnection, alert_id: int) -> pd.DataFrame:
    """Return an alert's transitions and handling actions, oldest first."""
    return con.execute(
        """SELECT epoch(occurred_at)::BIGINT AS at_s, 'system' AS actor, from_state || ' → ' || to_state AS action,
                  coalesce(severity, '') AS severity, value, threshold, reason AS detail
           FROM alert_history WHERE alert_id = ?
           UNION ALL
           SELECT epoch(occurred_at)::BIGINT, actor, action, '', NULL, NULL, details FROM alert_audit WHERE alert_id = ?
           ORDER BY at_s""", [alert_id, alert_id]).df()


def value_trace(con: duckdb.DuckDBPyConnection, indicator_id: str, unit_code: str, at_s: int,
                hours: int = 72) -> pd.DataFrame:
    """Return the hourly values (and baseline) of a series over the ``hours`` before ``at_s``."""
    return con.execute(
        """SELECT epoch(as_of)::BIGINT AS at_s, value, baseline FROM indicator_history_all
           WHERE indicator_id = ? AND unit_code = ? AND as_of BETWEEN ? AND ? ORDER BY as_of""",
        [indicator_id, unit_code, utc(at_s - hours * 3600), utc(at_s)]).df()
