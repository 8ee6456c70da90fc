"""Case queries for /events: filtered, sorted pages of cases counted and read in SQL; one case and its life cycle.

The store may hold millions of cases, so nothing here reads them all: a page is ``LIMIT ? OFFSET ?``
under an ``ORDER BY`` chosen from a fixed list, and every value a user chose is a bound parameter.
Rows come back unmasked; callers pass them through :mod:`access.privacy` before they leave the server.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb

from data.statuses import STATUSES, VOID_IN, VOID_STATUSES
from data.text import inert_row

HANDLING_LEVELS = (1, 2, 3)            # 1 district, 2 street, 3 community
MAX_PAGE_ROWS = 500
# Texts shown as labels, cut shorter than a description when a feed sent more (data.text.inert_row);
# source and event_id stay whole (up to DISPLAY_LIMIT): the page looks the case up by them.
LABELS = ("channel_zh", "channel_en", "department", "department_zh", "department_en", "category_zh", "category_en")
# Sortable grid columns and the SQL each sorts by (only these strings ever reach ORDER BY).
SORT_COLUMNS = {
    "received": "e.received_at", "due": "e.due_at", "status": "e.status", "source": "e.source",
    "category": "e.category_code", "level": "e.handling_level", "grid": "e.grid_code",
    "event_id": "e.event_id", "department": "e.department",
}
DEFAULT_SORT = (("received", "desc"),)
_CODE = re.compile(r"^[0-9A-Za-z_.\-]{1,64}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CITY_ROOT = "(SELECT min(code) FROM admin_units WHERE level = 'city')"
LIST_COLUMNS = """e.source, coalesce(ch.name_zh, e.source) AS channel_zh, coalesce(ch.name_en, e.source) AS channel_en,
    e.event_id, e.category_code, c.name_zh AS category_zh, c.name_en AS category_en,
    e.grid_code, epoch(e.received_at)::BIGINT AS received_s, epoch(e.due_at)::BIGINT AS due_s,
    epoch(e.resolved_at)::BIGINT AS resolved_s, e.status, e.handling_level, e.department, e.description,
    e.caller_name, e.caller_phone,
    coalesce(dep.name_zh, e.department) AS department_zh, coalesce(dep.name_en, e.department) AS department_en"""
# a case's department is a code of the departments table (its names in both languages)
DEPARTMENT_JOIN = "LEFT JOIN departments dep ON dep.code = e.department"


@dataclass(frozen=True)
class CaseFilters:
    """What the case list is narrowed to; None (or False) means "any"."""

    source: str | None = None
    category: str | None = None
    status: str | None = None
    handling_level: int | None = None
    overdue: bool = False
    unit: str | None = None               # a unit code of any level: its grids' cases
    since: date | None = None             # first city-local day received
    until: date | None = None             # last city-local day received (inclusive)

    @classmethod
    def from_values(cls, source=None, category=None, status=None, handling_level=None, overdue=None,
                    unit=None, since=None, until=None) -> "CaseFilters":
        """Return filters from URL or form values (strings), dropping any value that is not well formed."""
        return cls(source=_code(source), category=_code(category), status=status if status in STATUSES else None,
                   handling_level=_level(handling_level), overdue=str(overdue) in ("1", "true", "True"),
                   unit=_code(unit), since=_day(since), until=_day(until))

    def as_query(self) -> dict[str, str]:
        """Return the filters as /events URL parameters (contracts: unit, source, category, status, overdue, since, until)."""
        values = asdict(self)
        query = {key: str(value) for key, value in values.items() if value not in (None, False)}
        if self.overdue:
            query["overdue"] = "1"
        if "handling_level" in query:
            query["level"] = query.pop("handling_level")
        return query


def _code(value) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text if _CODE.match(text) else None


def _level(value) -> int | None:
    try:
        level = int(value)
    except (TypeError, ValueError):
        return None
    return level if level in HANDLING_LEVELS else None


def _day(value) -> date | None:
    if isinstance(value, date):
        return value
    text = str(value or "")[:10]
    if not _DAY.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, datetime.min.time(), ZoneInfo(tz))


def where_sql(filters: CaseFilters, now_s: int, tz: str) -> tuple[str, list]:
    """Return the WHERE clause over ``events e`` and its bound parameters (cases received by now)."""
    now = datetime.fromtimestamp(now_s, ZoneInfo(tz))
    clauses, params = ["e.received_at <= ?"], [now]
    for column, value in (("e.source", filters.source), ("e.category_code", filters.category),
                          ("e.status", filters.status), ("e.handling_level", filters.handling_level)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if filters.overdue:            # open and past due now, as the overview's "open and overdue" counts them
        clauses.append(f"e.due_at < ? AND (e.resolved_at IS NULL OR e.resolved_at > ?) AND e.status NOT IN {VOID_IN}")
        params += [now, now]
    if filters.unit is not None:
        clauses.append("e.grid_code IN (SELECT code FROM admin_units WHERE level = 'grid' AND ? IN "
                       f"(code, community_code, street_code, district_code, coalesce(city_code, {_CITY_ROOT})))")
        params.append(filters.unit)
    if filters.since is not None:
        clauses.append("e.received_at >= ?")
        params.append(_midnight(filters.since, tz))
    if filters.until is not None:
        clauses.append("e.received_at < ?")
        params.append(_midnight(filters.until + timedelta(days=1), tz))
    return " AND ".join(clauses), params


def order_sql(sort: list[tuple[str, str]] | tuple = DEFAULT_SORT) -> str:
    """Return an ORDER BY list from (grid column, asc|desc) pairs; unknown columns are ignored."""
    terms = [f"{SORT_COLUMNS[col]} {'DESC' if direction == 'desc' else 'ASC'} NULLS LAST"
             for col, direction in sort if col in SORT_COLUMNS]
    return ", ".join((terms or [f"{SORT_COLUMNS['received']} DESC"]) + ["e.source", "e.event_id"])


def count_cases(con: duckdb.DuckDBPyConnection, filters: CaseFilters, now_s: int, tz: str) -> int:
    """Return how many cases match the filters."""
    where, params = where_sql(filters, now_s, tz)
    return con.execute(f"SELECT count(*) FROM events e WHERE {where}", params).fetchall()[0][0]


def list_cases(con: duckdb.DuckDBPyConnection, filters: CaseFilters, now_s: int, tz: str,
               sort=DEFAULT_SORT, offset: int = 0, limit: int = 100) -> list[dict]:
    """Return one page of matching cases (unmasked), times as epoch seconds."""
    where, params = where_sql(filters, now_s, tz)
    limit = max(1, min(int(limit), MAX_PAGE_ROWS))
    order = order_sql(sort)
    # Late materialisation: sort and cut the page on the keys alone, then read the wide columns of only
    # those rows, not of every matching case.
    cursor = con.execute(f"SELECT {LIST_COLUMNS} FROM events e LEFT JOIN event_categories c ON c.code = e.category_code "
                         f"LEFT JOIN channels ch ON ch.code = e.source {DEPARTMENT_JOIN} "
                         f"WHERE e.rowid IN (SELECT e.rowid FROM events e WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?) "
                         f"ORDER BY {order}", params + [limit, max(0, int(offset))])
    names = [d[0] for d in cursor.description]
    return [inert_row(dict(zip(names, row)), labels=LABELS) for row in cursor.fetchall()]


def find_case(con: duckdb.DuckDBPyConnection, event_id: str, source: str | None = None) -> dict | None:
    """Return one case (unmasked) with its category's SLA and its unit names, or None."""
    cursor = con.execute(
        f"""SELECT {LIST_COLUMNS}, epoch(e.accepted_at)::BIGINT AS accepted_s,
                   epoch(e.dispatched_at)::BIGINT AS dispatched_s, epoch(e.closed_at)::BIGINT AS closed_s,
                   e.satisfaction, e.is_repeat, e.lon, e.lat, c.sla_hours,
                   g.name_zh AS grid_zh, g.name_en AS grid_en, g.community_code, g.street_code, g.district_code,
                   cm.name_zh AS community_zh, cm.name_en AS community_en, st.name_zh AS street_zh,
                   st.name_en AS street_en, d.name_zh AS district_zh, d.name_en AS district_en
            FROM events e LEFT JOIN event_categories c ON c.code = e.category_code
            LEFT JOIN channels ch ON ch.code = e.source {DEPARTMENT_JOIN}
            LEFT JOIN admin_units g ON g.code = e.grid_code
            LEFT JOIN admin_units cm ON cm.code = g.community_code
            LEFT JOIN admin_units st ON st.code = g.street_code
            LEFT JOIN admin_units d ON d.code = g.district_code
            WHERE e.event_id = ? AND (? IS NULL OR e.source = ?) ORDER BY e.source LIMIT 1""",
        [event_id, source, source])
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    return inert_row(dict(zip(names, rows[0])), labels=LABELS) if rows else None


