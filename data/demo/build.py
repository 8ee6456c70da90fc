"""Building the demo city into a DuckDB file: static tables, then day after day of data.

The build writes into a temporary file next to the target and renames it at the end, so
a crash or Ctrl-C never leaves a half-built database where the app would find it.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd
from tqdm import tqdm

from data import basemap, db, versions, writer
from data.city_thresholds import put_thresholds_text
from data.orders import deadlines
from data.profile import write_profile
from data.clock import DAY_S, DEFAULT_TZ, parse_instant
from data.alarm_types import load_types, shipped_types
from data.demo import camera_alarms, clock, demo_places, demo_roster
from data.demo import history as demo_history
from data.demo import orders as demo_orders
from data.demo.events import events_as_of, plan_events
from data.demo.geography import Geography, build_geography
from data.demo.profile import demo_profile
from data.demo.readings import generate_readings
from data.demo.scales import Scale, get_scale
from data.demo.sensors import build_sensors
from data.demo.weather import episodes, weather_for_day

DEMO_DIR = Path(__file__).resolve().parent
# The demo city's thresholds, calibrated from its own history (each file's header says how); a
# scale without its own file takes the `demo` scale's, the nearest in cases per grid.
THRESHOLDS_FILES = {"demo": "thresholds.yaml", "tiny": "thresholds_tiny.yaml"}

@dataclass(frozen=True)
class DemoSpec:
    """What defines a demo city: same spec, same tables."""

    scale: Scale
    seed: int
    anchor_s: int                # the build's "now", epoch seconds
    tz: str = DEFAULT_TZ

    @property
    def start_s(self) -> int:
        """Return the first instant of the full history (cases with their versions, and readings)."""
        return self.anchor_s - self.scale.days * DAY_S

    @property
    def archive_start_s(self) -> int:
        """Return the first instant of the lighter history before ``start_s`` (the scale's archive days)."""
        return self.start_s - self.scale.archive_days * DAY_S


@dataclass
class DemoWorld:
    """The deterministic parts of a demo city that every generated day needs."""

    spec: DemoSpec
    geo: Geography
    sensors: pd.DataFrame
    cameras: pd.DataFrame

    @classmethod
    def create(cls, spec: DemoSpec) -> "DemoWorld":
        """Return the world for a spec (geography, sensors and cameras rebuilt deterministically)."""
        geo = build_geography(spec.scale, spec.seed)
        sensors = build_sensors(spec.seed, spec.scale, geo, spec.anchor_s, spec.tz)
        cameras = camera_alarms.build_cameras(spec.seed, spec.scale.n_grids, geo, spec.start_s)
        return cls(spec, geo, sensors, cameras)


@dataclass
class RowCounts:
    """Rows written per table during one build or simulator step."""

    by_table: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, n: int) -> None:
        """Count ``n`` more rows for ``table``."""
        self.by_table[table] = self.by_table.get(table, 0) + n

    @property
    def total(self) -> int:
        """Return the rows written over all tables."""
        return sum(self.by_table.values())


def spec_from_options(scale: str, seed: int, now: str | None, tz: str = DEFAULT_TZ) -> DemoSpec:
    """Return a DemoSpec from command-line style options (``now`` ISO text or None for now)."""
    return DemoSpec(get_scale(scale), int(seed), parse_instant(now, tz), tz)


def build_demo(path: Path, spec: DemoSpec, progress: bool = True, force: bool = False,
               history: bool = True) -> RowCounts:
    """Build the demo city into ``path`` (atomically); return the rows written per table. Without
    ``history`` the lighter days are left for the server to fill after it starts (data/demo/history.py)."""
    path = Path(path)
    if path.exists() and not force:
        raise db.StoreError(f"{path} already exists. Use --force to replace it, or choose another --db.")
    partial = path.with_name(f".{path.name}.building-{os.getpid()}")
    _remove_database_files(partial)
    con = db.open_store(partial)
    try:
        counts = populate(con, spec, progress, history)
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        _remove_database_files(partial)
        raise
    con.close()
    _remove_database_files(path)
    os.replace(partial, path)
    return counts


def _remove_database_files(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".wal")):
        if candidate.exists():
            candidate.unlink()


def populate(con: duckdb.DuckDBPyConnection, spec: DemoSpec, progress: bool = True, history: bool = True) -> RowCounts:
    """Write the whole demo city into an empty, migrated store; return rows per table. Without
    ``history`` the lighter days are only marked pending (the server fills them once it serves)."""
    say = _console(progress)
    later = "" if history else ", filled in the background once the server runs"
    say(f"Building the {spec.scale.name} demo city ({spec.scale.n_grids} grids, {spec.scale.days} days "
        f"and {spec.scale.archive_days} lighter ones before them{later})...")
    world = DemoWorld.create(spec)
    counts = RowCounts()
    write_static_tables(con, world, counts)
    batch_id = start_batch(con, "demo", f"demo:{spec.scale.name}:seed={spec.seed}")
    if history:
        bar = tqdm(total=len(demo_history.history_days(world, spec.start_s)), desc="lighter days", unit="day",
                   disable=not progress, file=sys.stderr)
        written = demo_history.write_history(con, world, batch_id, progress=lambda done, _total: bar.update(done - bar.n))
        for table, n in written.items():
            counts.add(table, n)
        bar.close()
    elif spec.scale.archive_days:
        db.put_settings(con, {demo_history.PENDING_KEY: spec.start_s})
    days = clock.day_windows(spec.start_s, spec.anchor_s, spec.tz)
    bar = tqdm(days, desc="days", unit="day", disable=not progress, file=sys.stderr)
    for day in bar:
        generate_day(con, world, day, spec.anchor_s, batch_id, counts)
        bar.set_postfix(rows=f"{counts.total:,}")
    counts.add("work_order_history", demo_orders.play(con, spec.seed, spec.start_s, spec.anchor_s))
    deadlines.sweep(con, spec.anchor_s)          # the reminders and escalations due by "now"
    finish_batch(con, batch_id, counts.total)
    put_demo_settings(con, spec)
    built = basemap.build_basemap(con)
    say(f"Basemap: {built['tiles']} tiles, zooms {built['minzoom']}-{built['maxzoom']}, {built['seconds']} s.")
    versions.bump(con, *versions.FAMILIES)
    say(f"Done: {counts.total:,} rows.")
    return counts


