"""Period figures (week, month, quarter, year, to date; 环比, 同比, holiday-aligned 同比) equal a
pandas computation over the fixture's raw rows.

The fixture is a small demo city whose history runs from 21 January 2025 to 2 March 2026 10:00:
it spans a year boundary and two Spring Festivals (29 January 2025, 17 February 2026). The
independent side asks DuckDB only for each case row with its filter booleans at an instant (the
catalog's SQL text over the events source, as in test_engine_vs_pandas); the days, the periods'
bounds, the grouping by unit and the sums and ratios are redone in pandas, day by day with the
state at each day's end (what a daily partial is), the current day at the instant asked.
"""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from data import db, holidays, versions, writer
from data.clock import parse_instant
from indicators.catalog import load_catalog
from indicators.day_partials import DayPartials, day_bounds_s
from indicators.model import IndicatorType
from indicators.period_values import PeriodRefused, PeriodValues
from indicators.periods import Period
from indicators.sources import SOURCES, UNIT_COLUMNS

TZ = "Asia/Shanghai"
NOW = "2026-03-02T10:00:00"
NOW_S = parse_instant(NOW, TZ)
TODAY = date(2026, 3, 2)
CATALOG = load_catalog()
CHECKED = ["hotline.intake.count.today", "cases.handling.closed_count.today", "cases.timeliness.response_rate.today"]
# One period of each kind; W01 of 2026 crosses the year boundary, Q1's 环比 is October-November 2025, W08 and
# February hold the Spring Festival; the quarter and the year are unfinished (today's live part included)
PERIODS = ["2026-02-17", "2026-W08", "2026-W01", "2026-02", "2026-Q1", "2026"]
COMPARISONS = ["previous", "same_last_year", "holiday_aligned"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A writable copy of the fixture city (module-wide: the partials it stores are shared)."""
    from data.demo import build
    from data.demo.scales import SCALES

    scale = dataclasses.replace(SCALES["tiny"], days=3, archive_days=402, events_per_day=60)
    path = tmp_path_factory.mktemp("periods") / "periods.duckdb"
    build.build_demo(path, build.DemoSpec(scale, 7, NOW_S, TZ), progress=False)
    con = db.open_store(path)
    yield con
    con.close()


@pytest.fixture(scope="module")
def values():
    return PeriodValues(DayPartials(CATALOG, TZ))


_ROWS: dict[int, pd.DataFrame] = {}


def rows_at(con, at_s: int) -> pd.DataFrame:
    """Return every case row with each checked indicator's filter booleans at the instant ``at_s``."""
    if at_s not in _ROWS:
        selects = []
        for ind_id in CHECKED:
            ind = CATALOG[ind_id]
            parts = {"n": ind.numerator, "d": ind.denominator} if ind.type == IndicatorType.RATIO else {"n": ind.measure}
            selects += [f"coalesce(({part.filter}), false) AS \"{ind_id}:{key}\"" for key, part in parts.items()]
        sql = (f"SELECT received_at, closed_at, u_city, u_district, u_street, {', '.join(selects)} "
               f"FROM ({SOURCES['events'].sql()}) AS base")
        _ROWS[at_s] = con.execute(sql, {"now": datetime.fromtimestamp(at_s, timezone.utc)}).df()
    return _ROWS[at_s]


_PARTS: dict[tuple, pd.DataFrame] = {}


def pandas_parts(con, ind_id: str, period: Period, level: str) -> pd.DataFrame:
    """Return per unit the summed numerator (and denominator) of ``ind_id`` over ``period``'s days."""
    if (ind_id, period, level) not in _PARTS:
        _PARTS[(ind_id, period, level)] = _pandas_parts(con, ind_id, period, level)
    return _PARTS[(ind_id, period, level)]


def _pandas_parts(con, ind_id: str, period: Period, level: str) -> pd.DataFrame:
    ind = CATALOG[ind_id]
    column = ind.time_column or "received_at"
    frames = []
    for day in period.days():
        start_s, end_s = day_bounds_s(day, TZ)
        if start_s >= NOW_S:
            break
        at_s = min(end_s, NOW_S)
        rows = rows_at(con, at_s)
        t = (rows[column] - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
        in_day = (t >= start_s) & ((t < end_s) if at_s == end_s else (t <= at_s))
        chosen = rows[in_day]
        frame = pd.DataFrame({"unit_code": chosen[UNIT_COLUMNS[level]], "n": chosen[f"{ind_id}:n"].astype(float)})
        if ind.type == IndicatorType.RATIO:
            frame["d"] = chosen[f"{ind_id}:d"].astype(float)
        frames.append(frame)
    return pd.concat(frames).groupby("unit_code").sum() if frames else pd.DataFrame(columns=["n", "d"])


def pandas_value(con, ind_id: str, period: Period, level: str, unit_code: str) -> float:
    ind = CATALOG[ind_id]
    parts = pandas_parts(con, ind_id, period, level)
    numerator = float(parts["n"].get(unit_code, 0.0))
    if ind.type != IndicatorType.RATIO:
        return numerator
    denominator = float(parts["d"].get(unit_code, 0.0))
    return numerator / denominator * ind.scale if denominator else np.nan


@pytest.mark.parametrize("key", PERIODS)
@pytest.mark.parametrize("comparison", COMPARISONS)
@pytest.mark.parametrize("level", ["city", "street"])
def test_period_and_comparison_equal_pandas(store, values, key, comparison, level):
    frame = values.compare(store, Period.parse(key), comparison, NOW_S, CHECKED, level, holidays.load())
    assert set(frame["indicator_id"]) == set(CHECKED)
    period, against = Period.parse(frame["period"].iloc[0]), Period.parse(frame["against_period"].iloc[0])
    for row in frame.sort_values("unit_code").head(6).itertuples():
        expected = pandas_value(store, row.indicator_id, period, level, row.unit_code)
        assert row.value == pytest.approx(expected, nan_ok=True), (row.indicator_id, row.unit_code, str(period))
        if against.end > date(2025, 1, 21):
            expected = pandas_value(store, row.indicator_id, against, level, row.unit_code)
            assert row.against == pytest.approx(expected, nan_ok=True), (row.indicator_id, row.unit_code, str(against))


def test_the_comparisons_are_the_periods_a_leader_means(store, values):
    compared = {c: values.compare(store, Period.parse("2026-W08"), c, NOW_S, CHECKED[:1], "city",
                                  holidays.load())["against_period"].iloc[0] for c in COMPARISONS}
    # Spring Festival week 2026 against the week before, the same ISO week of 2025 and 2025's Spring Festival week
    assert compared == {"previous": "2026-W07", "same_last_year": "2025-W08", "holiday_aligned": "2025-W05"}


def test_an_unfinished_period_is_provisional_and_compared_to_date(store, values):
    figures = values.figures(store, Period.parse("2026-Q1"), NOW_S, CHECKED[:1], "city")
    assert figures.provisional
    frame = values.compare(store, Period.parse("2026"), "same_last_year", NOW_S, CHECKED[:1], "city")
    assert (frame["period"].iloc[0], frame["against_period"].iloc[0]) == ("2026~2026-03-02", "2025~2025-03-02")
    assert frame["against_counted_from"].iloc[0] == "2025-01-21"      # the data begins then
    assert not values.figures(store, Period.parse("2026-W08"), NOW_S, CHECKED[:1], "city").provisional


def test_a_future_period_and_one_before_the_data_are_refused(store, values):
    with pytest.raises(PeriodRefused, match="has not begun"):
        values.figures(store, Period.parse("2026-04"), NOW_S)
    with pytest.raises(PeriodRefused, match="before the data"):
        values.figures(store, Period.parse("2024-12"), NOW_S)


def test_ended_days_are_read_from_the_stored_partials(store, values):
    values.figures(store, Period.parse("2026-02"), NOW_S, CHECKED, "city")
    stored = store.execute("""SELECT count(DISTINCT day) FROM indicator_day_partials
                              WHERE day BETWEEN DATE '2026-02-01' AND DATE '2026-02-28'""").fetchone()[0]
    assert stored == 28
    assert values.partials.stale(store, list(Period.parse("2026-02").days())) == {}


def test_late_data_for_an_ended_day_updates_its_partial(store, values, tmp_path):
    day = date(2026, 2, 10)
    ind_id = "hotline.intake.count.today"
    before = values.figures(store, Period.parse("2026-02-10"), NOW_S, [ind_id], "city").values["value"].iloc[0]
    late = store.execute("""SELECT * FROM events WHERE source IN (SELECT code FROM channels WHERE role = 'hotline')
                            AND received_at >= ? ORDER BY received_at LIMIT 1""",
                         [datetime.fromtimestamp(day_bounds_s(day, TZ)[0], timezone.utc)]).df()
    received = datetime.fromtimestamp(day_bounds_s(day, TZ)[0] + 3600, timezone.utc)
    late = late.assign(event_id="LATE-" + late["event_id"], received_at=received)
    with db.transaction(store):
        writer.append_new_events(store, late, *day_bounds_s(day, TZ))
        versions.bump(store, "events", earliest_s=received.timestamp())
    assert ind_id in values.partials.stale(store, [day]).get(day, set())
    assert set(values.partials.stale(store, [day + timedelta(days=-1)])) == set()      # an earlier day is untouched
    after = values.figures(store, Period.parse("2026-02-10"), NOW_S, [ind_id], "city").values
    _ROWS.clear()                                         # the rows changed: the independent side reads them again
    _PARTS.clear()
    assert after["value"].iloc[0] == before + 1
    assert after["value"].iloc[0] == pandas_value(store, ind_id, Period.parse("2026-02-10"), "city",
                                                  after["unit_code"].iloc[0])
    assert values.partials.stale(store, [day]) == {}


def test_a_read_only_store_computes_missing_days_without_storing(store, values, tmp_path):
    path = store.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    store.execute("CHECKPOINT")
    copy = tmp_path / "copy.duckdb"
    shutil.copy(path, copy)
    con = db.open_store(copy)
    con.execute("DELETE FROM indicator_partial_days WHERE day = DATE '2026-01-05'")
    con.close()
    reader = db.open_store(copy, read_only=True)
    week = values.figures(reader, Period.parse("2026-W02"), NOW_S, CHECKED[:1], "city").values
    assert week["value"].iloc[0] == pandas_value(reader, CHECKED[0], Period.parse("2026-W02"), "city",
                                                 week["unit_code"].iloc[0])
    assert reader.execute("SELECT count(*) FROM indicator_partial_days WHERE day = DATE '2026-01-05'").fetchone()[0] == 0
    reader.close()
