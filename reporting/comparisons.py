"""同比: the brief's received and closed cases against the same part of the same period a year
earlier (indicators.periods.Period.same_last_year), counted with the same rules as the period's own
figures. A year the store does not reach back to is said to have no comparison, never zero."""

from __future__ import annotations

from dataclasses import dataclass

from data.clock import utc

from reporting.area import Area
from reporting.span import BriefSpan, ended_span, first_data_s

COUNTS_SQL = """
WITH closed AS (
  SELECT source, event_id, min(updated_at) AS closed_at FROM event_history
  WHERE status = 'closed' AND updated_at >= $start AND updated_at < $end GROUP BY ALL)
SELECT (SELECT count(*) FROM events e LEFT JOIN admin_units g ON g.code = e.grid_code AND g.level = 'grid'
        WHERE e.received_at >= $start AND e.received_at < $end AND {area}),
       (SELECT count(*) FROM closed c JOIN events e USING (source, event_id)
        LEFT JOIN admin_units g ON g.code = e.grid_code AND g.level = 'grid'
        WHERE NOT EXISTS (SELECT 1 FROM event_history h WHERE h.source = c.source AND h.event_id = c.event_id
                          AND h.status = 'closed' AND h.updated_at < $start) AND {area})
"""


@dataclass(frozen=True)
class Comparison:
    """Counts of a comparison period, or None when the store does not cover it."""

    period: str                  # its key (2025-11, 2025-W47 …)
    received: int | None
    closed: int | None

    @property
    def available(self) -> bool:
        """Return True when the store covers the comparison period."""
        return self.received is not None


def same_period_last_year(con, span: BriefSpan, area: Area) -> Comparison:
    """Return the same part of the period a year earlier (as much of it as has passed of this one)."""
    last = ended_span(span.period.whole().same_last_year(), span.tz)
    first = first_data_s(con)
    if first is None or last.start_s < first:
        return Comparison(str(last.period), None, None)
    end_s = min(last.end_s, last.start_s + (span.cut_s - span.start_s))
    condition = "true" if area.is_city else f"g.{area.column} = $code"
    params = {"start": last.start, "end": utc(end_s)} | ({} if area.is_city else {"code": area.code})
    received, closed = con.execute(COUNTS_SQL.format(area=condition), params).fetchone()
    return Comparison(str(last.period), int(received), int(closed))
