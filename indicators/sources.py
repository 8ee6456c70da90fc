"""The relations indicators are computed from, each with the unit codes of every level.

Every source yields the columns ``u_city, u_district, u_street, u_community, u_grid`` (the
unit codes of the row's grid and its ancestors) so one GROUPING SETS pass gives all levels.
State columns are evaluated "as of" the bound parameter ``$now``, so recomputing a past
instant gives what the live loop would have computed then, even after later updates.

For 7-day baselines a time-windowed source can be read *shifted*: each row gets the day
``day_shift`` (1..7) whose shifted window holds it, and its state columns are evaluated at
``$now - day_shift days``, so one pass yields the same window on each of the 7 previous days.
State sources are read shifted the same way: each row once per earlier instant at which it
existed (a case open then, a sensor installed then), with that instant's state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from data.retention import union_name
from data.statuses import void_sql
from indicators.place_sources import NEAR_CASES, NEAR_READINGS

UNIT_COLUMNS = {"city": "u_city", "district": "u_district", "street": "u_street",
                "community": "u_community", "grid": "u_grid"}

_HIERARCHY = """
    coalesce(g.city_code, (SELECT min(code) FROM admin_units WHERE level = 'city')) AS u_city,
    g.district_code AS u_district, g.street_code AS u_street, g.community_code AS u_community, g.code AS u_grid"""

_VOID = void_sql("{now}")
# The state of a case at the instant {now}, by column. A refresh materialises only the columns its
# scans name: each column left out is an expression over every recent event not evaluated.
# A void case (cancelled or merged, data/statuses.py) is never overdue and never open; the catalog's
# closure, timeliness and satisfaction measures leave it out with ``NOT is_void``.
EVENT_STATE = {
    "is_closed": "closed_at <= {now}",
    "is_resolved": "resolved_at <= {now}",
    "is_accepted": "accepted_at <= {now}",
    "is_dispatched": "dispatched_at <= {now}",
    "is_void": _VOID,
    "is_overdue": ("((resolved_at <= {now} AND resolved_at > due_at) "
                   f"OR (coalesce(resolved_at > {{now}}, true) AND due_at < {{now}})) AND NOT {_VOID}"),
    "handling_hours": "CASE WHEN resolved_at <= {now} THEN epoch(resolved_at - received_at) / 3600 END",
    "response_minutes": "CASE WHEN accepted_at <= {now} THEN epoch(accepted_at - received_at) / 60 END",
    "dispatch_hours": "CASE WHEN dispatched_at <= {now} THEN epoch(dispatched_at - received_at) / 3600 END",
    "closing_hours": "CASE WHEN closed_at <= {now} THEN epoch(closed_at - received_at) / 3600 END",
    "rating": "CASE WHEN closed_at <= {now} THEN satisfaction END",
}


def state_inputs(names) -> set[str]:
    """Return the columns of ``events`` the state columns among ``names`` are computed from (and, for
    open cases, the columns its condition reads): a refresh must copy them into what it materialises."""
    text = " ".join(EVENT_STATE[name] for name in names if name in EVENT_STATE)
    if "open_cases" in names or "open_cases_near_places" in names:
        text += " " + OPEN_CONDITION
    if set(names) & {"cases_near_places", "open_cases_near_places"}:
        text += " lon lat"          # the cases' points, which the pairing with places reads
    return set(re.findall(r"[a-z_][a-z0-9_]*", text))


def _event_state(left_out: tuple[str, ...] = ()) -> str:
    """Return the state columns not left out, each after a comma (none: an empty string)."""
    return "".join(f",\n    {expression} AS {name}"
                   for name, expression in EVENT_STATE.items() if name not in left_out)


# A case is open at {now}: received, not closed, not void.
OPEN_CONDITION = f"received_at <= {{now}} AND coalesce(closed_at > {{now}}, true) AND NOT {_VOID}"
BASELINE_DAYS = 7
FREE_TEXT_COLUMNS = {"events": ("description", "caller_name", "caller_phone")}    # long, and rarely aggregated
# Columns of events a refresh copies into the relations it materialises only when a measure, filter or
# split names them; the others (times, source, grid and category codes) are read by the relation itself.
OPTIONAL_COLUMNS = {"events": (*FREE_TEXT_COLUMNS["events"], "event_id", "lon", "lat", "status",
                               "handling_level", "department", "is_repeat", "updated_at", "batch_id")}
RECENT_DAYS = 31            # longest window (30 days) and a margin: what one refresh can read
_SHIFTED_NOW = "($now - to_days(day_shift))"
RECENT_EVENTS = "_recent_events"
_SHIFTS = f"range(1, {BASELINE_DAYS + 1}) AS shifts(day_shift)"
_DAY_SHIFT_OF_TS = "floor((epoch($now) - epoch(ts)) / 86400)::INTEGER"     # ts in ($now - k - 1 days, $now - k days]
_SENSOR_LAST = (f"(SELECT sensor_id, max(ts) AS last_ts FROM {union_name('readings')} "
                "WHERE ts <= $now AND ts > $now - INTERVAL 1 DAY GROUP BY sensor_id)")
_SENSOR_LAST_SHIFTED = (f"(SELECT sensor_id, day_shift, max(ts) AS last_ts FROM "
                        f"(SELECT sensor_id, ts, {_DAY_SHIFT_OF_TS} AS day_shift FROM {union_name('readings')} "
                        f"WHERE ts <= $now - INTERVAL 1 DAY AND ts > $now - INTERVAL {BASELINE_DAYS + 1} DAY) "
                        f"GROUP BY sensor_id, day_shift)")


@dataclass(frozen=True)
class Source:
    """A relation to aggregate, its time columns and whether it is a state at an instant."""

    name: str
    relation: str                          # SQL with {now} (the instant), {rows} (the base table) and {state}
    time_columns: tuple[str, ...]
    default_time_column: str | None
    state: bool = False                    # only the "now" window applies
    table: str = ""
    over: str | None = None                # the source whose relation fills {inner} (rows paired with places)

    def text(self, state_left_out: tuple[str, ...] = ()) -> str:
        """Return the relation's SQL template with the event state columns in place (those of
        EVENT_STATE not left out): {now} and {rows} still to fill."""
        return self.relation.replace("{state}", _event_state(state_left_out))

    @property
    def read_from(self) -> str:
        """Return the relation the rows are read from: the table with its archived rows (data/retention.py)."""
        return union_name(self.table)

    def sql(self, materialised: str | None = None) -> str:
        """Return the relation's SQL (uses the bound parameter $now); open_cases reads events'."""
        if self.over:
            return self.text().format(inner=SOURCES[self.over].sql(materialised))
        if self.name == "open_cases":
            return self.text().format(now="$now", rows=materialised or SOURCES["events"].sql())
        if self.name == "sensors":
            return self.text().format(now="$now", rows=self.read_from, last=_SENSOR_LAST, shift_key="")
        return materialised or self.text().format(now="$now", rows=self.read_from)

    def recent_sql(self, unread: tuple[str, ...] = (), days: int = RECENT_DAYS,
                   state_unread: tuple[str, ...] = ()) -> str:
        """Return the relation over the rows any window of a refresh at $now can touch: a time column
        in the last ``days`` days, or still open (materialised once per refresh), without the
        ``unread`` columns (free text no scan reads, which would only be copied) and the
        ``state_unread`` columns of EVENT_STATE (computed for every row, then never read)."""
        touched = " OR ".join(f"({c} > $now - INTERVAL {int(days)} DAY AND {c} <= $now)" for c in self.time_columns)
        columns = f"* EXCLUDE ({', '.join(unread)})" if unread else "*"
        rows = f"(SELECT {columns} FROM {self.read_from} WHERE {touched} OR coalesce(closed_at > $now, true))"
        return self.text(state_unread).format(now="$now", rows=rows)

    def shifted_sql(self, time_column: str | None) -> str:
        """Return the relation over the 7 previous days' windows, with day_shift and shifted state."""
        if time_column is None:
            return self.shifted_state_sql()
        if self.over:
            return self.text().format(inner=SOURCES[self.over].shifted_sql(time_column))
        rows = (f"(SELECT *, floor((epoch($end) - epoch({time_column})) / 86400)::INTEGER AS day_shift "
                f"FROM {self.read_from} WHERE {time_column} > $start - INTERVAL {BASELINE_DAYS + 1} DAY "
                f"AND {time_column} <= $end - INTERVAL 1 DAY)")
        return self.text().format(now=_SHIFTED_NOW, rows=rows)

    def shifted_state_sql(self, unread: tuple[str, ...] = ()) -> str:
        """Return the state at each of the 7 previous days' instants ($now - day_shift days) in
        one relation: a case once per earlier instant it was open at, a sensor once per shift;
        without the ``unread`` columns of the events."""
        if self.over:
            return self.text().format(inner=SOURCES[self.over].shifted_state_sql(unread))
        if self.name == "open_cases":
            columns = f"* EXCLUDE ({', '.join(unread)})" if unread else "*"
            candidates = (f"(SELECT {columns} FROM events WHERE received_at <= $now - INTERVAL 1 DAY "
                          f"AND coalesce(closed_at > $now - INTERVAL {BASELINE_DAYS} DAY, true))")
            rows = (f"(SELECT e.*, day_shift FROM {candidates} e, {_SHIFTS} WHERE e.received_at <= {_SHIFTED_NOW} "
                    f"AND coalesce(e.closed_at > {_SHIFTED_NOW}, true))")
            return self.text().format(now=_SHIFTED_NOW, rows=SOURCES["events"].text().format(now=_SHIFTED_NOW,
                                                                                         rows=rows))
        rows = f"(SELECT *, day_shift FROM {self.read_from}, {_SHIFTS})"
        return self.text().format(now=_SHIFTED_NOW, rows=rows, last=_SENSOR_LAST_SHIFTED, shift_key=", day_shift")

