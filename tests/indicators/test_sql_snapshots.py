"""The compiled SQL of a representative set of scans, kept as snapshot files under tests/snapshots/.

Each file holds one statement, named after what it covers and the scan it comes from: every
indicator type, every window, a long-form family, a rolled-up scan's grid partials, the 7-day
baseline (shifted) pass, the relations a refresh materialises, and the statements Spark runs.
A change to the compiler or the engine that changes any of them fails here with a diff.

After reviewing the change, regenerate every snapshot with:

    python -m tests.indicators.test_sql_snapshots --update
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from indicators import aqi_sql
from indicators.catalog import load_catalog
from indicators.compiler import Scan, compile_catalog, grid_partials_sql, rolled_up, shared_partials
from indicators.engine import with_inputs
from indicators.execution import unread_columns
from indicators.scan_statements import labelled_sql
from indicators.sources import EVENT_STATE, OPTIONAL_COLUMNS, SOURCES
from scaleout.spark_engine import spark_scan_sql

SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots"
CATALOG = load_catalog()
COMPILED = compile_catalog(CATALOG)

# One indicator per type, then one per window: each compiled alone (with a derived one's input).
BY_TYPE = {
    "count": "cases.intake.count.today",
    "sum": "crowding.people.sum.last_hour",
    "avg": "air.pm25.avg.last_hour",
    "min": "traffic.road_speed.min_kmh.last_hour",
    "max": "air.pm25.max.today",
    "percentile": "cases.handling.p90_hours.last_7d",
    "distinct_count": "cases.intake.categories_reported.today",
    "ratio": "cases.handling.closure_rate.last_7d",
    "derived": "cases.intake.change_vs_baseline.today",
}
BY_WINDOW = {
    "now": "cases.backlog.open_count.now",
    "last_hour": "cases.intake.count.last_hour",
    "today": "cases.intake.count.today",
    "yesterday": "cases.intake.count.yesterday",
    "last_24h": "cases.intake.count.last_24h",
    "last_7d": "cases.intake.count.last_7d",
    "last_30d": "cases.intake.count.last_30d",
}
FAMILY = "events.last_30d.received_at.to_street.by_channel"          # long form, grouped by channel
WIDE_FAMILY = "events.last_7d.received_at.to_community.by_channel"    # long form, not rolled up (percentiles)
ROLLED = "open_cases.now.state.to_street.wide0"                     # grid partials shared by its group
SHIFTED = ("events.last_30d.received_at.to_street.by_channel", "open_cases.now.state.to_street.wide0",
           "sensors.now.state.to_district.by_kind")


def duckdb_sql(scan: Scan) -> str:
    """Return the statement the DuckDB engine runs for one scan read on its own."""
    return grid_partials_sql([scan]) if rolled_up(scan) else labelled_sql(scan)


def _alone(indicator_id: str) -> Scan:
    compiled = compile_catalog(CATALOG, only=with_inputs({indicator_id}, CATALOG))
    (scan,) = compiled.scans.values()
    return scan


def _shared_group(key: str) -> list[Scan]:
    rolled = [scan for scan in COMPILED.scans.values() if rolled_up(scan)]
    return next(group for group in shared_partials(rolled) if COMPILED.scans[key] in group)


def _recent_events() -> str:
    """The recent events of a live tick (two days) with the columns the whole catalog reads."""
    scans = list(COMPILED.scans.values())
    return SOURCES["events"].recent_sql(unread_columns(scans, OPTIONAL_COLUMNS["events"]), 2,
                                        unread_columns(scans, tuple(EVENT_STATE)))


def _shifted_state() -> str:
    """Open cases at the 7 earlier instants, with the columns the open-cases scans read."""
    scans = [scan for scan in COMPILED.scans.values() if scan.source == "open_cases"]
    return SOURCES["open_cases"].shifted_state_sql(unread_columns(scans, OPTIONAL_COLUMNS["events"]))


def snapshot_sources() -> dict[str, Callable[[], str]]:
    """Return every snapshot's file name (without .sql) and how to compile its statement."""
    sources: dict[str, Callable[[], str]] = {}
    for kind, indicator_id in {**{f"type_{k}": v for k, v in BY_TYPE.items()},
                               **{f"window_{k}": v for k, v in BY_WINDOW.items()}}.items():
        scan = _alone(indicator_id)
        sources[f"{kind}__{scan.key}"] = lambda scan=scan: duckdb_sql(scan)
    for indicator in (i for i in CATALOG.indicators if i.aqi_mode):
        sql = aqi_sql.hourly_sql if indicator.aqi_mode == "hourly" else aqi_sql.daily_sql
        sources[f"aqi_inputs__{indicator.id}"] = lambda sql=sql, indicator=indicator: sql(indicator)
    sources[f"family__{FAMILY}"] = lambda: duckdb_sql(COMPILED.scans[FAMILY])
    sources[f"family_grouping_sets__{WIDE_FAMILY}"] = lambda: duckdb_sql(COMPILED.scans[WIDE_FAMILY])
    sources[f"grid_partials__{ROLLED}_group"] = lambda: grid_partials_sql(_shared_group(ROLLED))
    for key in SHIFTED:
        sources[f"baseline__{key}"] = lambda key=key: labelled_sql(replace(COMPILED.scans[key], shifted=True))
    sources["materialised__recent_events"] = _recent_events
    sources["materialised__open_cases_shifted"] = _shifted_state
    for key in (ROLLED, WIDE_FAMILY):
        sources[f"spark__{key}"] = lambda key=key: spark_scan_sql(COMPILED.scans[key])
    return sources


def rendered(sql: str) -> str:
    """Return a statement as kept in its file: as compiled, with one newline at the end."""
    return sql.strip("\n") + "\n"


def update() -> None:
    """Write every snapshot afresh and delete the files of snapshots no longer defined."""
    SNAPSHOTS.mkdir(exist_ok=True)
    sources = snapshot_sources()
    for stale in set(SNAPSHOTS.glob("*.sql")) - {SNAPSHOTS / f"{name}.sql" for name in sources}:
        stale.unlink()
    for name, compile_sql in sources.items():
        (SNAPSHOTS / f"{name}.sql").write_text(rendered(compile_sql()), encoding="utf-8")
    print(f"wrote {len(sources)} snapshots to {SNAPSHOTS}")


SOURCES_BY_NAME = snapshot_sources()


@pytest.mark.parametrize("name", sorted(SOURCES_BY_NAME))
def test_compiled_sql_equals_its_snapshot(name):
    path = SNAPSHOTS / f"{name}.sql"
    assert path.exists(), f"no snapshot {path.name}: run python -m tests.indicators.test_sql_snapshots --update"
    expected, actual = path.read_text(encoding="utf-8"), rendered(SOURCES_BY_NAME[name]())
    diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                        f"snapshot/{path.name}", "compiled"))
    assert actual == expected, f"compiled SQL changed (review, then --update):\n{diff}"


def test_every_snapshot_file_is_defined():
    defined = {f"{name}.sql" for name in SOURCES_BY_NAME}
    assert {path.name for path in SNAPSHOTS.glob("*.sql")} <= defined


def test_the_set_covers_every_indicator_type_and_window():
    types = {str(CATALOG[i].type) for i in BY_TYPE.values()} | {"aqi"}
    assert types == {str(i.type) for i in CATALOG.indicators}
    assert set(BY_WINDOW) == {str(i.window) for i in CATALOG.indicators if i.window is not None}


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python -m tests.indicators.test_sql_snapshots --update")
    update()
