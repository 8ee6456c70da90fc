"""The live loop's ticks leave indicator_latest exactly as a full recomputation at the same instants.

Between ticks the live simulator adds cases and readings and moves cases on; a tick recomputes only
the indicators due and rewrites only the rows whose content changed. Every stored value must still
equal what evaluating the whole catalog afresh at its instant gives (what ``cli.py refresh --at``
computes).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data import db
from data.clock import parse_instant
from data.demo import build, simulator
from indicators import refresh as refresh_module
from indicators.catalog import load_catalog
from indicators.engine import VALUE_COLUMNS, Engine
from indicators.refresh import LastStoredValues, latest_rows, store_values, unchanged, write_latest
from indicators.scheduler import IndicatorScheduler, refresh_cadences
from tests.conftest import TINY_NOW

TZ = "Asia/Shanghai"
NUMBERS = ["value", "numerator", "denominator", "baseline", "data_age_s"]
KEYS = ["indicator_id", "unit_code"]


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def latest(con) -> pd.DataFrame:
    """Return indicator_latest with its instant in epoch seconds, in key order."""
    return con.execute(f"SELECT {', '.join(VALUE_COLUMNS)}, CAST(epoch(as_of) AS BIGINT) AS as_of_s "
                       f"FROM indicator_latest ORDER BY ALL").df()


def assert_same_values(stored: pd.DataFrame, computed: pd.DataFrame) -> None:
    """Assert two frames hold the same rows: numbers equal (or both missing), statuses and levels equal."""
    stored, computed = (f.sort_values(KEYS, ignore_index=True) for f in (stored, computed))
    for column in KEYS + ["level", "status"]:
        assert stored[column].astype(str).tolist() == computed[column].astype(str).tolist(), column
    for column in NUMBERS:
        a, b = stored[column].to_numpy("float64"), computed[column].to_numpy("float64")
        assert np.allclose(a, b, rtol=1e-12, atol=1e-9, equal_nan=True), column


def test_live_ticks_equal_a_full_recomputation_at_the_same_instant(tiny_db_copy, catalog):
    con = db.open_store(tiny_db_copy)
    engine = Engine(catalog, TZ)
    world = build.DemoWorld.create(build.load_demo_spec(con))
    clock = {"now": parse_instant(TINY_NOW, TZ)}
    scheduler = IndicatorScheduler(con, engine, now=lambda: clock["now"], backfill_hours=0)
    scheduler.tick()                                          # the first tick computes everything
    first = latest(con)
    for _ in range(5):              # live ticks: the 60 s indicators, then at 15:35 the 5 min ones too
        simulator.step(con, world, clock["now"], clock["now"] + 60)
        clock["now"] += 60
        scheduler.tick()
    stored = latest(con)
    assert (stored.groupby("indicator_id")["as_of_s"].nunique() == 1).all()
    cadences = refresh_cadences(catalog)
    due = {i for i, cadence in cadences.items() if cadence <= 300}
    assert set(stored.loc[stored["as_of_s"] == clock["now"], "indicator_id"]) == due
    fresh = engine.evaluate(con, clock["now"])
    assert_same_values(stored[stored["indicator_id"].isin(due)], fresh[fresh["indicator_id"].isin(due)])
    # the hourly ones were left as the first tick stored them (a reading stamped exactly at an instant
    # but generated after it would make a recomputation there differ: late data, not the loop)
    assert_same_values(stored[~stored["indicator_id"].isin(due)], first[~first["indicator_id"].isin(due)])
    scheduler.stop()
    con.close()


def test_only_changed_rows_are_rewritten_and_ages_grow_with_the_instant(tiny_db_copy, catalog):
    con = db.open_store(tiny_db_copy)
    engine = Engine(catalog, TZ)
    at_s = parse_instant(TINY_NOW, TZ)
    ids = {i.id for i in catalog.indicators if i.cadence_s <= 60 and i.type.value == "count"}
    values = engine.evaluate(con, at_s, only=ids)
    values = values[values["indicator_id"].isin(ids)]
    store_values(con, values, at_s, snapshot=False)
    later = values.assign(data_age_s=values["data_age_s"] + 60)        # nothing new: only older by a minute
    changed = later.index[later["value"] > 0][:5]
    later.loc[changed, "value"] += 1
    frame = later.assign(as_of=at_s + 60, computed_at=float(at_s + 61))
    con.execute("BEGIN TRANSACTION")
    assert write_latest(con, frame, at_s + 60) == len(changed)
    con.execute("COMMIT")
    stored = latest(con)
    assert (stored["as_of_s"] == at_s + 60).all()
    assert_same_values(stored, later[VALUE_COLUMNS])
    con.close()


def test_rows_no_longer_computed_are_removed_and_new_ones_added(tiny_db_copy, catalog):
    con = db.open_store(tiny_db_copy)
    at_s = parse_instant(TINY_NOW, TZ)
    values = Engine(catalog, TZ).evaluate(con, at_s, only={"cases.intake.count.today"})
    store_values(con, values, at_s, snapshot=False)
    one = "cases.intake.count.today"
    kept = values[values["indicator_id"] == one]
    frame = pd.concat([kept.iloc[1:], kept.iloc[:1].assign(unit_code="new-unit")], ignore_index=True)
    store_values(con, frame, at_s + 60, snapshot=False, replace_all=False)
    stored = latest(con)
    assert_same_values(stored[stored["indicator_id"] == one], frame)     # ages did not grow: all rewritten
    con.close()


def test_minute_ticks_in_a_row_rewrite_the_rows_the_memo_finds_changed_and_equal_a_recomputation(
        tiny_db_copy, catalog, monkeypatch):
    con = db.open_store(tiny_db_copy)
    engine = Engine(catalog, TZ)
    world = build.DemoWorld.create(build.load_demo_spec(con))
    clock = {"now": parse_instant(TINY_NOW, TZ)}
    rewrites = []
    write = refresh_module.write_latest

    def counted(con, frame, at_s, whole_catalog=False, stored=None):
        if stored is not None:
            rewrites.append(int((~unchanged(stored, latest_rows(frame, at_s))).sum()))
        return write(con, frame, at_s, whole_catalog, stored)

    monkeypatch.setattr(refresh_module, "write_latest", counted)
    scheduler = IndicatorScheduler(con, engine, now=lambda: clock["now"], backfill_hours=0)
    scheduler.tick()
    for _ in range(3):                      # the minute's indicators at +60 (merged), +120 and +180 (memo)
        simulator.step(con, world, clock["now"], clock["now"] + 60)
        clock["now"] += 60
        scheduler.tick()
    assert len(rewrites) == 2 and all(0 < n for n in rewrites)
    due = {i for i, cadence in refresh_cadences(catalog).items() if cadence <= 60}
    stored = latest(con)
    assert set(stored.loc[stored["as_of_s"] == clock["now"], "indicator_id"]) == due
    fresh = engine.evaluate(con, clock["now"])
    assert_same_values(stored[stored["indicator_id"].isin(due)], fresh[fresh["indicator_id"].isin(due)])
    scheduler.stop()
    con.close()


def test_the_memo_compares_only_while_no_other_refresh_has_run(tiny_db_copy, catalog):
    con = db.open_store(tiny_db_copy)
    engine = Engine(catalog, TZ)
    at_s = parse_instant(TINY_NOW, TZ) + 60
    ids = {"cases.intake.count.today"}
    memo = LastStoredValues()
    refresh_module.refresh(con, engine, at_s, only=ids, memo=memo)
    values = engine.evaluate(con, at_s + 60, only=ids)
    assert memo.stored_rows(con, values, ids) is not None
    assert memo.stored_rows(con, values, ids | {"cases.intake.count.last_hour"}) is None
    refresh_module.refresh(con, engine, at_s + 60, only=ids)             # someone else's refresh
    assert memo.stored_rows(con, values, ids) is None
    con.close()
