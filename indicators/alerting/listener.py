"""The server's alert listener: one evaluator (and webhook sender) built on the first refresh.

The evaluator uses the catalog the server installed (:func:`install`), the same one the pages
and the briefs use; a process without a server (the CLI) loads its own once."""

from __future__ import annotations

import threading

import duckdb

from data import db
from data.clock import DEFAULT_TZ
from indicators.alerting.evaluator import AlertEvaluator
from indicators.catalog import Catalog
from indicators.city_catalog import catalog_for_store
from indicators.refresh import RefreshSummary

_lock = threading.Lock()
_evaluator: AlertEvaluator | None = None
_catalog: Catalog | None = None
_sends = True


def install(catalog: Catalog, sends: bool = True) -> None:
    """Make ``catalog`` the one the process's evaluator is built on; ``sends`` False in a worker
    process (app.py --workers), whose evaluator only reads rules: the store's owner sends the webhooks."""
    global _catalog, _sends
    with _lock:
        _catalog, _sends = catalog, sends


def evaluator_for(con: duckdb.DuckDBPyConnection) -> AlertEvaluator:
    """Return the process's evaluator, building it (and starting the webhook sender) once."""
    global _evaluator
    with _lock:
        if _evaluator is None:
            from indicators.alerting.webhooks import start_sender

            catalog = _catalog if _catalog is not None else catalog_for_store(con)
            evaluator = AlertEvaluator(catalog, db.get_setting(con, "city.tz", DEFAULT_TZ))
            if evaluator.config.webhooks and _sends:
                evaluator.on_notify = start_sender(con, evaluator.config.webhooks).wake
            _evaluator = evaluator
        return _evaluator


def on_refresh(con: duckdb.DuckDBPyConnection, summary: RefreshSummary) -> None:
    """Refresh listener (app.REFRESH_LISTENERS): evaluate the alerts at the refresh's instant."""
    evaluator_for(con)(con, summary)
