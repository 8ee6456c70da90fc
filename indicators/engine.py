"""The engine: evaluates the compiled catalog at an instant, at every level, with statuses.

``evaluate(con, catalog, at_s, tz)`` returns one row per (indicator, unit) for the levels each
indicator declares: value, numerator, denominator, baseline, status and data age. It reads
only what existed at ``at_s`` (sources evaluate state as of $now), so recomputing a past
instant gives what the live loop gave then.
"""

from __future__ import annotations

import math
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

import duckdb
import numpy as np
import pandas as pd

from data.clock import DAY_S
from indicators import aqi_values, status
from indicators.catalog import Catalog
from indicators.compiler import CompiledCatalog, Scan, compile_catalog, grid_partials_sql, rolled_up, shared_partials
from indicators.layout import Filled, Layout, build_layout
from indicators.model import DerivedOp, Indicator, IndicatorType
from indicators.rollup import GridPartials, roll_up
from indicators.sources import BASELINE_DAYS, EVENT_STATE, OPTIONAL_COLUMNS, RECENT_EVENTS, SOURCES
from indicators.windows import previous_period_s, span

VALUE_COLUMNS = ["indicator_id", "level", "unit_code", "value", "numerator", "denominator", "baseline",
                 "status", "data_age_s"]


def _utc(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, timezone.utc)


def _params(sql: str, at_s: int, scan: Scan, tz: str) -> dict:
    bounds = span(scan.window, at_s, tz)
    params = {"now": _utc(at_s), "start": _utc(bounds.start_s), "end": _utc(bounds.end_s)}
    return {k: v for k, v in params.items() if f"${k}" in sql}


OUTPUTS_VIEW = "_indicator_outputs"
MATERIALISE_FROM = 4        # event scans in one pass before reading recent events once pays off


def labelled_sql(scan: Scan, materialised: dict[str, str] | None = None) -> str:
    """Return the SQL of one scan's values per (indicator, level, unit[, day_shift]), assembled in DuckDB.

    The scan's aggregate columns are unpivoted, joined with the outputs view registered on the
    cursor (which column and split value holds which indicator's value, numerator or denominator)
    and pivoted back by role."""
    shift = ", u.day_shift" if scan.shifted else ""
    split = "coalesce(u.split_value, '')" if scan.split_column else "''"
    columns = ", ".join(c.name for c in scan.columns)
    key = scan.key.replace("'", "''")          # catalog text, like the rest of the scan's SQL
    return f"""WITH s AS ({scan.sql(materialised)}),
                   u AS (UNPIVOT (SELECT * FROM s WHERE unit_code IS NOT NULL) ON {columns}
                         INTO NAME column_name VALUE val)
              SELECT o.indicator_id, u.level, u.unit_code{shift},
                     max(u.val) FILTER (WHERE o.role = 'value') AS value,
                     max(u.val) FILTER (WHERE o.role = 'numerator') AS numerator,
                     max(u.val) FILTER (WHERE o.role = 'denominator') AS denominator,
                     max(epoch(u.newest)) AS newest_s, any_value(o.scale) AS scale
              FROM u JOIN {OUTPUTS_VIEW} o
                ON o.scan = '{key}' AND o.column_name = u.column_name AND o.split_value = {split}
              GROUP BY ALL"""


def run_scan_group(cursor: duckdb.DuckDBPyConnection, scans: list[Scan], at_s: int, tz: str,
                   materialised: dict[str, str] | None = None) -> pd.DataFrame:
    """Return the values of scans sharing their window (so their bound parameters) from one query,
    their labelled SQL joined by UNION ALL: one statement planned and one result converted instead of
    one per scan (on ``zhenjiang`` a minute tick's 40 scans took 1.07 s this way instead of 1.40)."""
    sql = "\nUNION ALL\n".join(f"({labelled_sql(scan, materialised)})" for scan in scans)
    return cursor.sql(sql, params=_params(sql, at_s, scans[0], tz)).to_arrow_table().to_pandas()   # via Arrow: strings not made one by one


