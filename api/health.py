"""Health checks for a load balancer, systemd or a monitoring probe: no login, no data.

- ``/healthz`` (liveness): the process answers HTTP. Always 200 while it runs.
- ``/readyz`` (readiness): the store answers a query and the last indicator refresh is recent
  (younger than the ``ready_max_age_s`` setting); 503 otherwise, saying which check failed. With a
  frozen clock (``--at``) nothing refreshes after start, so only the store is checked.

Both answer small JSON with ``Cache-Control: no-store``; neither reveals a value of the city.
"""

from __future__ import annotations

import json
import time

import duckdb
from flask import Blueprint, Response, current_app

from data import settings

READY_MAX_AGE_KEY = "CITY_READY_MAX_AGE_S"      # the server's config key set by app.py from the setting
PATHS = ("/healthz", "/readyz")


def register(server, app_context) -> None:
    """Mount /healthz and /readyz on the Flask ``server``."""
    blueprint = Blueprint("health", __name__)
    blueprint.add_url_rule("/healthz", "healthz", lambda: _json({"status": "ok"}, 200))
    blueprint.add_url_rule("/readyz", "readyz", lambda: readiness(app_context))
    server.register_blueprint(blueprint)


def readiness(app_context) -> Response:
    """Return 200 when the store answers and the last refresh is recent, else 503 with the reason."""
    max_age_s = float(current_app.config.get(READY_MAX_AGE_KEY) or settings.resolve("ready_max_age_s"))
    try:
        finished_s = last_refresh_finished_s(app_context.cursor())
    except duckdb.Error as exc:
        return _json({"status": "unavailable", "store": f"not answering: {type(exc).__name__}"}, 503)
    age_s = None if finished_s is None else max(0.0, time.time() - finished_s)
    body = {"store": "open", "last_refresh_age_s": None if age_s is None else round(age_s, 1),
            "max_age_s": max_age_s}
    if app_context.frozen_now_s is not None:
        return _json({**body, "status": "ready", "clock": "frozen"}, 200)
    if age_s is None or age_s > max_age_s:
        return _json({**body, "status": "stale"}, 503)
    return _json({**body, "status": "ready"}, 200)


def last_refresh_finished_s(cursor: duckdb.DuckDBPyConnection) -> float | None:
    """Return when (epoch seconds, wall clock) the newest recorded indicator refresh finished."""
    rows = cursor.execute("SELECT max(epoch(started_at) + seconds) FROM indicator_runs").fetchall()
    return rows[0][0]


def _json(body: dict, status: int) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response
