"""Read model of the /orders page, the links to orders from other pages, and the wall's order counts.

Every read takes ``department``: a department's user sees its own department's orders only (None:
the centre, every order). Filters are bound parameters; nothing from the URL becomes SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from data.clock import utc
from data.orders.machine import OPEN_STATES, STATES
from queries.reads import reads

LIST_LIMIT = 200


@dataclass(frozen=True)
class OrderFilters:
    """The list's filters; None means any."""

    state: str | None = None
    department: str | None = None
    handling_level: int | None = None
    source_kind: str | None = None
    source_id: str | None = None

    def clean(self) -> "OrderFilters":
        """Return the filters with unknown values dropped (a state not in the machine, a bad level)."""
        level = self.handling_level if self.handling_level in (1, 2, 3) else None
        return OrderFilters(self.state if self.state in STATES else None, self.department or None, level,
                            self.source_kind or None, self.source_id or None)


# The page is chosen first from the orders' own columns (with how many match), and only its rows are
# joined to their departments and unit names: a city's tens of thousands of orders are not all enriched.
_LIST_SQL = """
    WITH matched AS (
        SELECT o.order_id, o.state IN ('closed', 'returned') AS ended,
               o.reported_at IS NULL AND o.state = 'dispatched' AND o.report_due_at < $now AS report_overdue
        FROM work_orders o
        WHERE ($scope IS NULL OR o.order_id IN (SELECT order_id FROM work_order_departments WHERE department = $scope))
          AND ($state IS NULL OR o.state = $state)
          AND ($dept IS NULL OR o.order_id IN (SELECT order_id FROM work_order_departments WHERE department = $dept))
          AND ($level IS NULL OR o.handling_level = $level)
          AND ($kind IS NULL OR o.source_kind = $kind) AND ($sid IS NULL OR o.source_id = $sid)
    ), page AS (
        SELECT order_id, ended, report_overdue, count(*) OVER () AS total FROM matched
        ORDER BY ended, report_overdue DESC, order_id DESC
        LIMIT $limit OFFSET $offset
    ), page_departments AS (
        SELECT order_id, list(department ORDER BY NOT lead, department) AS departments
        FROM work_order_departments WHERE order_id IN (SELECT order_id FROM page) GROUP BY order_id
    )
    SELECT o.order_id, o.title, o.state, o.priority, o.unit_code, u.name_zh AS unit_zh, u.name_en AS unit_en,
           o.handling_level, o.source_kind, o.source_id, epoch(o.created_at)::BIGINT AS created_s,
           epoch(o.report_due_at)::BIGINT AS report_due_s, epoch(o.finish_due_at)::BIGINT AS finish_due_s,
           p.report_overdue,
           o.feedback_at IS NULL AND o.state IN ('dispatched', 'reported', 'in_progress')
               AND o.finish_due_at < $now AS finish_overdue,
           o.reminders, o.escalations, o.supervised_at IS NOT NULL AS supervised,
           d.departments, p.total
    FROM page p JOIN work_orders o ON o.order_id = p.order_id LEFT JOIN admin_units u ON u.code = o.unit_code
         LEFT JOIN page_departments d ON d.order_id = p.order_id
    ORDER BY p.ended, p.report_overdue DESC, o.order_id DESC"""


def list_orders(con: duckdb.DuckDBPyConnection, now_s: int, department: str | None,
                filters: OrderFilters = OrderFilters(), limit: int = LIST_LIMIT, offset: int = 0) -> pd.DataFrame:
    """Return the orders the scope sees under the filters: open ones first, late report-ins first;
    ``limit`` of them from ``offset`` on, each row carrying how many match in all (``total``)."""
    f = filters.clean()
    return con.execute(_LIST_SQL, {"now": utc(now_s), "scope": department, "state": f.state, "dept": f.department,
                                   "level": f.handling_level, "kind": f.source_kind, "sid": f.source_id,
                                   "limit": limit, "offset": offset}).df()


def orders_of_source(con: duckdb.DuckDBPyConnection, kind: str, source_id: str) -> list[tuple[int, str]]:
    """Return (order id, state) of the orders made from one alert, case or unit (for links)."""
    return [(int(r[0]), r[1]) for r in con.execute(
        "SELECT order_id, state FROM work_orders WHERE source_kind = ? AND source_id = ? ORDER BY order_id",
        [kind, source_id]).fetchall()]


@reads("orders")
def open_counts(con: duckdb.DuckDBPyConnection, now_s: int) -> dict[str, int]:
    """Return the wall's counts: open orders, and those past their report-in deadline unsigned."""
    row = con.execute("SELECT count(*) FILTER (WHERE state IN (SELECT unnest($open))), "
                      "count(*) FILTER (WHERE state = 'dispatched' AND report_due_at < $now) FROM work_orders "
                      "WHERE created_at <= $now", {"open": list(OPEN_STATES), "now": utc(now_s)}).fetchone()
    return {"open": int(row[0]), "report_overdue": int(row[1])}


def source_facts(con: duckdb.DuckDBPyConnection, kind: str | None, source_id: str | None) -> dict:
    """Return what a new order from an alert, a case or a unit starts with (title parts, unit, level,
    departments); empty when the source is unknown (the form then starts blank)."""
    if kind == "alert" and source_id and source_id.isdigit() and len(source_id) <= 18:
        row = con.execute("SELECT indicator_id, unit_code, coalesce(handling_level, 3), department FROM alerts "
                          "WHERE alert_id = ?", [int(source_id)]).fetchall()
        if row:
            return {"title": row[0][0], "unit_code": row[0][1], "handling_level": row[0][2],
                    "departments": [row[0][3]] if row[0][3] else []}
    if kind == "case" and source_id and ":" in source_id:
        channel, _, event_id = source_id.partition(":")
        row = con.execute("SELECT coalesce(c.name_zh, e.category_code), e.grid_code, e.handling_level, "
                          "coalesce(e.department, c.department) FROM events e LEFT JOIN event_categories c "
                          "ON c.code = e.category_code WHERE e.source = ? AND e.event_id = ?",
                          [channel, event_id]).fetchall()
        if row:
            return {"title": f"{row[0][0]} {event_id}", "unit_code": row[0][1], "handling_level": row[0][2],
                    "departments": [row[0][3]] if row[0][3] else []}
    if kind == "unit" and source_id:
        row = con.execute("SELECT name_zh, code, level FROM admin_units WHERE code = ?", [source_id]).fetchall()
        if row:
            return {"title": row[0][0], "unit_code": row[0][1], "handling_level": _level_of(row[0][2]),
                    "departments": []}
    return {}


def _level_of(level: str) -> int:
    return {"city": 1, "district": 1, "street": 2}.get(level, 3)
