"""POST /api/v1/alarms: camera and IoT alarm feeds report alarms with a token of scope ``alarms``.

The body is one JSON object or an array of at most data.alarms.MAX_REPORTS, at most MAX_BYTES. The
request guard has checked the token (api/guard.py); here each report is checked field by field and
the valid ones are recorded in one transaction. The answer lists a result per report, in order:
``new``, ``merged`` (folded into an alarm by de-duplication), ``quiet`` (the type's quiet hours),
``duplicate`` (an external_id the camera already sent) or ``rejected`` with the reason naming the
field. A request whose every report was rejected answers 400; a session user may not post (403).
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, g, request

from data import alarms, db, write_locks
from data.clock import DEFAULT_TZ

MAX_BYTES = 256 * 1024


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, default=str), status=status, mimetype="application/json")


def _items() -> list | Response:
    if request.content_length is not None and request.content_length > MAX_BYTES:
        return _json({"error": f"the body is larger than {MAX_BYTES} bytes: send fewer reports per request"}, 413)
    body = request.stream.read(MAX_BYTES + 1)
    if len(body) > MAX_BYTES:
        return _json({"error": f"the body is larger than {MAX_BYTES} bytes: send fewer reports per request"}, 413)
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return _json({"error": f"the body must be UTF-8 JSON: {exc}"}, 400)
    items = parsed if isinstance(parsed, list) else [parsed]
    if not items:
        return _json({"error": "the body holds no report"}, 400)
    if len(items) > alarms.MAX_REPORTS:
        return _json({"error": f"at most {alarms.MAX_REPORTS} reports per request"}, 413)
    return items


def post_alarms(app_context) -> Response:
    """Record the posted reports; answer a result per report."""
    principal = getattr(g, "principal", None)
    if principal is None or principal.role != "alarms":
        return _json({"error": "alarms are posted with a token of scope alarms"}, 403)
    items = _items()
    if isinstance(items, Response):
        return items
    cursor = app_context.cursor()
    tz = db.get_setting(cursor, "city.tz", DEFAULT_TZ)
    with write_locks.held(cursor, "alarms"):
        results = alarms.receive(cursor, items, app_context.now_s(), tz)
    accepted = sum(r["status"] != "rejected" for r in results)
    return _json({"results": results, "accepted": accepted, "rejected": len(results) - accepted},
                 200 if accepted else 400)


def create_blueprint(app_context) -> Blueprint:
    """Return the blueprint of POST /api/v1/alarms bound to the server's store."""
    blueprint = Blueprint("api_v1_alarms", __name__, url_prefix="/api/v1")
    blueprint.add_url_rule("/alarms", "alarms", lambda: post_alarms(app_context), methods=["POST"])
    return blueprint


def register(server, app_context) -> None:
    """Mount the alarm API on the Flask server."""
    server.register_blueprint(create_blueprint(app_context))
