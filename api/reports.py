"""The brief's HTTP doors.

- ``GET /reports/brief-<period>.<pdf|html>?area=CODE&lang=zh|en``: a brief of a day (2026-11-19),
  week (2026-W47), month (2026-11) or quarter (2026-Q4), for the roles of /summary. An ended
  period's city brief in Chinese is served from the archive when on file, else from the PDF the
  server keeps beside its document (reporting/prebuilt.py), printed once. Every download is audited.
- ``GET /brief/<token>`` and ``/brief/<token>.pdf``: the one brief a signed link names (reporting/
  links.py), laid out for a phone, with no sign-in; an altered or expired link is refused (403/410).

A period not yet begun, before the store's data, or an unknown area is refused with a message
naming the field (400); a malformed period too.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, request

from access.roles import current_principal, may_open
from data import audit, thread_cpu
from layouts.pages import page_for_path
from reporting.archive import (FORMATS, LANGUAGES, MEDIA_TYPES, archive_path, brief_document, brief_page, render,
                               reports_dir)
from reporting.links import LinkRefused, link_secret, verify
from reporting.render import RenderError
from reporting.span import BriefRefused, PeriodError, parse_period

SUMMARY_PATH = "/summary"
LINK_STATUS = {"malformed": 404, "tampered": 403, "expired": 410}
BRIEF_SECTION = "brief-on-request"          # data/thread_cpu.py: CPU spent building briefs in request threads


def _json(body: dict, status: int) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def _refusal(exc: Exception, field: str, language: str) -> Response:
    if isinstance(exc, BriefRefused):
        field = "area" if exc.reason == "area" else field
        return _json({"error": exc.message(language), "field": field, "reason": exc.reason}, 400)
    return _json({"error": str(exc), "field": field}, 400)


def brief_bytes(app_context, period, fmt: str, area: str | None = None, language: str = "zh") -> bytes:
    """Return the archived brief, or one rendered from the document the server keeps for the period."""
    if not area and language == "zh":
        path = archive_path(reports_dir(app_context.cursor()), period, fmt)
        if path.exists():
            return path.read_bytes()
    with thread_cpu.section(BRIEF_SECTION):
        document = brief_document(app_context, period, area, stale_ok=True)
        return _rendered(app_context, document, fmt, language)


def _rendered(app_context, document, fmt: str, language: str) -> bytes:
    """Return the document's page (kept per build: reporting/archive.brief_page) or its PDF (kept in the store)."""
    if fmt == "html":
        return brief_page(app_context, document, language)
    return render(document, fmt, language, app_context.cursor())


def download(app_context, key: str, fmt: str) -> Response:
    """Answer one download after checking the role, the period, the area and the language."""
    principal = current_principal()
    page = page_for_path(SUMMARY_PATH)
    if principal is None or page is None or not may_open(principal, page):
        return _json({"error": "your role may not read the brief"}, 403)
    if fmt not in FORMATS:
        return _json({"error": "format must be pdf or html", "field": "format"}, 404)
    language = request.args.get("lang", "zh")
    if language not in LANGUAGES:
        return _json({"error": "lang must be zh or en", "field": "lang"}, 400)
    area = request.args.get("area") or None
    try:
        period = parse_period(key)
        content = brief_bytes(app_context, period, fmt, area, language)
    except (BriefRefused, PeriodError) as exc:
        return _refusal(exc, "period", language)
    except RenderError as exc:
        return _json({"error": str(exc)}, 503)
    audit.record(app_context.cursor(), principal.actor, "report.download", str(period),
                 {"format": fmt, "area": area, "lang": language}, request.remote_addr)
    name = f"brief-{period}.{fmt}"
    return Response(content, mimetype=MEDIA_TYPES[fmt].split(";")[0],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def open_link(app_context, token: str, fmt: str = "html") -> Response:
    """Answer a signed link: the brief it names, or why it does not open."""
    cursor = app_context.cursor()
    try:
        link = verify(token, link_secret(reports_dir(cursor)), app_context.now_s())
        period = parse_period(link.period)
        with thread_cpu.section(BRIEF_SECTION):
            document = brief_document(app_context, period, link.area or None, stale_ok=True)
            content = _rendered(app_context, document, fmt, link.lang)
    except LinkRefused as exc:
        audit.record(cursor, "anonymous", "report.link_refused", exc.reason, {}, request.remote_addr)
        return _json({"error": str(exc), "reason": exc.reason}, LINK_STATUS[exc.reason])
    except (BriefRefused, PeriodError) as exc:
        return _refusal(exc, "period", "zh")
    except RenderError as exc:
        return _json({"error": str(exc)}, 503)
    audit.record(cursor, "link", "report.link_opened", str(period), {"area": link.area, "lang": link.lang, "format": fmt},
                 request.remote_addr)
    headers = {"Content-Disposition": f'inline; filename="brief-{period}.{fmt}"'}
    return Response(content, mimetype=MEDIA_TYPES[fmt].split(";")[0], headers=headers)


def register(server, app_context) -> None:
    """Mount the download and link routes on the Flask server."""
    bp = Blueprint("reports", __name__)
    bp.add_url_rule("/reports/brief-<key>.<fmt>", "brief", lambda key, fmt: download(app_context, key, fmt))
    bp.add_url_rule("/brief/<token>.pdf", "brief_link_pdf", lambda token: open_link(app_context, token, "pdf"))
    bp.add_url_rule("/brief/<token>", "brief_link", lambda token: open_link(app_context, token))
    server.register_blueprint(bp)