def same_parameters(scans: list[Scan]) -> list[list[Scan]]:
    """Return the scans in groups that share their window (the bound parameters) and shifted form
    (the columns of their values)."""
    groups: dict[tuple, list[Scan]] = {}
    for scan in scans:
        groups.setdefault((scan.window, scan.shifted), []).append(scan)
    return list(groups.values())


def run_scans(con: duckdb.DuckDBPyConnection, scans: list[Scan], outputs: pd.DataFrame, at_s: int, tz: str,
              materialise: bool = True) -> list[pd.DataFrame | GridPartials]:
    """Run scans on one private cursor, reading the recent events materialised once for them all: the
    values of each (indicator, level, unit), or a rolled-up scan's partials per grid (GridPartials)."""
    cursor = con.cursor()
    try:
        return list(scan_results(cursor, scans, outputs, at_s, tz, materialise))
    finally:
        cursor.close()


def scan_results(cursor: duckdb.DuckDBPyConnection, scans: list[Scan], outputs: pd.DataFrame, at_s: int, tz: str,
                 materialise: bool = True) -> Iterator[pd.DataFrame | GridPartials]:
    """Yield run_scans' results one query at a time, on ``cursor`` (which it registers the outputs on)."""
    cursor.register(OUTPUTS_VIEW, outputs)
    materialised = materialise_relations(cursor, scans, at_s, tz) if materialise else {}
    for group in shared_partials([scan for scan in scans if rolled_up(scan)]):
        yield from grid_partials(cursor, group, at_s, tz, materialised)
    for group in same_parameters([scan for scan in scans if not rolled_up(scan)]):
        yield run_scan_group(cursor, group, at_s, tz, materialised)


def grid_partials(cursor: duckdb.DuckDBPyConnection, scans: list[Scan], at_s: int, tz: str,
                  materialised: dict[str, str] | None = None) -> list[GridPartials]:
    """Return the partials per grid of rolled-up scans reading the same rows, from one query (rolled up
    the hierarchy by rollup.roll_up): on ``zhenjiang`` a minute tick's 11 open-cases scans are 5 queries."""
    sql = grid_partials_sql(scans, materialised)
    table = cursor.sql(sql, params=_params(sql, at_s, scans[0], tz)).to_arrow_table()
    shared = (["split_value"] if scans[0].split_column else []) + ["u_grid", "newest_s"]
    result = []
    for position, scan in enumerate(scans):
        own = [name for name in table.column_names if name.startswith(f"s{position}_")]
        columns = table.select(shared + own)
        result.append(GridPartials(scan, columns.rename_columns(shared + [n[len(f"s{position}_"):] for n in own])))
    return result


def materialise_relations(cursor: duckdb.DuckDBPyConnection, scans: list[Scan], at_s: int,
                          tz: str) -> dict[str, str]:
    """Compute once, as temp tables on ``cursor``, the relations several scans read: the recent events
    (with the hierarchy and categories joined) and each state source at the 7 earlier instants."""
    materialised = {}
    event_scans = [s for s in scans if SOURCES[s.source].table == "events" and not s.shifted]
    if len(event_scans) >= MATERIALISE_FROM:
        recent = SOURCES["events"].recent_sql(unread_columns(scans, OPTIONAL_COLUMNS["events"]),
                                              days_read(event_scans, at_s, tz),
                                              unread_columns(scans, tuple(EVENT_STATE)))
        cursor.execute(f"CREATE OR REPLACE TEMP TABLE {RECENT_EVENTS} AS {recent}", {"now": _utc(at_s)})
        materialised["events"] = f"SELECT * FROM {RECENT_EVENTS}"
    shifted_state = [s.source for s in scans if s.shifted and s.time_column is None]
    for source in sorted(set(shifted_state)):
        if shifted_state.count(source) >= 2:
            table = f"_shifted_{source}"
            reading = [s for s in scans if s.source == source]
            state = SOURCES[source].shifted_state_sql(unread_columns(reading, OPTIONAL_COLUMNS["events"]))
            cursor.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {state}", {"now": _utc(at_s)})
            materialised[f"{source}.shifted"] = f"SELECT * FROM {table}"
    return materialised