# The state of a work order at the instant {now}, by column (data/orders/machine.py names the steps):
# signed for (报到), fed back (finished), returned, verified; on time against its own deadlines.
ORDER_STATE = {
    "is_reported": "reported_at <= {now}",
    "is_reported_on_time": "reported_at <= {now} AND reported_at <= report_due_at",
    "is_report_due": "(report_due_at <= {now} OR reported_at <= {now})",
    "is_finished": "feedback_at <= {now}",
    "is_finished_on_time": "feedback_at <= {now} AND feedback_at <= finish_due_at",
    "is_finish_due": "(finish_due_at <= {now} OR feedback_at <= {now})",
    "is_returned": "returned_at <= {now}",
    "is_verified": "verified_at <= {now}",
    "report_in_hours": "CASE WHEN reported_at <= {now} THEN epoch(reported_at - created_at) / 3600 END",
    "finish_hours": "CASE WHEN feedback_at <= {now} THEN epoch(feedback_at - created_at) / 3600 END",
}
# An order's unit may sit at any level: its own code stands in the column of its level and its
# ancestors' in the columns above (u_grid holds the unit itself, which the roll-up also reads so).
_ORDER_HIERARCHY = """
    coalesce(g.city_code, (SELECT min(code) FROM admin_units WHERE level = 'city')) AS u_city,
    CASE WHEN g.level = 'district' THEN g.code ELSE g.district_code END AS u_district,
    CASE WHEN g.level = 'street' THEN g.code ELSE g.street_code END AS u_street,
    CASE WHEN g.level = 'community' THEN g.code ELSE g.community_code END AS u_community,
    o.unit_code AS u_grid"""
