"""POST /api/v1/events, /api/v1/readings and /api/v1/places: authenticated ingestion into the server's own store.

Bodies are a JSON array or NDJSON, at most API_MAX_BYTES. Each request is one batch, committed
wholly or not at all; the answer gives the batch summary and a result for every row.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, request

from api.openapi import openapi_document
from data import settings, write_locks
from data.ingest import pipeline, registry, tokens
from data.ingest.mapping import MappingError
from data.ingest.readers import ReadError
from data.text import INVISIBLE

API_MAX_BYTES = settings.resolve("api_max_bytes")
DEFAULT_MAPPINGS = {"events": "api_events", "readings": "api_readings", "places": "api_places"}
MAX_SOURCE_NAME = 128           # characters of X-City-Source, the batch's name


def _json(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, default=str), status=status,
                    mimetype="application/json", headers=headers)


def _error(status: int, message: str, headers: dict | None = None) -> Response:
    return _json({"error": message}, status, headers)


def _authorize(cursor) -> Response | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not header[7:].strip():
        return _error(401, "a bearer token is required: Authorization: Bearer TOKEN",
                      {"WWW-Authenticate": 'Bearer realm="city-vitals"'})
    verdict = tokens.check_token(cursor, header[7:].strip())
    if verdict != "ok":
        return _error(403, "this token is revoked" if verdict == "revoked" else "this token is not valid")
    return None


def _read_body() -> bytes | Response:
    if request.content_length is not None and request.content_length > API_MAX_BYTES:
        return _error(413, f"the body is larger than {API_MAX_BYTES} bytes: send fewer rows per request")
    body = request.stream.read(API_MAX_BYTES + 1)
    if len(body) > API_MAX_BYTES:
        return _error(413, f"the body is larger than {API_MAX_BYTES} bytes: send fewer rows per request")
    return body


def _mapping(kind: str, cursor):
    """Return the request's mapping: a shipped or registered name only (never a path, never inline)."""
    if request.headers.get("X-City-Mapping"):
        raise MappingError("X-City-Mapping: inline mappings are not accepted; name a shipped or registered "
                           "mapping with ?mapping=NAME (an administrator registers one with "
                           "'python cli.py mappings register FILE')")
    return registry.api_mapping(cursor, request.args.get("mapping", DEFAULT_MAPPINGS[kind]))


def _check_json(body: bytes) -> str | None:
    """Return a message when the body is not a JSON array of objects or NDJSON objects."""
    text = body.decode("utf-8").strip()
    if not text:
        return "the body is empty"
    try:
        if text.startswith("["):
            records = json.loads(text)
            return None if all(isinstance(r, dict) for r in records) else "every array item must be an object"
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip() and not isinstance(json.loads(line), dict):
                return f"line {number} is not a JSON object"
    except json.JSONDecodeError as exc:
        return f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    except RecursionError:
        return "the JSON nests too deeply: rows are flat objects"
    return None


def _results(summary, cursor) -> list[dict]:
    rejected = cursor.execute("SELECT source_row, reason_code, reason_detail FROM quarantine WHERE batch_id = ? "
                              "ORDER BY source_row", [summary.batch_id]).fetchall() if summary.batch_id else []
    return [{"row": r[0], "status": "rejected", "reason": r[1], "detail": r[2]} for r in rejected]


def _ingest(kind: str, app_context) -> Response:
    body = _read_body()
    if isinstance(body, Response):
        return body
    cursor = app_context.cursor()
    denied = _authorize(cursor)
    if denied is not None:
        return denied
    try:
        problem = _check_json(body)
    except UnicodeDecodeError:
        problem = "the body must be UTF-8"
    if problem:
        return _error(400, problem)
    source = request.headers.get("X-City-Source", f"api:{kind}")
    if len(source) > MAX_SOURCE_NAME or INVISIBLE.search(source):
        return _error(400, f"X-City-Source: at most {MAX_SOURCE_NAME} characters, without control or direction "
                           "characters")
    try:
        mapping = _mapping(kind, cursor)
        with write_locks.held(cursor, "ingest"):
            summary = pipeline.ingest_bytes(cursor, kind, body, "ndjson" if not body.lstrip().startswith(b"[")
                                            else "json", mapping, source)
    except (MappingError, ReadError) as exc:
        return _error(400, str(exc))
    rejected = _results(summary, cursor)
    return _json({"summary": summary.as_dict(), "rejected_rows": rejected,
                  "rows": summary.rows_read, "ok_rows": summary.rows_read - len(rejected)})


def create_blueprint(app_context) -> Blueprint:
    """Return the /api/v1 blueprint bound to the server's store."""
    blueprint = Blueprint("api_v1_ingest", __name__, url_prefix="/api/v1")
    blueprint.add_url_rule("/events", "events", lambda: _ingest("events", app_context), methods=["POST"])
    blueprint.add_url_rule("/readings", "readings", lambda: _ingest("readings", app_context), methods=["POST"])
    blueprint.add_url_rule("/places", "places", lambda: _ingest("places", app_context), methods=["POST"])
    blueprint.add_url_rule("/openapi.json", "openapi", lambda: _json(openapi_document(API_MAX_BYTES)))
    return blueprint


def register(server, app_context) -> None:
    """Mount the ingest API on the Flask server."""
    server.register_blueprint(create_blueprint(app_context))