def days_read(scans: list[Scan], at_s: int, tz: str) -> int:
    """Return how many days back from ``at_s`` the scans' windows reach, and a day's margin (a calendar
    day of the store's time zone may be shorter): the recent events a live tick reads (today, the
    last hour, open cases) are two days', not the 31 days of a full refresh's 30-day windows."""
    return 1 + max((math.ceil((at_s - span(s.window, at_s, tz).start_s) / DAY_S) for s in scans if s.time_column),
                   default=0)


def unread_columns(scans: list[Scan], columns: tuple[str, ...]) -> tuple[str, ...]:
    """Return those of ``columns`` that no measure, filter or split of the scans names."""
    text = " ".join(f"{c.measure.expression} {c.measure.filter}" for scan in scans for c in scan.columns)
    names = set(re.findall(r"[a-z_][a-z0-9_]*", text.lower())) | {scan.split_column for scan in scans}
    return tuple(column for column in columns if column not in names)


@dataclass
class Engine:
    """A compiled catalog bound to a store, ready to evaluate at any instant."""

    catalog: Catalog
    tz: str
    compiled: CompiledCatalog = field(init=False)
    _subsets: dict = field(default_factory=dict, init=False, repr=False)       # indicator ids -> compiled
    _output_maps: dict = field(default_factory=dict, init=False, repr=False)   # id(compiled) -> outputs frame
    _layouts: dict = field(default_factory=dict, init=False, repr=False)       # id(compiled) -> (units, layout)
    _target_maps: dict = field(default_factory=dict, init=False, repr=False)   # id(compiled) -> scan_targets
    # runs the base and shifted scans, with run_scans' arguments and result (labelled values, or grid
    # partials of rolled-up scans): None is DuckDB's run_scans; scaleout/ passes one that runs the same
    # compiled SQL on Spark and returns only labelled values
    scan_runner: Callable[..., list[pd.DataFrame | GridPartials]] | None = field(default=None, repr=False)
    # baselines computed ahead for one instant: (at_s, indicator ids, frame), see prepare_baselines
    _prepared: tuple[int, frozenset[str], pd.DataFrame] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self):
        self.compiled = compile_catalog(self.catalog)
        self._thresholds = status.thresholds_table(self.catalog)

    def prepare_baselines(self, con: duckdb.DuckDBPyConnection, at_s: int, only: set[str] | None = None) -> int:
        """Compute ahead the 7-day baselines a later ``evaluate`` at ``at_s`` (of all indicators, or of
        those in ``only`` and their inputs) needs; return how many indicators' baselines were prepared.

        Baselines read only rows at least a day older than ``at_s`` (the same window on each of the 7
        previous days), so the server computes the next tick's in the idle time before it and the tick
        itself computes only the values. Only the newest prepared instant is kept; rows ingested in
        between that are more than a day old (late data) reach the baselines at the next instant."""
        compiled = self.compiled if only is None else self._subset(frozenset(with_inputs(only, self.catalog)))
        ids = frozenset(self._baseline_ids(compiled))
        frame = self._baselines_of(con, at_s, load_units(con), ids)
        with self._lock:
            self._prepared = (at_s, ids, frame)
        return len(ids)

    def evaluate(self, con: duckdb.DuckDBPyConnection, at_s: int, only: set[str] | None = None) -> pd.DataFrame:
        """Return every indicator's value (or those in ``only`` and their inputs) at every
        declared level at ``at_s``."""
        compiled = self.compiled if only is None else self._subset(frozenset(with_inputs(only, self.catalog)))
        units = load_units(con)
        with BesideThread(con, self.scan_runner is None) as beside:
            baselines = beside.submit(self._baselines, at_s, units, compiled)
            filled = self._base_values(con, compiled, at_s, units, beside=beside)
            filled.layout.scatter(baselines.result(), "baseline", filled.baseline)
        filled.derive(self._previous_values(con, filled.layout, at_s, units, compiled))
        return filled.frame()[VALUE_COLUMNS]

    def _base_values(self, con, compiled: CompiledCatalog, at_s: int, units: pd.DataFrame,
                     materialise: bool = True, beside: BesideThread | None = None) -> Filled:
        """Return the base and AQI indicators' values at every declared level, on the compiled
        catalog's layout."""
        filled = Filled(self._layout(compiled, units))
        for result in self._scan_results(con, compiled, at_s, materialise, beside):
            self._fill(filled, result, compiled)
        filled.complete(at_s)
        if compiled.aqi:
            filled.add_computed(aqi_values.evaluate(con, compiled.aqi, at_s, self.tz, units))
        return filled

    def _scan_results(self, con, compiled: CompiledCatalog, at_s: int, materialise: bool,
                      beside: BesideThread | None) -> Iterable[pd.DataFrame | GridPartials]:
        """Return the compiled scans' results. With ``beside`` on DuckDB, the event scans (which share
        the recent events materialised on their cursor) and the scans of sensors and readings run in
        two threads of their own, and each result comes as soon as its query ends: the caller fills it
        in while the next queries run (DuckDB lets go of the interpreter while it works)."""
        scans, outputs = list(compiled.scans.values()), self._outputs(compiled)
        if not scans:
            return []
        if self.scan_runner is not None or beside is None:
            return (self.scan_runner or run_scans)(con, scans, outputs, at_s, self.tz, materialise)
        on_events = [s for s in scans if SOURCES[s.source].table == "events"]
        apart = [s for s in scans if SOURCES[s.source].table != "events"]
        return beside.stream([(scan_results, (group, outputs, at_s, self.tz, materialise))
                              for group in (on_events, apart) if group])

    def _fill(self, filled: Filled, result: pd.DataFrame | GridPartials, compiled: CompiledCatalog) -> None:
        if isinstance(result, GridPartials):
            targets = self._targets(compiled, filled.layout)[result.scan.key]
            filled.add_rolled(roll_up(result, filled.layout.hierarchy), targets)
        else:
            filled.add_scanned(result)

    def _targets(self, compiled: CompiledCatalog, layout: Layout) -> dict[str, pd.DataFrame]:
        """Return, per scan, which of its totals is which indicator's value, numerator or denominator:
        (column, split position, indicator position, role)."""
        with self._lock:         # the indicators' positions depend on the compiled catalog, not the units
            if id(compiled) not in self._target_maps:
                self._target_maps[id(compiled)] = scan_targets(compiled, self._outputs_unlocked(compiled), layout)
            return self._target_maps[id(compiled)]

    def _layout(self, compiled: CompiledCatalog, units: pd.DataFrame) -> Layout:
        """Return the rows an evaluation of ``compiled`` over ``units`` gives, laid out once per
        compiled catalog (again when the units change)."""
        with self._lock:
            cached = self._layouts.get(id(compiled))
            if cached is None or not cached[0].equals(units):
                indicators = [self.catalog[i] for i in compiled.outputs] + compiled.aqi + compiled.derived
                cached = (units, build_layout(indicators, self.catalog, units, self._thresholds))
                self._layouts[id(compiled)] = cached
            return cached[1]

    def _outputs(self, compiled: CompiledCatalog) -> pd.DataFrame:
        with self._lock:
            return self._outputs_unlocked(compiled)

    def _outputs_unlocked(self, compiled: CompiledCatalog) -> pd.DataFrame:
        # compiled catalogs live as long as the engine (self.compiled, self._subsets): ids stay unique
        if id(compiled) not in self._output_maps:
            self._output_maps[id(compiled)] = outputs_frame(compiled, self.catalog)
        return self._output_maps[id(compiled)]

    def _subset(self, ids: frozenset[str]) -> CompiledCatalog:
        with self._lock:        # the server's tick and the baselines prepared ahead share the engine
            if ids not in self._subsets:
                self._subsets[ids] = compile_catalog(self.catalog, only=set(ids))
            return self._subsets[ids]

    def _baseline_ids(self, compiled: CompiledCatalog) -> set[str]:
        return baseline_needed(self.catalog) & (set(compiled.outputs) | {i.id for i in compiled.aqi})

    def _baselines(self, con, at_s: int, units, compiled: CompiledCatalog) -> pd.DataFrame:
        """Return the 7-day baselines the compiled indicators need: those prepared ahead for ``at_s``,
        the others computed now."""
        needed = self._baseline_ids(compiled)
        with self._lock:
            prepared = self._prepared if self._prepared and self._prepared[0] == at_s else None
        if prepared is None:
            return self._baselines_of(con, at_s, units, needed)
        _, ready, frame = prepared
        rest = self._baselines_of(con, at_s, units, needed - ready)
        return concat_rows([frame[frame["indicator_id"].isin(needed)], rest])

    def _baselines_of(self, con, at_s: int, units, needed: set[str]) -> pd.DataFrame:
        """Return the mean of the same window on each of the 7 previous days for the ``needed`` indicators.

        Every source is read once, shifted: time-windowed sources with all 7 days' windows grouped
        by day_shift, state sources (open cases, sensors) at the 7 earlier instants at once.
        """
        if not needed:
            return pd.DataFrame(columns=["indicator_id", "unit_code", "baseline"])
        days = self._days_with_data(con, needed, at_s)
        baselines = baseline_of(self._shifted_pass(con, needed, at_s), self.catalog, days)
        state = [self.catalog[i] for i in needed if SOURCES[self.catalog[i].source].state and days[i] > 0]
        return with_zero_state_baselines(baselines, state, units)

    def _days_with_data(self, con, ids: set[str], at_s: int) -> dict[str, int]:
        """Return, per indicator, how many of the 7 previous days' windows lie wholly after its
        source's first row (days before the data began are unknown, not zero)."""
        first = {table: con.execute(f"SELECT epoch(min({column})) FROM {table}").fetchall()[0][0]
                 for table, column in (("events", "received_at"), ("readings", "ts"))}
        days = {}
        for indicator_id in ids:
            indicator = self.catalog[indicator_id]
            start = first.get(SOURCES[indicator.source].table) or first["readings"]
            window_start = span(indicator.window, at_s, self.tz).start_s
            days[indicator_id] = sum(start is not None and window_start - k * DAY_S >= start
                                     for k in range(1, BASELINE_DAYS + 1))
        return days

    def _shifted_pass(self, con, ids: set[str], at_s: int) -> pd.DataFrame:
        if not ids:
            return pd.DataFrame()
        subset = self._subset(frozenset(ids))
        shifted = [replace(scan, shifted=True) for scan in subset.scans.values()]
        return assemble((self.scan_runner or run_scans)(con, shifted, self._outputs(subset), at_s, self.tz))

    def _previous_values(self, con, layout: Layout, at_s: int, units: pd.DataFrame,
                         compiled: CompiledCatalog) -> np.ndarray:
        """Return, on the rows of the inputs of changes against the previous period, the input's value
        one period earlier (each input's own period: an hour, a day ...); NaN elsewhere."""
        previous = np.full(len(layout), np.nan)
        wanted = [ind for ind in compiled.derived if ind.op == DerivedOp.CHANGE_VS_PREVIOUS]
        for shift_s, group in _by_previous_period(wanted, self.catalog).items():
            subset = self._subset(frozenset(ind.input for ind in group))
            earlier = self._base_values(con, subset, at_s - shift_s, units, materialise=False)
            layout.scatter(earlier.layout.rows.assign(value=earlier.value), "value", previous)
        return previous


