"""Running compiled scans on DuckDB, and running work side by side on cursors of its own.

``run_scans`` runs a list of scans on one private cursor: the scans that roll up (every aggregate
decomposable) as partials per grid, one query per group reading the same rows (``GridPartials``,
rolled up the hierarchy by ``rollup.roll_up``); the others as GROUPING SETS over the rows, their
values labelled per indicator in DuckDB and the scans sharing a window joined into one statement.
Relations several scans read (the recent events, a state source at the 7 earlier instants) are
computed once per run as temp tables on that cursor.

``ParallelCursors`` runs work in threads of its own, each on a cursor of its own (DuckDB refuses a
connection shared across threads): a refresh runs its baseline pass beside its base pass, and the
event scans beside those of sensors and readings.
"""

from __future__ import annotations

import math
import queue
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import duckdb
import pandas as pd

from data import db
from data.clock import DAY_S, utc
from indicators.compiler import Scan, grid_partials_sql, rolled_up, shared_partials
from indicators.rollup import GridPartials
from indicators.scan_statements import OUTPUTS_VIEW, bound_parameters, labelled_sql
from indicators.sources import EVENT_STATE, OPTIONAL_COLUMNS, RECENT_EVENTS, SOURCES, state_inputs
from indicators.windows import span

MATERIALISE_FROM = 4        # event scans in one run before reading recent events once pays off

ScanResult = pd.DataFrame | GridPartials
ScanRunner = Callable[..., list[ScanResult]]


def run_scans(con: duckdb.DuckDBPyConnection, scans: list[Scan], outputs: pd.DataFrame, at_s: int, tz: str,
              materialise: bool = True) -> list[ScanResult]:
    """Run scans on one private cursor, reading the recent events materialised once for them all: the
    values of each (indicator, level, unit), or a rolled-up scan's partials per grid (GridPartials)."""
    cursor = con.cursor()
    try:
        return list(scan_results(cursor, scans, outputs, at_s, tz, materialise))
    finally:
        cursor.close()


def scan_results(cursor: duckdb.DuckDBPyConnection, scans: list[Scan], outputs: pd.DataFrame, at_s: int, tz: str,
                 materialise: bool = True) -> Iterator[ScanResult]:
    """Yield run_scans' results one query at a time, on ``cursor`` (which it registers the outputs on)."""
    db.register(cursor, OUTPUTS_VIEW, outputs)
    materialised = materialise_relations(cursor, scans, at_s, tz) if materialise else {}
    for group in shared_partials([scan for scan in scans if rolled_up(scan)]):
        yield from grid_partials(cursor, group, at_s, tz, materialised)
    for group in same_parameters([scan for scan in scans if not rolled_up(scan)]):
        yield run_scan_group(cursor, group, at_s, tz, materialised)


def run_scan_group(cursor: duckdb.DuckDBPyConnection, scans: list[Scan], at_s: int, tz: str,
                   materialised: dict[str, str] | None = None) -> pd.DataFrame:
    """Return the values of scans sharing their window (so their bound parameters) from one statement,
    their labelled SQL joined by UNION ALL: one plan and one result to convert instead of one per scan."""
    sql = "\nUNION ALL\n".join(f"({labelled_sql(scan, materialised)})" for scan in scans)
    params = bound_parameters(sql, at_s, scans[0], tz)
    return cursor.sql(sql, params=params).to_arrow_table().to_pandas()   # via Arrow: strings made in bulk


def same_parameters(scans: list[Scan]) -> list[list[Scan]]:
    """Return the scans in groups that share their window (the bound parameters) and shifted form
    (the columns of their values)."""
    groups: dict[tuple, list[Scan]] = {}
    for scan in scans:
        groups.setdefault((scan.window, scan.shifted), []).append(scan)
    return list(groups.values())


def grid_partials(cursor: duckdb.DuckDBPyConnection, scans: list[Scan], at_s: int, tz: str,
                  materialised: dict[str, str] | None = None) -> list[GridPartials]:
    """Return the partials per grid of rolled-up scans reading the same rows, from one query; each
    scan's own columns, renamed back to the scan's column names."""
    sql = grid_partials_sql(scans, materialised)
    table = cursor.sql(sql, params=bound_parameters(sql, at_s, scans[0], tz)).to_arrow_table()
    shared = (["split_value"] if scans[0].split_column else []) + ["u_grid", "newest_s"]
    result = []
    for position, scan in enumerate(scans):
        prefix = f"s{position}_"
        own = [name for name in table.column_names if name.startswith(prefix)]
        columns = table.select(shared + own).rename_columns(shared + [n[len(prefix):] for n in own])
        result.append(GridPartials(scan, columns))
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
        cursor.execute(f"CREATE OR REPLACE TEMP TABLE {RECENT_EVENTS} AS {recent}", {"now": utc(at_s)})
        materialised["events"] = f"SELECT * FROM {RECENT_EVENTS}"
    shifted_state = [s.source for s in scans if s.shifted and s.time_column is None]
    for source in sorted(set(shifted_state)):
        if shifted_state.count(source) >= 2:
            table = f"_shifted_{source}"
            reading = [s for s in scans if s.source == source]
            state = SOURCES[source].shifted_state_sql(unread_columns(reading, OPTIONAL_COLUMNS["events"]))
            cursor.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {state}", {"now": utc(at_s)})
            materialised[f"{source}.shifted"] = f"SELECT * FROM {table}"
    return materialised


def days_read(scans: list[Scan], at_s: int, tz: str) -> int:
    """Return how many days back from ``at_s`` the scans' windows reach, and a day's margin (a calendar
    day of the store's time zone may be shorter): a live tick's windows (today, the last hour, open
    cases) reach two days back, a full refresh's 30-day windows 31."""
    return 1 + max((math.ceil((at_s - span(s.window, at_s, tz).start_s) / DAY_S) for s in scans if s.time_column),
                   default=0)


def unread_columns(scans: list[Scan], columns: tuple[str, ...]) -> tuple[str, ...]:
    """Return those of ``columns`` that no measure, filter or split of the scans names, nor any state
    column they name (or the open cases they read) is computed from."""
    text = " ".join(f"{c.measure.expression} {c.measure.filter}" for scan in scans for c in scan.columns)
    names = set(re.findall(r"[a-z_][a-z0-9_]*", text.lower())) | {scan.split_column for scan in scans}
    names |= state_inputs(names | {scan.source for scan in scans})
    return tuple(column for column in columns if column not in names)


class ParallelCursors:
    """Runs calls in threads of their own, each on a cursor of its own, while the caller goes on; or
    in line, on the connection itself.

    A refresh is a chain of DuckDB scans (each on at most the store's threads) and one-threaded
    steps between them; the 7-day baseline pass does not depend on the base pass, and the event
    scans not on those of sensors and readings, so running them side by side keeps the cores busy.
    ``parallel=False`` (a scan runner of its own, such as Spark's) calls in line.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, parallel: bool = True):
        self._con, self._parallel = con, parallel
        self._pool: ThreadPoolExecutor | None = None
        self._cursor: duckdb.DuckDBPyConnection | None = None

    def __enter__(self) -> "ParallelCursors":
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
        yield from _arrivals(arrived, len(threads))

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


def _arrivals(arrived: queue.Queue, running: int) -> Iterator:
    """Yield the items the jobs put on ``arrived`` until all have ended; then raise the first error."""
    failure = None
    while running:
        item = arrived.get()
        if isinstance(item, _JobEnded):
            running -= 1
            failure = failure or item.error
        elif failure is None:
            yield item
    if failure is not None:
        raise failure
