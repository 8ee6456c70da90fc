"""What the wall's alert sound listens to: the red alerts firing now, each named by its alert and
the instant it fired, so an alert that fires again (or turns red) is new and one already sounded is not."""

from __future__ import annotations

import duckdb

from queries.reads import reads

SOUNDING_STATES = ("firing", "recovering")      # fired and not yet back to normal (pending has not fired)


@reads("alerts")
def red_alert_keys(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Return "alert_id@fired epoch second" of every red alert that has fired and is still open, sorted."""
    rows = con.execute(
        """SELECT alert_id, epoch(fired_at)::BIGINT FROM alerts
           WHERE severity = 'red' AND fired_at IS NOT NULL AND state IN (SELECT unnest($states))
           ORDER BY alert_id""", {"states": list(SOUNDING_STATES)}).fetchall()
    return [f"{alert_id}@{fired_s}" for alert_id, fired_s in rows]