class BesideThread:
    """Runs calls on cursors of their own in other threads while the caller goes on, or in line.

    A refresh is a chain of DuckDB scans (each on at most the store's threads) and one-threaded
    steps between them; the 7-day baseline pass does not depend on the base pass, and the event
    scans not on those of sensors and readings, so running them side by side keeps both cores busy.
    ``parallel=False`` (a Spark scan runner) calls in line.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, parallel: bool = True):
        self._con, self._parallel = con, parallel
        self._pool: ThreadPoolExecutor | None = None
        self._cursor: duckdb.DuckDBPyConnection | None = None

    def __enter__(self) -> "BesideThread":
        if self._parallel:
            self._cursor = self._con.cursor()       # made here: a connection is not shared across threads
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="refresh-beside")
        return self

    def submit(self, fn: Callable, *args) -> Future:
        """Run ``fn(cursor, *args)``; return its future."""
        if self._pool is None:
            done: Future = Future()
            done.set_result(fn(self._con, *args))
            return done
        return self._pool.submit(fn, self._cursor, *args)

    def stream(self, jobs: list[tuple[Callable, tuple]]) -> Iterator:
        """Run each job ``fn(cursor, *args)``, a generator, in a thread and on a cursor of its own; yield
        the items of all of them as they come. A job's error is raised once every job has ended."""
        if not self._parallel:
            for fn, args in jobs:
                yield from fn(self._con, *args)
            return
        arrived: queue.Queue = queue.Queue()
        threads = [threading.Thread(target=_stream_job, args=(self._con.cursor(), fn, args, arrived),
                                    name=f"refresh-scans-{n}", daemon=True) for n, (fn, args) in enumerate(jobs)]
        for thread in threads:
            thread.start()
        running, failure = len(threads), None
        while running:
            item = arrived.get()
            if isinstance(item, _JobEnded):
                running -= 1
                failure = failure or item.error
            elif failure is None:
                yield item
        if failure is not None:
            raise failure

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._cursor.close()


