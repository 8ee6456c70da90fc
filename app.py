"""City Vitals server: builds the Dash app, owns the store, runs the background jobs.

    python app.py [--host 127.0.0.1] [--port 8050] [--db var/city.duckdb] [--at TIME] [--workers N]

On first start with no database, it builds the demo city (progress on the console).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path

import dash
from dash import Dash, dcc, html

from api import alarms as alarms_api
from api import backups as backups_api
from api import basemap as basemap_api
from api import exports as exports_api
from api import geometry as geometry_api
from api import health, processes, serving
from api import reports as reports_api
from api import ingest as ingest_api
from api import place_icons as place_icons_api
from api import security
from callbacks import context
from callbacks.shell import localised_layout, request_language
from data import backup_schedule, db, handover, retention, settings, thread_cpu, versions
from data.background import PeriodicJob
from data.remote_store import RemoteCursor
from data.store_service import StoreService
from data.clock import DEFAULT_TZ, parse_instant
from data.demo import build, names
from data.demo import history as demo_history
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
from reporting.prebuild import start_prebuild
from reporting.schedule import start_daily_briefs

log = logging.getLogger("city_vitals")
ASSETS = Path(__file__).resolve().parent / "assets"
SERVER_THREADS = 8      # request threads; each gets its own DuckDB cursor
# functions register(flask_server, app_context) mounting /api/... routes
HTTP_API: tuple = (health.register, ingest_api.register, alarms_api.register, exports_api.register, reports_api.register,
                   backups_api.register, basemap_api.register, place_icons_api.register, geometry_api.register)
VERSION_PRUNE_S = 600.0     # old data_changes rows are folded this often (data/versions.py)
HANDOVER_S = 60.0           # how often the shift-handover job looks for a shift change (data/handover.py)
# plotly.js as a script of the page (fingerprinted, so cached for good), before Dash's renderer:
# dcc.Graph would load it only when a graph is first drawn, after the page's first answers; it takes
# the window.Plotly made by this one. /map then makes its map while the server computes the view.
PLOTLY_JS = {"relative_package_path": "package_data/plotly.min.js", "namespace": "plotly"}


# listener(cursor, RefreshSummary) run after every indicator refresh, in this order
REFRESH_LISTENERS: tuple = (alert_listener.on_refresh, order_deadlines.on_refresh)


def create_app(app_context: context.AppContext, setup_code: str | None = None) -> Dash:
    """Return the Dash app with every page registered, serving only local assets (``setup_code``: the
    owner's first-admin code, in a worker process)."""
    context.install(app_context)
    for module in CALLBACK_MODULES:
        importlib.import_module(module)          # registers the page's @callback functions

    app = Dash(__name__, use_pages=True, pages_folder="", assets_folder=str(ASSETS),
               title=t("app.title", DEFAULT_LANGUAGE), compress=True, serve_locally=True,
               suppress_callback_exceptions=True,
               update_title=None)     # Dash's "Updating..." tab title is English on every page
    app.scripts.append_script(PLOTLY_JS)
    for page in PAGES:
        dash.register_page(page.name, path=page.path, name=t(page.label_key, DEFAULT_LANGUAGE),
                           title=page_title(page.label_key),
                           layout=localised_layout(page.layout))
    serving.install(app.server)       # the request log first, so the guard's refusals are logged too
    mount_http_api(app.server, app_context)
    security.install(app, app_context, setup_code)          # sign-in, roles on every route, CSRF, CSP (api/guard.py)
    app.layout = frame_layout
    set_up_before_serving(app)
    return app


def set_up_before_serving(app: Dash) -> None:
    """Answer one request before any client does: Dash sets itself up on its first request (walks the
    assets, gathers the callbacks), and a request arriving while that runs is answered half set up (an
    asset got a 404 page). A worker process's first requests come from browsers in parallel."""
    app.server.test_client().get("/healthz")


def page_title(label_key: str):
    """Return the browser-tab title of a page, built in the request's language."""
    return lambda **_path: f"{t(label_key, request_language())} · {t('app.title', request_language())}"


def frame_layout() -> html.Div:
    """Return the frame around every page, holding the language the browser chose (its cookie)."""
    return html.Div([
        dcc.Location(id=ids.URL),
        dcc.Store(id=ids.LANGUAGE, storage_type="memory", data=request_language()),
        html.Nav(id=ids.NAVBAR, className="navbar navbar-expand navbar-dark app-navbar"),
        dash.page_container,
    ])


def mount_http_api(server, app_context: context.AppContext) -> None:
    """Register the HTTP API blueprints (plain Flask, next to the Dash pages) on the server."""
    for register in HTTP_API:
        register(server, app_context)


SERVER_SETTINGS = ("host", "port", "db", "scale", "refresh_seconds", "backfill_hours", "log_level", "trusted_proxy",
                   "trusted_proxy_count", "ready_max_age_s", "workers")      # declared in data/settings.py


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the server's options: each setting from its flag, else its environment variable, else
    its default (data/settings.py; docs/OPERATIONS.md has the table)."""
    parser = argparse.ArgumentParser(description="City Vitals command-center server")
    for name in SERVER_SETTINGS:
        settings.add_flag(parser, name)
    parser.add_argument("--seed", type=int, default=7, help="seed of the demo city built on first start")
    parser.add_argument("--at", default=None,
                        help="show the city as of this instant (ISO time); freezes the clock, no live simulator")
    parser.add_argument("--no-simulator", action="store_true", help="do not run the demo live simulator")
    parser.add_argument(processes.WORKER_FLAG, action="store_true", help=argparse.SUPPRESS)   # api/processes.py
    args = parser.parse_args(argv)
    try:
        for name in SERVER_SETTINGS:
            setattr(args, name, settings.resolve(name, getattr(args, name)))
    except settings.SettingError as exc:
        parser.error(str(exc))
    return args


def ensure_database(path: Path, scale: str, seed: int) -> None:
    """Build the demo city at ``path`` when no database exists there yet."""
    if path.exists():
        return
    print(f"No database at {path}: building the demo city first (scale {scale}; its lighter history is "
          "filled in the background once the server runs).", file=sys.stderr)
    build.build_demo(path, build.spec_from_options(scale, seed, None), progress=True, history=False)


def open_context(path: Path, at: str | None) -> context.AppContext:
    """Open the store and return the context the pages read from."""
    return context_on(db.open_store(path), at)


def context_on(con, at: str | None, sends: bool = True) -> context.AppContext:
    """Return the context the pages read from on the store ``con`` (a store link in a worker process,
    whose alert evaluator reads rules and ``sends`` nothing)."""
    tz = db.get_setting(con, "city.tz", DEFAULT_TZ)
    frozen = parse_instant(at, tz) if at else None
    catalog = catalog_for_store(con)         # the one catalog and engine of the process
    alert_listener.install(catalog, sends)
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
    counts = simulator.catch_up(report_progress=True)
    log.info("live simulator caught up: %s rows", f"{counts.total:,}")
    simulator.start()
    return simulator


def start_duty_jobs(app_context: context.AppContext) -> PeriodicJob:
    """Start the notification sender (it resends what a restart left queued) and the shift-handover job."""
    alert_listener.evaluator_for(app_context.con)
    cursor = app_context.con.cursor()
    job = PeriodicJob("shift-handover", lambda: handover.write_due_handover(cursor, app_context.now_s()), HANDOVER_S)
    job.start()
    return job


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
    """Run the server until SIGTERM or Ctrl-C; return the exit status."""
    args = parse_args(argv)
    handed = processes.handover() if args.serve_worker else None
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s "
                        + (f"[worker {handed.index}] " if handed else "") + "%(name)s: %(message)s")
    if args.serve_worker:
        if handed is None:
            print(f"error: {processes.WORKER_FLAG} is for the processes app.py starts itself", file=sys.stderr)
            return 2
        return serve_worker(args, handed)
    path = db.resolve_db_path(args.db)
    jobs = []               # stopped in this order at SIGTERM: no new data, then no new refresh
    try:
        ensure_database(path, args.scale, args.seed)
        app_context = open_context(path, args.at)
        log.info("DuckDB memory limit %(memory_limit)s, %(threads)s threads (set with $CITY_DB_MEMORY_LIMIT, "
                 "$CITY_DB_THREADS)", db.engine_settings(app_context.con))
        if args.at is None and not args.no_simulator:
            jobs.append(start_simulator(app_context))
        jobs.append(demo_history.start_history_fill(app_context.con))   # a first start's lighter demo history
        jobs.append(start_indicators(app_context, args.refresh_seconds, args.backfill_hours))
        jobs.append(start_duty_jobs(app_context))   # after the frozen instant's alerts, which a handover lists
        jobs.append(start_daily_briefs(app_context))          # yesterday's brief into the archive every morning
        history_cursor = app_context.con.cursor()              # the briefs of ended periods kept ahead, in the background,
        jobs.append(start_prebuild(app_context, lambda: demo_history.pending_until(history_cursor) is not None))
        jobs.append(start_version_pruning(app_context))
        jobs.append(backup_schedule.start_scheduled_backups(app_context.con))     # when backup_every_hours is set
        jobs.append(retention.start_retention(app_context.con))                  # when retention_*_days are set
        jobs.append(thread_cpu.start_cpu_log(settings.resolve("cpu_log_seconds")))  # when cpu_log_seconds is set
    except CatalogError as exc:
        print("error: the indicator catalog has problems:\n" + "\n".join(exc.problems), file=sys.stderr)
        return 2
    except (db.StoreLockedError, db.StoreError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.workers:
        return serve_with_workers(args, app_context, jobs, path, sys.argv[1:] if argv is None else argv)
    app = create_app(app_context)
    app.server.config[health.READY_MAX_AGE_KEY] = args.ready_max_age_s
    print(f"City Vitals is serving {path} on http://{args.host}:{args.port}/", file=sys.stderr, flush=True)
    security.print_first_admin_instructions(app.server.config[security.SETUP_CODE_KEY],
                                            f"http://{args.host}:{args.port}", path)
    return serving.serve_until_stopped(app.server, {"host": args.host, "port": args.port}, SERVER_THREADS,
                                       proxy_options(args), jobs, app_context.con)


def proxy_options(args: argparse.Namespace) -> dict:
    """Return waitress's reverse-proxy options from the server's settings."""
    return serving.waitress_options(args.trusted_proxy, args.trusted_proxy_count)


def serve_with_workers(args: argparse.Namespace, app_context: context.AppContext, jobs: list, path: Path,
                       argv: list[str]) -> int:
    """Own the store and run the jobs here; answer requests in ``args.workers`` worker processes
    (api/processes.py) until SIGTERM or Ctrl-C, then stop them, the jobs and the store, in that order."""
    try:
        listener = processes.bound_socket(args.host, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    service = StoreService(app_context.con, context.OWNER_CALLS).start()
    setup_code = security.new_setup_code(app_context.cursor())
    workers = processes.Workers(args.workers, listener, service.path, setup_code,
                                processes.worker_command(Path(__file__), argv)).start()
    print(f"City Vitals is serving {path} on http://{args.host}:{args.port}/ ({args.workers} worker processes)",
          file=sys.stderr, flush=True)
    security.print_first_admin_instructions(setup_code, f"http://{args.host}:{args.port}", path)
    reason = serving.wait_until_stopped()
    log.info("stopping on %s: the workers answer their running requests", reason)
    killed = workers.stop(serving.STOP_GRACE_S)
    if killed:
        log.warning("%d worker(s) still answering after %.0f s were killed; the owner rolled back their open "
                    "transactions", killed, serving.STOP_GRACE_S)
    service.stop()
    return serving.finish(reason, 0, jobs, app_context.con)


def serve_worker(args: argparse.Namespace, handed: processes.Handover) -> int:
    """Answer requests on the socket the owner handed this process, with the owner's store through the
    store link; end with the owner (api/processes.py)."""
    processes.end_with_owner(handed)
    app_context = context_on(RemoteCursor(handed.store_path), args.at, sends=False)
    app = create_app(app_context, handed.setup_code)
    app.server.config[health.READY_MAX_AGE_KEY] = args.ready_max_age_s
    jobs = [thread_cpu.start_cpu_log(settings.resolve("cpu_log_seconds"))]     # when cpu_log_seconds is set
    return serving.serve_until_stopped(app.server, {"sockets": [processes.inherited_listener(handed)]},
                                       SERVER_THREADS, proxy_options(args), jobs, None)


if __name__ == "__main__":
    sys.exit(main())
