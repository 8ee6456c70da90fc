"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json."""

from __future__ import annotations

from data.ingest.rules import REASONS

_ROWS = {"oneOf": [{"type": "array", "items": {"type": "object"}},
                   {"type": "string", "description": "NDJSON: one JSON object per line"}]}


def _post(kind: str, example: dict, summary: str) -> dict:
    return {"post": {
        "summary": summary, "security": [{"bearer": []}],
        "parameters": [{"name": "mapping", "in": "query", "required": False, "schema": {"type": "string"},
                        "description": f"the name of a shipped or registered mapping (default api_{kind}); "
                                       "never a path, and no inline mapping is accepted"},
                       {"name": "X-City-Source", "in": "header", "required": False, "schema": {"type": "string"},
                        "description": "the name recorded as the batch's source (at most 128 characters)"}],
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": _ROWS, "example": [example]},
            "application/x-ndjson": {"schema": {"type": "string"}}}},
        "responses": {
            "200": {"description": "the batch summary and the rejected rows with their reason codes",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IngestResult"}}}},
            "400": {"description": "malformed JSON, an invalid mapping or an unreadable body"},
            "401": {"description": "no bearer token"},
            "403": {"description": "unknown or revoked token"},
            "413": {"description": "body larger than the limit"}}}}


def _alarms() -> dict:
    example = {"camera_id": "32110200001320000017", "type": "smoke", "occurred_at": "2026-12-07T08:30:00+08:00",
               "external_id": "evt-88231", "confidence": 0.91, "description": "东门口有烟雾"}
    return {"post": {
        "summary": "camera and IoT alarms (token of scope alarms: cli.py tokens create NAME --scope alarms)",
        "security": [{"bearer": []}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}, "maxItems": 500}]},
            "example": [example]}}},
        "responses": {
            "200": {"description": "a result per report: new, merged, quiet, duplicate or rejected (with the reason)"},
            "400": {"description": "malformed JSON, or every report rejected"},
            "401": {"description": "no bearer token"},
            "403": {"description": "unknown or revoked token, or a token of another scope"},
            "413": {"description": "body larger than 256 KiB or more than 500 reports"}}}}


def openapi_document(max_bytes: int) -> dict:
    """Return the API description (the size limit is the server's current one)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "City Vitals ingest API", "version": "1",
                 "description": f"Authenticated ingestion of events, readings and places. Bodies up to {max_bytes} bytes; "
                                "each request is one batch, committed wholly or not at all; re-sending the "
                                "same body is a no-op."},
        "paths": {
            "/api/v1/events": _post("events", {"source": "hotline_12345", "event_id": "12345-20261122-000001",
                                               "category": "hotline.noise", "received_at": "2026-11-22T09:15:00+08:00",
                                               "lon": 119.45, "lat": 32.2}, "ingest events (cases)"),
            "/api/v1/readings": _post("readings", {"sensor_id": "AQ-N-01", "ts": "2026-11-22T09:00:00+08:00",
                                                   "metric": "pm25", "value": 42.0}, "ingest sensor readings"),
            "/api/v1/places": _post("places", {"place_id": "school-001", "kind": "school", "name": "实验小学",
                                               "geometry": "POINT (119.45 32.2)"}, "ingest places (schools, sites…)"),
            "/api/v1/alarms": _alarms(),
            "/api/v1/openapi.json": {"get": {"summary": "this document", "responses": {"200": {"description": "OK"}}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "create with: python cli.py tokens create NAME"}},
            "schemas": {"IngestResult": {"type": "object", "properties": {
                "summary": {"type": "object", "description": "batch id, rows read, accepted, updated, duplicates, "
                                                             "stale, missing, quarantined by reason"},
                "rows": {"type": "integer"}, "ok_rows": {"type": "integer"},
                "rejected_rows": {"type": "array", "items": {"type": "object", "properties": {
                    "row": {"type": "integer"}, "status": {"const": "rejected"},
                    "reason": {"enum": sorted(REASONS)}, "detail": {"type": ["string", "null"]}}}}}}},
        },
    }
