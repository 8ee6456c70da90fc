"""Consistency checks of a store: what must hold after any crash, kill or failed write.

Each check is one SQL query returning the offending rows (at most a few, as examples); an empty
list of problems means the store is consistent. ``python cli.py check`` runs them; the fault
drills in ``bench/drill_faults.py`` and ``tests/test_fault_drills.py`` run them after every kill.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from data.versions import FAMILIES

_FAMILY_LIST = ", ".join(f"'{family}'" for family in FAMILIES)     # fixed names from the code, not input


@dataclass(frozen=True)
class Check:
    """One invariant: ``sql`` selects a sample of the rows that break it."""

    name: str
    description: str
    sql: str


CHECKS: tuple[Check, ...] = (
    Check("ingest.batch_not_finished",
          "every recorded ingest batch is committed or failed (a batch is written in one transaction)",
          "SELECT batch_id, status FROM ingest_batches WHERE status NOT IN ('committed', 'failed') LIMIT 5"),
    Check("ingest.rows_of_unknown_batch",
          "every ingested case belongs to a committed batch (or to the demo build, batch_id NULL)",
          "SELECT e.source, e.event_id, e.batch_id FROM events e "
          "WHERE e.batch_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ingest_batches b "
          "WHERE b.batch_id = e.batch_id AND b.status = 'committed') LIMIT 5"),
    Check("ingest.quarantine_of_unknown_batch",
          "every quarantined row belongs to a committed batch",
          "SELECT q.batch_id, q.source_row FROM quarantine q WHERE NOT EXISTS (SELECT 1 FROM ingest_batches b "
          "WHERE b.batch_id = q.batch_id AND b.status = 'committed') LIMIT 5"),
    Check("events.duplicate_key",
          "a case appears once per (source, event_id)",
          "SELECT source, event_id, count(*) AS n FROM events GROUP BY ALL HAVING count(*) > 1 LIMIT 5"),
    Check("events.version_of_unknown_case",
          "every earlier version in event_versions belongs to a stored case (its current state is in events)",
          "SELECT v.source, v.event_id, v.updated_at FROM event_versions v ANTI JOIN events e "
          "ON e.source = v.source AND e.event_id = v.event_id LIMIT 5"),
    Check("indicators.latest_duplicate_key",
          "a latest value appears once per (indicator, unit)",
          "SELECT indicator_id, unit_code, count(*) AS n FROM indicator_latest GROUP BY ALL HAVING count(*) > 1 "
          "LIMIT 5"),
    Check("indicators.latest_without_instant",
          "every indicator with latest values has the instant they describe (indicator_instants)",
          "SELECT DISTINCT r.indicator_id FROM indicator_latest_rows r ANTI JOIN indicator_instants i "
          "ON i.indicator_id = r.indicator_id LIMIT 5"),
    Check("indicators.latest_mixed_instants",
          "the latest values of one indicator all describe the same instant",
          "SELECT indicator_id, count(DISTINCT as_of) AS instants FROM indicator_latest GROUP BY indicator_id "
          "HAVING count(DISTINCT as_of) > 1 LIMIT 5"),
    Check("indicators.partial_snapshot",
          "every hourly snapshot holds as many values as the fullest snapshot (a snapshot is one transaction)",
          "WITH sizes AS (SELECT as_of, count(*) AS n FROM indicator_history GROUP BY as_of) "
          "SELECT as_of, n FROM sizes WHERE n < (SELECT max(n) FROM sizes) "
          "AND as_of >= (SELECT min(as_of) FROM sizes WHERE n = (SELECT max(n) FROM sizes)) LIMIT 5"),
    Check("indicators.run_missing",
          "the instant of the latest values was recorded as a run",
          "SELECT DISTINCT l.as_of FROM indicator_latest l ANTI JOIN indicator_runs r ON r.as_of = l.as_of LIMIT 5"),
    Check("alerts.state_without_open_alert",
          "a pending, firing or recovering state points at an alert that is open in the same state",
          "SELECT s.indicator_id, s.unit_code, s.state, a.state AS alert_state FROM alert_states s "
          "LEFT JOIN alerts a ON a.alert_id = s.alert_id "
          "WHERE s.state IN ('pending', 'firing', 'recovering') AND (a.alert_id IS NULL OR a.state <> s.state) "
          "LIMIT 5"),
    Check("alerts.open_alert_without_state",
          "every open alert is the current alert of its (indicator, unit)",
          "SELECT a.alert_id, a.indicator_id, a.unit_code, a.state FROM alerts a "
          "WHERE a.state IN ('pending', 'firing', 'recovering') AND NOT EXISTS (SELECT 1 FROM alert_states s "
          "WHERE s.alert_id = a.alert_id) LIMIT 5"),
    Check("alerts.history_disagrees_with_state",
          "the last recorded transition of each (indicator, unit) ends in its current state",
          "WITH last AS (SELECT indicator_id, unit_code, arg_max(to_state, history_id) AS to_state "
          "FROM alert_history GROUP BY ALL) "
          "SELECT l.indicator_id, l.unit_code, l.to_state, coalesce(s.state, 'normal') AS state FROM last l "
          "LEFT JOIN alert_states s USING (indicator_id, unit_code) "
          "WHERE l.to_state IS DISTINCT FROM coalesce(s.state, 'normal') LIMIT 5"),
    Check("orders.without_department",
          "every work order has its departments (an order is dispatched in one transaction)",
          "SELECT o.order_id FROM work_orders o ANTI JOIN work_order_departments d USING (order_id) LIMIT 5"),
    Check("orders.without_dispatch",
          "every work order's history starts with its dispatch",
          "SELECT o.order_id FROM work_orders o WHERE NOT EXISTS (SELECT 1 FROM work_order_history h "
          "WHERE h.order_id = o.order_id AND h.action = 'dispatch') LIMIT 5"),
    Check("orders.history_disagrees_with_state",
          "the last step of each work order ends in its current state; no step names a missing order",
          "WITH last AS (SELECT order_id, arg_max(to_state, history_id) AS to_state FROM work_order_history "
          "GROUP BY order_id) SELECT l.order_id, l.to_state, o.state FROM last l LEFT JOIN work_orders o "
          "USING (order_id) WHERE o.state IS DISTINCT FROM l.to_state LIMIT 5"),
    Check("versions.unknown_family",
          "every recorded data change names a family the caches know (data/versions.py)",
          f"SELECT DISTINCT family FROM data_changes WHERE family NOT IN ({_FAMILY_LIST}) LIMIT 5"),
    Check("versions.family_without_change",
          "every data family has a version (its changes are folded by a prune, never deleted)",
          f"SELECT family FROM (SELECT unnest([{_FAMILY_LIST}]) AS family) ANTI JOIN data_changes USING (family) "
          "LIMIT 5"),
)


def problems(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Return one line per broken invariant (with example rows); empty when the store is consistent."""
    found = []
    for check in CHECKS:
        rows = con.execute(check.sql).fetchall()
        if rows:
            examples = "; ".join(str(tuple(row)) for row in rows)
            found.append(f"{check.name}: {check.description} — e.g. {examples}")
    return found