def case_history(con: duckdb.DuckDBPyConnection, source: str, event_id: str) -> list[dict]:
    """Return every version of a case received, oldest first (its life cycle)."""
    order = "CASE status " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STATUSES)) + " END"
    cursor = con.execute(
        f"""SELECT status, epoch(updated_at)::BIGINT AS updated_s, handling_level, department, satisfaction
            FROM event_history WHERE source = ? AND event_id = ? ORDER BY updated_at, {order}""",
        [source, event_id])
    names = [d[0] for d in cursor.description]
    return [inert_row(dict(zip(names, row)), labels=LABELS) for row in cursor.fetchall()]


@dataclass(frozen=True)
class SlaClock:
    """Where a case stands against its deadline."""

    state: str                 # no_deadline, void, open (time left), overdue, met (resolved in time), late (resolved late)
    due_s: int | None
    seconds: int               # open: left; overdue: past due; met: margin; late: past due when resolved


def sla_clock(due_s: int | None, resolved_s: int | None, now_s: int, status: str | None = None) -> SlaClock:
    """Return the SLA clock of a case at ``now_s`` (a resolution after now has not happened yet); a void
    case (cancelled or merged) has no clock running: it is neither on time nor overdue."""
    if status in VOID_STATUSES:
        return SlaClock("void", due_s, 0)
    if due_s is None:
        return SlaClock("no_deadline", None, 0)
    if resolved_s is not None and resolved_s <= now_s:
        return SlaClock("met", due_s, due_s - resolved_s) if resolved_s <= due_s else SlaClock("late", due_s, resolved_s - due_s)
    return SlaClock("open", due_s, due_s - now_s) if now_s <= due_s else SlaClock("overdue", due_s, now_s - due_s)