@dataclass(frozen=True)
class _JobEnded:
    error: BaseException | None = None


def _stream_job(cursor: duckdb.DuckDBPyConnection, fn: Callable, args: tuple, arrived: queue.Queue) -> None:
    error = None
    try:
        for item in fn(cursor, *args):
            arrived.put(item)
    except BaseException as exc:        # handed to the consuming thread, which raises it
        error = exc
    finally:
        cursor.close()
        arrived.put(_JobEnded(error))


def _by_previous_period(indicators: list[Indicator], catalog: Catalog) -> dict[int, list[Indicator]]:
    groups: dict[int, list[Indicator]] = {}
    for ind in indicators:
        groups.setdefault(previous_period_s(catalog[ind.input].window), []).append(ind)
    return groups


def with_inputs(ids: set[str], catalog: Catalog) -> set[str]:
    """Return the indicators named and the base indicators their derived ones are computed from."""
    return set(ids) | {catalog[i].input for i in ids if catalog[i].type == IndicatorType.DERIVED}


def baseline_needed(catalog: Catalog) -> set[str]:
    """Return the base indicators whose 7-day baseline some threshold, target or derivation uses."""
    needed = {i.id for i in catalog.indicators
              if i.type != IndicatorType.DERIVED and (i.thresholds.relative_to or i.target_kind == "baseline_7d")}
    needed |= {i.input for i in catalog.indicators if i.op == DerivedOp.CHANGE_VS_BASELINE_7D}
    return needed


