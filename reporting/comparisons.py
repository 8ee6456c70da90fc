"""同比: the brief's received and closed cases against the same period a year earlier, taken from
the period engine (indicators.period_values: the catalog's intake and closed counts summed from the
stored daily partials), the same figures its own period has (tests/reporting/test_comparisons.py).
A running period is compared as its part to date. A year the store does not fully cover is said to
have no comparison, never zero."""

from __future__ import annotations

from dataclasses import dataclass

from indicators.day_partials import DayPartials
from indicators.period_values import PeriodRefused, PeriodValues
from reporting.area import Area
from reporting.span import BriefSpan

RECEIVED, CLOSED = "cases.intake.count.today", "cases.handling.closed_count.today"


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


def period_values(engine) -> PeriodValues:
    """Return the period engine on the brief's catalog."""
    return PeriodValues(DayPartials(engine.catalog, engine.tz))


def same_period_last_year(con, span: BriefSpan, area: Area, values: PeriodValues) -> Comparison:
    """Return the same period a year earlier (as many days of it as this one has had so far)."""
    period = span.period.to_date(span.as_of_local().date()) if span.provisional else span.period
    last = period.same_last_year()
    try:
        figures = values.figures(con, last, int(span.as_of_s), ids=[RECEIVED, CLOSED], level=area.level)
    except PeriodRefused:
        return Comparison(str(last), None, None)
    if figures.counted_from > last.start:            # the data begins inside it: no whole comparison
        return Comparison(str(last), None, None)
    row = figures.values[figures.values["unit_code"] == area.code].set_index("indicator_id")["value"]
    if RECEIVED not in row or row.isna().any():
        return Comparison(str(last), None, None)
    return Comparison(str(last), int(row[RECEIVED]), int(row[CLOSED]))
