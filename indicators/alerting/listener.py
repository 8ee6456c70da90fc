"""The server's alert listener: one evaluator (and webhook sender) built on the first refresh."""

from __future__ import annotations

import threading

import duckdb

from data import db
from data.clock import DEFAULT_TZ
from indicators.alerting.evaluator import AlertEvaluator
from indicators.catalog import load_catalog
from indicators.refresh import RefreshSummary

_lock = threading.Lock()
_evaluator: AlertEvaluator | None = None


def evaluator_for(con: duckdb.DuckDBPyConnection) -> AlertEvaluator:
    """Return the process's evaluator, building it (and starting the webhook sender) once."""
    global _evaluator
    with _lock:
        if _evaluator is None:
            from indicators.alerting.webhooks import WebhookSender

            evaluator = AlertEvaluator(load_catalog(), db.get_setting(con, "city.tz", DEFAULT_TZ))
            if evaluator.config.webhooks:
                sender = WebhookSender(con, evaluator.config.webhooks)
                sender.start()
                evaluator.on_notify = sender.wake
            _evaluator = evaluator
        return _evaluator


def on_refresh(con: duckdb.DuckDBPyConnection, summary: RefreshSummary) -> None:
    """Refresh listener (app.REFRESH_LISTENERS): evaluate the alerts at the refresh's instant."""
    evaluator_for(con)(con, summary)