def load_units(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return every unit's code, level, population, area and the codes of its ancestors."""
    return con.execute("""SELECT code AS unit_code, level, population, area_km2,
                                 city_code, district_code, street_code, community_code FROM admin_units""").df()


def concat_rows(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Return the frames' rows together, leaving out empty frames: an empty frame's columns are of
    object type, and with one among them every column of the result was (converting a minute
    tick's 591,166 values back to numbers took 0.19 s)."""
    present = [f for f in frames if not f.empty]
    if len(present) <= 1:
        return (present or frames)[0].reset_index(drop=True)
    return pd.concat(present, ignore_index=True)


def assemble(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Return the scans' rows together, ratios divided: (indicator_id, level, unit_code, value, ...)."""
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["indicator_id", "level", "unit_code", "value", "numerator", "denominator",
                                     "newest_s"])
    values = pd.concat(frames, ignore_index=True)
    numeric = ["value", "numerator", "denominator", "newest_s", "scale"]
    values[numeric] = values[numeric].astype("float64")
    values = _join_split_roles(values)
    ratio = values["numerator"] / values["denominator"].replace(0, np.nan) * values.pop("scale")
    values["value"] = values["value"].where(values["denominator"].isna(), ratio)
    return values


def _join_split_roles(values: pd.DataFrame) -> pd.DataFrame:
    """Combine the rows of ratios whose numerator and denominator came from different scans."""
    keys = [c for c in ("indicator_id", "level", "unit_code", "day_shift") if c in values]
    split = values.duplicated(keys, keep=False)
    if not split.any():
        return values
    joined = values[split].groupby(keys, as_index=False, dropna=False).agg(
        value=("value", "max"), numerator=("numerator", "max"), denominator=("denominator", "max"),
        newest_s=("newest_s", "max"), scale=("scale", "first"))
    return pd.concat([values[~split], joined], ignore_index=True)


def outputs_frame(compiled: CompiledCatalog, catalog: Catalog) -> pd.DataFrame:
    """Return which scan column (and split value) holds each indicator's value, numerator, denominator."""
    rows = []
    for indicator_id, out in compiled.outputs.items():
        scale = catalog[indicator_id].scale if catalog[indicator_id].type == IndicatorType.RATIO else 1.0
        for role in ("value", "numerator", "denominator"):
            ref = getattr(out, role)
            if ref is not None:
                rows.append((indicator_id, ref.scan, ref.column, ref.split_value, role, scale))
    return pd.DataFrame(rows, columns=["indicator_id", "scan", "column_name", "split_value", "role", "scale"])


def scan_targets(compiled: CompiledCatalog, outputs: pd.DataFrame, layout: Layout) -> dict[str, pd.DataFrame]:
    """Return, per rolled-up scan, its outputs as (column, split position, indicator position, role)."""
    targets = {}
    for key, rows in outputs.groupby("scan", sort=False):
        scan = compiled.scans[key]
        if rolled_up(scan):
            split = pd.Index(scan.split_values).get_indexer(rows["split_value"]) if scan.split_column else 0
            targets[key] = pd.DataFrame({"column": rows["column_name"].to_numpy(), "split": split,
                                         "indicator": layout.indicator_index.get_indexer(rows["indicator_id"]),
                                         "role": rows["role"].to_numpy()})
    return targets


def with_zero_state_baselines(baselines: pd.DataFrame, indicators: list[Indicator], units: pd.DataFrame) -> pd.DataFrame:
    """Return the baselines with a zero for every unit where a counted state indicator (open cases,
    sensors) had no rows on any of the earlier instants: the state then held nothing there."""
    counted = [i for i in indicators
               if i.type in (IndicatorType.COUNT, IndicatorType.SUM, IndicatorType.DISTINCT_COUNT)]
    if not counted:
        return baselines
    expected = pd.DataFrame([(i.id, level) for i in counted for level in i.levels], columns=["indicator_id", "level"])
    expected = expected.merge(units[["unit_code", "level"]], on="level")[["indicator_id", "unit_code"]]
    missing = expected.merge(baselines[["indicator_id", "unit_code"]], how="left", indicator=True)
    missing = missing[missing.pop("_merge") == "left_only"].assign(baseline=0.0)
    return pd.concat([baselines, missing], ignore_index=True) if not missing.empty else baselines


def baseline_of(shifted: pd.DataFrame, catalog: Catalog, days_with_data: dict[str, int]) -> pd.DataFrame:
    """Return (indicator_id, unit_code, baseline) from the values of the 7 previous days.

    Counts and sums average over the days that had data (a unit without rows on such a day
    counts zero; no such day gives no baseline); ratios divide the summed numerators by the
    summed denominators; the rest average the days that have a value."""
    if shifted.empty:
        return pd.DataFrame(columns=["indicator_id", "unit_code", "baseline"])
    numeric = shifted[["value", "numerator", "denominator"]].astype("float64")
    grouped = numeric.groupby([shifted["indicator_id"], shifted["unit_code"]])
    sums, means = grouped.sum(min_count=1), grouped["value"].mean()
    ids = sums.index.get_level_values(0)
    codes, unique_ids = pd.factorize(ids)                  # per indicator, then taken onto the rows
    present = [catalog[i] for i in unique_ids]
    additive = np.array([i.type in (IndicatorType.COUNT, IndicatorType.SUM, IndicatorType.DISTINCT_COUNT)
                         for i in present], dtype=bool)[codes]
    ratio = np.array([i.type == IndicatorType.RATIO for i in present], dtype=bool)[codes]
    scales = np.array([i.scale for i in present], dtype="float64")[codes]
    days = np.array([days_with_data.get(i.id, BASELINE_DAYS) for i in present], dtype="float64")[codes]
    baseline = np.where(additive, sums["value"].fillna(0) / np.where(days > 0, days, np.nan),
                        np.where(ratio, sums["numerator"] / sums["denominator"].replace(0, np.nan) * scales, means))
    return pd.DataFrame({"indicator_id": ids, "unit_code": sums.index.get_level_values(1), "baseline": baseline})