def list_categories(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Return every event category (code, names, domain, SLA hours), by code."""
    cursor = con.execute("SELECT code, name_zh, name_en, domain, sla_hours FROM event_categories ORDER BY code")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def list_sources(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Return the sources cases came from, each with its channel's names (its code when the city's
    profile names no channel for it)."""
    cursor = con.execute("SELECT s.source, coalesce(ch.name_zh, s.source) AS channel_zh, "
                         "coalesce(ch.name_en, s.source) AS channel_en FROM (SELECT DISTINCT source FROM events) s "
                         "LEFT JOIN channels ch ON ch.code = s.source ORDER BY s.source")
    return [inert_row(dict(zip(("source", "channel_zh", "channel_en"), row)), labels=LABELS) for row in cursor.fetchall()]


def search_units(con: duckdb.DuckDBPyConnection, text: str | None, limit: int = 30) -> list[dict]:
    """Return units whose code starts with, or whose name contains, ``text``: coarser levels first."""
    text = (text or "").strip()[:40]
    cursor = con.execute(
        """SELECT code, level, name_zh, name_en FROM admin_units
           WHERE ? = '' OR starts_with(code, ?) OR contains(name_zh, ?) OR contains(lower(name_en), lower(?))
           ORDER BY level_no, code LIMIT ?""", [text, text, text, text, int(limit)])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def find_unit(con: duckdb.DuckDBPyConnection, code: str | None) -> dict | None:
    """Return one unit (code, level, names) or None."""
    if not code:
        return None
    rows = con.execute("SELECT code, level, name_zh, name_en FROM admin_units WHERE code = ?", [code]).fetchall()
    return dict(zip(("code", "level", "name_zh", "name_en"), rows[0])) if rows else None
