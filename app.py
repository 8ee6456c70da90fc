"""City Vitals server: builds the Dash app, owns the store, runs the background jobs.

    python app.py [--host 127.0.0.1] [--port 8050] [--db var/city.duckdb] [--at TIME]

On first start with no database, it builds the demo city (progress on the console).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from pathlib import Path

import dash
import waitress
from dash import Dash, dcc, html

from api import exports as exports_api
from api import reports as reports_api
from api import ingest as ingest_api
from api import security
from callbacks import context
from data import db, versions
from data.background import PeriodicJob
from data.clock import DEFAULT_TZ, parse_instant
from data.demo import build, names
from data.demo.simulator import LiveSimulator
from data.orders import deadlines as order_deadlines
from indicators.alerting import listener as alert_listener
from indicators.catalog import CatalogError
from indicators.city_catalog import catalog_for_store
from indicators.engine import Engine
from indicators.refresh import refresh
from indicators.scheduler import IndicatorScheduler
from layouts import ids
from layouts.i18n import DEFAULT_LANGUAGE, t
from layouts.pages import CALLBACK_MODULES, PAGES
from reporting.schedule import start_daily_briefs

log = logging.getLogger("city_vitals")
ASSETS = Path(__file__).resolve().parent / "assets"
SERVER_THREADS = 8      # request threads; each gets its own DuckDB cursor
HTTP_API: tuple = (ingest_api.register, exports_api.register, reports_api.register)    # functions register(flask_server, app_context) mounting /api/... routes
VERSION_PRUNE_S = 600.0     # old data_changes rows are folded this often (data/versions.py)


# listener(cursor, RefreshSummary) run after every indicator refresh, in this order
REFRESH_LISTENERS: tuple = (alert_listener.on_refresh, order_deadlines.on_refresh)


def create_app(app_context: context.AppContext) -> Dash:
    """Return the Dash app with every page registered, serving only local assets."""
    context.install(app_context)
    for module in CALLBACK_MODULES:
        importlib.import_module(module)          # registers the page's @callback functions

    app = Dash(__name__, use_pages=True, pages_folder="", assets_folder=str(ASSETS),
               title=t("app.title", DEFAULT_LANGUAGE), compress=True, serve_locally=True,
               suppress_callback_exceptions=True)
    for page in PAGES:
        dash.register_page(page.name, path=page.path, name=t(page.label_key, DEFAULT_LANGUAGE),
                           title=f"{t(page.label_key, DEFAULT_LANGUAGE)} · {t('app.title', DEFAULT_LANGUAGE)}",
                           layout=page.layout)
    mount_http_api(app.server, app_context)
    security.install(app, app_context)          # sign-in, roles on every route, CSRF, CSP (api/guard.py)
    app.layout = html.Div([
        dcc.Location(id=ids.URL),
        dcc.Store(id=ids.LANGUAGE, storage_type="local", data=DEFAULT_LANGUAGE),
        html.Nav(id=ids.NAVBAR, className="navbar navbar-expand navbar-dark app-navbar"),
        dash.page_container,
    ])
    return app


def mount_http_api(server, app_context: context.AppContext) -> None:
    """Register the HTTP API blueprints (plain Flask, next to the Dash pages) on the server."""
    for register in HTTP_API:
        register(server, app_context)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the server's options (flags win over HOST, PORT, CITY_DB, CITY_SCALE)."""
    parser = argparse.ArgumentParser(description="City Vitals command-center server")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8050")))
    parser.add_argument("--db", default=None, help="database file (default $CITY_DB or var/city.duckdb)")
    parser.add_argument("--scale", default=os.environ.get("CITY_SCALE", "demo"),
                        help="demo city size built on first start when the database does not exist")
    parser.add_argument("--seed", type=int, default=7, help="seed of the demo city built on first start")
    parser.add_argument("--at", default=None,
                        help="show the city as of this instant (ISO time); freezes the clock, no live simulator")
    parser.add_argument("--no-simulator", action="store_true", help="do not run the demo live simulator")
    parser.add_argument("--refresh-seconds", type=float, default=float(os.environ.get("CITY_REFRESH_SECONDS", "60")),
                        help="indicator refresh cadence (default 60 s)")
    parser.add_argument("--backfill-hours", type=int, default=int(os.environ.get("CITY_BACKFILL_HOURS", "6")),
                        help="hourly snapshots missing from the last N hours taken at start, before the first live "
                             "values (default 6; each is a full refresh: 0-1 at a Zhenjiang-sized city)")
    args = parser.parse_args(argv)
    if args.backfill_hours < 0:
        parser.error("--backfill-hours must be 0 or more")
    return args