def _console(enabled: bool):
    def say(message: str) -> None:
        if enabled:
            print(message, file=sys.stderr, flush=True)
    return say


def write_static_tables(con: duckdb.DuckDBPyConnection, world: DemoWorld, counts: RowCounts) -> None:
    """Write geography, map features, the city's profile (names, zone, channels, categories), sensors,
    alarm types, cameras, places and the duty roster."""
    counts.add("admin_units", writer.append_frame(con, "admin_units", world.geo.units))
    counts.add("map_features", writer.append_frame(con, "map_features", world.geo.features))
    written = write_profile(con, demo_profile(world.spec.tz))
    counts.add("channels", written["channels"])
    counts.add("event_categories", written["categories"])
    counts.add("sensors", writer.append_frame(con, "sensors", world.sensors))
    counts.add("alarm_types", len(load_types(con, shipped_types())))
    counts.add("cameras", writer.append_frame(con, "cameras", world.cameras))
    counts.add("places", demo_places.write_places(con, world.spec.seed, world.geo, world.spec.start_s))
    counts.add("duty_shifts", demo_roster.write_roster(con, world.spec))


def generate_day(con, world: DemoWorld, day: clock.DayWindow, as_of_s: int, batch_id: int, counts: RowCounts) -> None:
    """Append one (part of a) local day: events as seen at ``as_of_s``, their earlier stages, their
    plans, readings and camera alarms (the lighter history days: data/demo/history.py)."""
    spec = world.spec
    weather = weather_for_day(spec.seed, day, spec.anchor_s, spec.tz)
    plan = plan_events(spec.seed, spec.scale, world.geo, day, spec.anchor_s, spec.tz, weather)
    events, history, pending = events_as_of(plan, as_of_s)
    counts.add("events", writer.append_new_events(con, events.assign(batch_id=batch_id), day.day_start_s,
                                                  day.day_end_s))
    counts.add("demo_event_plans", writer.append_frame(con, "demo_event_plans", pending))
    readings = generate_readings(spec.seed, spec.scale, world.geo, world.sensors, day, spec.anchor_s, spec.tz, weather)
    counts.add("event_versions", writer.append_frame(con, "event_versions", earlier_versions(history, batch_id)))
    counts.add("readings", writer.append_frame(con, "readings", readings))
    for table, n in camera_alarms.write_day(con, spec.seed, world.cameras, day, as_of_s, spec.tz).items():
        counts.add(table, n)


def earlier_versions(history: pd.DataFrame, batch_id: int) -> pd.DataFrame:
    """Return the stage rows that are not a case's current state (that one is its ``events`` row).

    ``history`` is in time order and stages are reached in order, so a case's current state is its last row.
    """
    return history[history.duplicated(["source", "event_id"], keep="last")].assign(batch_id=batch_id)


def start_batch(con: duckdb.DuckDBPyConnection, kind: str, source_name: str) -> int:
    """Record a new running ingest batch; return its id."""
    batch_id = con.execute("SELECT nextval('ingest_batch_ids')").fetchone()[0]
    con.execute(
        "INSERT INTO ingest_batches (batch_id, kind, source_name, started_at, status) VALUES (?, ?, ?, ?, 'running')",
        [batch_id, kind, source_name, datetime.now(timezone.utc)],
    )
    return int(batch_id)


def finish_batch(con: duckdb.DuckDBPyConnection, batch_id: int, rows: int) -> None:
    """Mark a batch committed with its row counts."""
    con.execute(
        "UPDATE ingest_batches SET finished_at = ?, rows_read = ?, rows_accepted = ?, status = 'committed' "
        "WHERE batch_id = ?",
        [datetime.now(timezone.utc), rows, rows, batch_id],
    )


def demo_thresholds_path(scale: str) -> Path:
    """Return the calibrated thresholds file the demo city of ``scale`` ships with."""
    return DEMO_DIR / THRESHOLDS_FILES.get(scale, THRESHOLDS_FILES["demo"])


def put_demo_settings(con: duckdb.DuckDBPyConnection, spec: DemoSpec) -> None:
    """Store the demo spec so the live simulator can continue it (the city's identity is in its profile),
    and the city's calibrated thresholds the way ``cli.py thresholds use`` stores a reviewed file."""
    put_thresholds_text(con, demo_thresholds_path(spec.scale.name).read_text(encoding="utf-8"))
    db.put_settings(con, {
        "demo.scale": spec.scale.name,
        "demo.seed": spec.seed,
        "demo.anchor_s": spec.anchor_s,
        "demo.episodes": json.dumps(episodes(spec.anchor_s, spec.tz).__dict__),
        "data.until_s": spec.anchor_s,
    })


def load_demo_spec(con: duckdb.DuckDBPyConnection) -> DemoSpec | None:
    """Return the spec a store was built from, or None when it is not a demo city."""
    scale = db.get_setting(con, "demo.scale")
    if scale is None:
        return None
    return DemoSpec(
        get_scale(scale),
        int(db.get_setting(con, "demo.seed")),
        int(db.get_setting(con, "demo.anchor_s")),
        db.get_setting(con, "city.tz", DEFAULT_TZ),
    )
