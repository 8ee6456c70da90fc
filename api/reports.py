"""GET /reports/brief-YYYY-MM-DD.pdf and .html: the daily brief of a date, for the roles of /summary.

Served from the archive when the brief is on file, else rendered on the spot (the same content:
a brief depends only on its date). Every download is audited.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, request

from access.roles import current_principal, may_open
from data import audit
from layouts.pages import page_for_path
from reporting.archive import FORMATS, MEDIA_TYPES, archive_path, brief_document, render, reports_dir
from reporting.days import parse_day
from reporting.render import RenderError

SUMMARY_PATH = "/summary"


def _json(body: dict, status: int) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def brief_bytes(app_context, day, fmt: str) -> bytes:
    """Return the archived brief, or one rendered from the document the server keeps for the day."""
    cursor = app_context.cursor()
    path = archive_path(reports_dir(cursor), day, fmt)
    if path.exists():
        return path.read_bytes()
    return render(cursor, day, app_context.tz, fmt, document=brief_document(app_context, day))


def download(app_context, day_text: str, fmt: str) -> Response:
    """Answer one download after checking the role and the date."""
    principal = current_principal()
    page = page_for_path(SUMMARY_PATH)
    if principal is None or page is None or not may_open(principal, page):
        return _json({"error": "your role may not read the daily brief"}, 403)
    if fmt not in FORMATS:
        return _json({"error": "format must be pdf or html"}, 404)
    try:
        day = parse_day(day_text)
    except ValueError as exc:
        return _json({"error": str(exc)}, 400)
    cursor = app_context.cursor()
    try:
        content = brief_bytes(app_context, day, fmt)
    except RenderError as exc:
        return _json({"error": str(exc)}, 503)
    audit.record(cursor, principal.actor, "report.download", day.isoformat(), {"format": fmt}, request.remote_addr)
    name = f"brief-{day.isoformat()}.{fmt}"
    return Response(content, mimetype=MEDIA_TYPES[fmt].split(";")[0],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def register(server, app_context) -> None:
    """Mount the download routes on the Flask server."""
    bp = Blueprint("reports", __name__)
    bp.add_url_rule("/reports/brief-<day_text>.<fmt>", "brief", lambda day_text, fmt: download(app_context, day_text, fmt))
    server.register_blueprint(bp)