def ensure_database(path: Path, scale: str, seed: int) -> None:
    """Build the demo city at ``path`` when no database exists there yet."""
    if path.exists():
        return
    print(f"No database at {path}: building the demo city first (scale {scale}).", file=sys.stderr)
    build.build_demo(path, build.spec_from_options(scale, seed, None), progress=True)


def open_context(path: Path, at: str | None) -> context.AppContext:
    """Open the store and return the context the pages read from."""
    con = db.open_store(path)
    tz = db.get_setting(con, "city.tz", DEFAULT_TZ)
    frozen = parse_instant(at, tz) if at else None
    catalog = catalog_for_store(con)         # the one catalog and engine of the process
    alert_listener.install(catalog)
    return context.AppContext(
        con=con, tz=tz, frozen_now_s=frozen, catalog=catalog, engine=Engine(catalog, tz),
        city_name_zh=db.get_setting(con, "city.name_zh", names.CITY_NAME_ZH),
        city_name_en=db.get_setting(con, "city.name_en", names.CITY_NAME_EN),
    )


def start_version_pruning(app_context: context.AppContext) -> PeriodicJob:
    """Fold old data_changes rows every VERSION_PRUNE_S in the background (versions never change)."""
    job = PeriodicJob("data-version-prune", lambda: versions.prune(app_context.cursor()), VERSION_PRUNE_S)
    job.start()
    return job


def start_simulator(app_context: context.AppContext) -> LiveSimulator | None:
    """Catch the demo city up to now and keep it moving; None when not a demo city."""
    if build.load_demo_spec(app_context.con) is None:
        return None
    simulator = LiveSimulator(app_context.con)
    counts = simulator.catch_up()
    log.info("live simulator caught up: %s rows", f"{counts.total:,}")
    simulator.start()
    return simulator


def start_indicators(app_context: context.AppContext, interval_s: float,
                     backfill_hours: int = 6) -> IndicatorScheduler | None:
    """Compute the indicators now; keep them fresh in the background unless the clock is frozen."""
    engine = app_context.engine
    if app_context.frozen_now_s is not None:
        cursor = app_context.con.cursor()
        summary = refresh(cursor, engine, app_context.frozen_now_s, kind="manual")
        for listener in REFRESH_LISTENERS:
            listener(cursor, summary)
        log.info("indicators computed at the frozen instant: %d values in %.1f s", summary.values, summary.seconds)
        return None
    scheduler = IndicatorScheduler(app_context.con, engine, interval_s=interval_s, backfill_hours=backfill_hours,
                                   listeners=REFRESH_LISTENERS)
    scheduler.start()
    return scheduler


def main(argv: list[str] | None = None) -> int:
    """Run the server until interrupted; return the exit status."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = parse_args(argv)
    path = db.resolve_db_path(args.db)
    try:
        ensure_database(path, args.scale, args.seed)
        app_context = open_context(path, args.at)
        log.info("DuckDB memory limit %(memory_limit)s, %(threads)s threads (set with $CITY_DB_MEMORY_LIMIT, "
                 "$CITY_DB_THREADS)", db.engine_settings(app_context.con))
        if args.at is None and not args.no_simulator:
            start_simulator(app_context)
        start_indicators(app_context, args.refresh_seconds, args.backfill_hours)
        start_daily_briefs(app_context)          # yesterday's brief into the archive every morning
        start_version_pruning(app_context)
    except CatalogError as exc:
        print("error: the indicator catalog has problems:\n" + "\n".join(exc.problems), file=sys.stderr)
        return 2
    except (db.StoreLockedError, db.StoreError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    app = create_app(app_context)
    print(f"City Vitals is serving {path} on http://{args.host}:{args.port}/", file=sys.stderr, flush=True)
    security.print_first_admin_instructions(app, f"http://{args.host}:{args.port}", path)
    waitress.serve(app.server, host=args.host, port=args.port, threads=SERVER_THREADS, ident="City Vitals")
    return 0


if __name__ == "__main__":
    sys.exit(main())
