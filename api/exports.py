"""GET /export/events.csv and /export/events.json: one city-local day of cases, personal data masked.

Times are the city's local time in ISO 8601 with the offset (``2026-11-20T07:30:00-08:00``): a
spreadsheet shows the hour the city lived, and no reader can take it for another zone.

Needs a session whose role holds ``export``. ``?unmask=1`` shows caller names, phones and ID
numbers only to roles holding ``pii.unmask``; every export and every unmasking is audited.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, request

from access import privacy
from access.roles import current_principal
from data import audit, inputs
from data.clock import local_iso

EXPORT_COLUMNS = ("source", "event_id", "category_code", "grid_code", "received_at", "status", "department",
                  "description", "caller_name", "caller_phone")
RECEIVED = EXPORT_COLUMNS.index("received_at")
MAX_EXPORT_ROWS = 100_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")      # spreadsheet formula injection


def _json(body: object, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, default=str), status=status, mimetype="application/json")


def _day(value: str | None, app_context) -> date:
    """Return the requested city-local day (default: the city's today)."""
    if value:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError("day must be YYYY-MM-DD")
        return inputs.day(value, "day")
    return datetime.fromtimestamp(app_context.now_s(), ZoneInfo(app_context.tz)).date()


def fetch_events(cursor, day: date, tz: str) -> list[dict]:
    """Return the cases received on ``day`` (city-local), unmasked (callers mask before answering),
    times as local ISO 8601 with the offset."""
    start = datetime.combine(day, datetime.min.time(), ZoneInfo(tz))
    rows = cursor.execute(f"SELECT {', '.join(EXPORT_COLUMNS)} FROM events WHERE received_at >= ? AND received_at < ? "
                          "ORDER BY received_at, source, event_id LIMIT ?",
                          [start, start + timedelta(days=1), MAX_EXPORT_ROWS]).fetchall()
    return [{**dict(zip(EXPORT_COLUMNS, row)), "received_at": local_iso(row[RECEIVED], tz)} for row in rows]


def inert_cell(value: object) -> object:
    """Return a CSV cell a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def events_csv(rows: list[dict]) -> str:
    """Return rows as CSV text (a BOM first so that Excel reads the Chinese as UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([inert_cell(row[c]) for c in EXPORT_COLUMNS])
    return "\ufeff" + buffer.getvalue()


def export_events(app_context, fmt: str) -> Response:
    """Answer one export request after checking permission, masking and auditing."""
    principal = current_principal()
    if principal is None or not principal.may("export"):
        return _json({"error": "your role may not export"}, 403)
    unmask = request.args.get("unmask") == "1"
    if unmask and not principal.may("pii.unmask"):
        return _json({"error": "your role may not see personal data"}, 403)
    try:
        day = _day(request.args.get("day"), app_context)
    except ValueError as exc:
        return _json({"error": str(exc)}, 400)
    cursor = app_context.cursor()
    rows = fetch_events(cursor, day, app_context.tz)
    if not unmask:
        rows = [privacy.mask_event(row) for row in rows]
    audit.record(cursor, principal.actor, "export.events", day.isoformat(),
                 {"format": fmt, "rows": len(rows), "unmasked": unmask}, request.remote_addr)
    if unmask:
        audit.record(cursor, principal.actor, "pii.unmask", f"events:{day.isoformat()}",
                     {"rows": len(rows), "via": f"export.{fmt}"}, request.remote_addr)
    if fmt == "json":
        return _json({"day": day.isoformat(), "masked": not unmask, "events": rows})
    return Response(events_csv(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="events-{day.isoformat()}.csv"'})


def register(server, app_context) -> None:
    """Mount the export routes on the Flask server."""
    bp = Blueprint("exports", __name__)
    bp.add_url_rule("/export/events.csv", "events_csv", lambda: export_events(app_context, "csv"))
    bp.add_url_rule("/export/events.json", "events_json", lambda: export_events(app_context, "json"))
    server.register_blueprint(bp)
