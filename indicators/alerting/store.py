"""Reading and writing alert tables: series states, alerts, history, audit and the notification outbox."""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from data import outbox
from data.clock import utc_or_none
from indicators.alerting.machine import Series, Transition
from indicators.alerting.webhooks import alert_body, topic
from indicators.model import SEVERITIES, severity_rank


def epoch(value) -> int | None:
    """Return epoch seconds of a datetime (None stays None)."""
    return None if value is None or pd.isna(value) else int(pd.Timestamp(value).timestamp())


def clean(x) -> float | None:
    """Return a float, or None for a missing value (NaN is stored as NULL)."""
    return None if x is None or pd.isna(x) else float(x)


def load_states(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], tuple[Series, int | None]]:
    """Return every non-normal series: (indicator, unit) → (Series, open alert id)."""
    rows = con.execute("SELECT indicator_id, unit_code, state, severity, epoch(since)::BIGINT, alert_id "
                       "FROM alert_states").fetchall()
    return {(r[0], r[1]): (Series(r[2], r[3], r[4]), r[5]) for r in rows}


def write_state(con, key, level: str, series: Series, alert_id, value, at_s: int) -> None:
    """Store a series' state (normal series are not stored)."""
    con.execute("DELETE FROM alert_states WHERE indicator_id = ? AND unit_code = ?", list(key))
    if series.state != "normal":
        con.execute("INSERT INTO alert_states VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [key[0], key[1], level, series.state, series.severity, utc_or_none(series.since_s), alert_id,
                     clean(value), utc_or_none(at_s)])


def open_alert(con, key, level: str, kind: str, t: Transition, at_s: int, handling_level: int) -> int:
    """Insert a new alert for a series entering pending; return its id."""
    return con.execute(
        "INSERT INTO alerts (indicator_id, unit_code, level, kind, state, severity, peak_severity, value, threshold, "
        "started_at, handling_level) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?) RETURNING alert_id",
        [key[0], key[1], level, kind, t.severity, t.severity, t.value, t.threshold, utc_or_none(at_s), handling_level],
    ).fetchone()[0]


def update_alert(con, alert_id: int, t: Transition, at_s: int) -> None:
    """Carry a transition onto its alert (closed alerts keep their state)."""
    state = "resolved" if t.to_state == "normal" else t.to_state
    con.execute(
        """UPDATE alerts SET
             state = CASE WHEN state = 'closed' THEN state ELSE ? END,
             severity = coalesce(?, severity),
             peak_severity = CASE WHEN ? > coalesce(list_position(?, peak_severity), 4) THEN ? ELSE peak_severity END,
             value = coalesce(?, value), threshold = coalesce(?, threshold),
             fired_at = CASE WHEN ? = 'firing' AND fired_at IS NULL THEN ? ELSE fired_at END,
             resolved_at = CASE WHEN ? = 'normal' THEN ? ELSE NULL END
           WHERE alert_id = ?""",
        [state, t.severity, severity_rank(t.severity), list(SEVERITIES), t.severity, t.value, t.threshold,
         t.to_state, utc_or_none(at_s), t.to_state, utc_or_none(at_s), alert_id])


def add_history(con, key, alert_id, t: Transition, baseline, at_s: int) -> None:
    """Append one transition to alert_history."""
    con.execute("INSERT INTO alert_history (occurred_at, indicator_id, unit_code, alert_id, from_state, to_state, "
                "severity, value, threshold, baseline, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [utc_or_none(at_s), key[0], key[1], alert_id, t.from_state, t.to_state, t.severity, clean(t.value),
                 clean(t.threshold), clean(baseline), t.reason])


def audit(con, actor: str, action: str, alert_id: int, details: dict, at_s: int) -> None:
    """Append one handling action to alert_audit."""
    con.execute("INSERT INTO alert_audit (occurred_at, actor, action, alert_id, details) VALUES (?, ?, ?, ?, ?)",
                [utc_or_none(at_s), actor, action, alert_id, json.dumps(details, ensure_ascii=False, default=str)])


def enqueue(con, alert_id: int, event: str, webhooks, mentions=()) -> list[int]:
    """Queue an alert's notification in the outbox for every webhook subscribed to ``event``; return the ids."""
    body = alert_body(event, alert_dict(con, alert_id), mentions)
    return [outbox.queue_message(con, topic=topic(event), receiver=hook.name, body=body) for hook in webhooks
            if event in hook.events]


def alert_dict(con, alert_id: int) -> dict:
    """Return one alert row as a dict (times as epoch seconds)."""
    frame = con.execute("SELECT * FROM alerts WHERE alert_id = ?", [alert_id]).df()
    if frame.empty:
        raise ValueError(f"no alert {alert_id}")
    row = frame.iloc[0].to_dict()
    return {k: (epoch(v) if k.endswith("_at") or k == "silenced_until" else (None if pd.isna(v) else v))
            for k, v in row.items()}


def state_at(con, at_s: int) -> pd.DataFrame:
    """Return every series not normal at ``at_s``, reconstructed from alert_history."""
    return con.execute(
        """SELECT indicator_id, unit_code, to_state AS state, severity, value, threshold, occurred_at AS since, alert_id
           FROM alert_history WHERE occurred_at <= ?
           QUALIFY row_number() OVER (PARTITION BY indicator_id, unit_code ORDER BY occurred_at DESC, history_id DESC) = 1
              AND to_state <> 'normal'
           ORDER BY indicator_id, unit_code""", [utc_or_none(at_s)]).df()