_ORDER_STATE_SQL = "".join(f",\n    {expression} AS {name}" for name, expression in ORDER_STATE.items())


EVENT_TIME_COLUMNS = ("received_at", "accepted_at", "dispatched_at", "resolved_at", "closed_at", "due_at")
SOURCES: dict[str, Source] = {
    "events": Source(
        "events",
        f"""SELECT e.*, ch.role AS channel, c.domain AS category_domain{{state}}, {_HIERARCHY}
            FROM {{rows}} e LEFT JOIN admin_units g ON g.code = e.grid_code AND g.level = 'grid'
            LEFT JOIN event_categories c ON c.code = e.category_code
            LEFT JOIN channels ch ON ch.code = e.source""",
        EVENT_TIME_COLUMNS, "received_at", table="events",
    ),
    "open_cases": Source(
        "open_cases",
        f"""SELECT *, epoch({{now}} - received_at) / 3600 AS age_hours
            FROM ({{rows}}) AS recent WHERE {OPEN_CONDITION}""",
        (), None, state=True, table="events",
    ),
    "readings": Source(
        "readings",
        f"""SELECT r.*, s.kind, {_HIERARCHY}
            FROM {{rows}} r JOIN sensors s USING (sensor_id)
            LEFT JOIN admin_units g ON g.code = s.grid_code AND g.level = 'grid'""",
        ("ts",), "ts", table="readings",
    ),
    "alarms": Source(
        "alarms",
        f"""SELECT a.*, a.status = 'dismissed' AS is_false, a.status IN ('confirmed', 'dismissed') AS is_reviewed,
                   a.status = 'pending' AS is_pending, a.status = 'quiet' AS is_quiet, {_HIERARCHY}
            FROM {{rows}} a JOIN cameras c USING (camera_id)
            LEFT JOIN admin_units g ON g.code = c.grid_code AND g.level = 'grid'""",
        ("first_at", "reviewed_at"), "first_at", table="alarms",
    ),
    "sensors": Source(
        "sensors",
        f"""SELECT s.*, last.last_ts, epoch({{now}} - last.last_ts) AS age_s,
                   coalesce(last.last_ts > {{now}} - to_minutes(greatest(2 * s.interval_min, 60)), false) AS is_reporting,
                   {_HIERARCHY}
            FROM {{rows}} s
            LEFT JOIN {{last}} last USING (sensor_id{{shift_key}})
            LEFT JOIN admin_units g ON g.code = s.grid_code AND g.level = 'grid'
            WHERE coalesce(s.installed_at <= {{now}}, true) AND coalesce(s.retired_at > {{now}}, true)""",
        (), None, state=True, table="sensors",
    ),
    "work_orders": Source(
        "work_orders",
        f"""SELECT o.*, (SELECT list(d.department) FROM work_order_departments d WHERE d.order_id = o.order_id)
                   AS departments{_ORDER_STATE_SQL.replace('{', '{{').replace('}', '}}').replace('{{now}}', '{now}')},
                   {_ORDER_HIERARCHY}
            FROM {{rows}} o LEFT JOIN admin_units g ON g.code = o.unit_code
            WHERE o.created_at <= {{now}}""",
        ("created_at", "reported_at", "feedback_at", "verified_at"), "created_at", table="work_orders",
    ),
    "cases_near_places": Source("cases_near_places", NEAR_CASES, EVENT_TIME_COLUMNS, "received_at",
                                table="events", over="events"),
    "open_cases_near_places": Source("open_cases_near_places", NEAR_CASES, (), None, state=True, table="events",
                                     over="open_cases"),
    "readings_near_places": Source("readings_near_places", NEAR_READINGS, ("ts",), "ts", table="readings",
                                   over="readings"),
    "cameras": Source(
        "cameras",
        f"""SELECT c.*, {_HIERARCHY}
            FROM {{rows}} c LEFT JOIN admin_units g ON g.code = c.grid_code AND g.level = 'grid'
            WHERE c.registered_at <= {{now}}""",
        (), None, state=True, table="cameras",
    ),
}
