"""The engine on the tiny city: every indicator at every level, checked against pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data import db
from data.clock import parse_instant
from indicators.catalog import load_catalog
from indicators.coverage import coverage, store_holdings
from indicators.engine import Engine
from indicators.refresh import refresh
from tests.conftest import TINY_NOW

TZ = "Asia/Shanghai"
CATALOG = load_catalog()
NOW_S = parse_instant(TINY_NOW, TZ)


@pytest.fixture(scope="module")
def values(tiny_con):
    return Engine(CATALOG, TZ).evaluate(tiny_con, NOW_S)


@pytest.fixture(scope="module")
def units(tiny_con):
    return tiny_con.execute("SELECT code, level, parent_code, population FROM admin_units").df()


@pytest.fixture(scope="module")
def lacking(tiny_con):
    return coverage(CATALOG, store_holdings(tiny_con))


@pytest.mark.parametrize("indicator_id", [i.id for i in CATALOG.indicators])
def test_every_indicator_has_a_value_for_every_unit_of_its_levels(indicator_id, values, units, lacking):
    """Every indicator has a row for each unit of its levels; one whose inputs the city has (its
    coverage) has a value at city and district level, one that lacks an input has none anywhere."""
    indicator = CATALOG[indicator_id]
    rows = values[values["indicator_id"] == indicator_id]
    for level in indicator.levels:
        expected = set(units.loc[units["level"] == level, "code"])
        got = rows[rows["level"] == level]
        assert set(got["unit_code"]) == expected, level
        if lacking[indicator_id]:
            assert got["value"].isna().all(), f"{indicator_id} lacks {lacking[indicator_id]} yet has a value"
        elif not indicator.no_data_expected and level in ("city", "district"):
            assert got["value"].notna().all(), f"null {indicator_id} at {level}"


def test_statuses_are_from_the_closed_set(values):
    assert set(values["status"]) <= {"normal", "blue", "yellow", "orange", "red", "no_data"}
    assert (values.loc[values["value"].isna(), "status"] == "no_data").all()


ADDITIVE = [i.id for i in CATALOG.indicators if i.additive and {"city", "district"} <= set(i.levels)]


def test_additive_indicators_sum_up_the_hierarchy(values, units):
    frame = values[values["indicator_id"].isin(ADDITIVE)]
    city = frame[frame["level"] == "city"].set_index("indicator_id")["value"]
    districts = frame[frame["level"] == "district"].groupby("indicator_id")["value"].sum()
    pd.testing.assert_series_equal(city.sort_index(), districts.reindex(city.index).sort_index(),
                                   check_names=False, rtol=1e-9)
    assert len(city) >= 100


@pytest.fixture(scope="module")
def events(tiny_con):
    frame = tiny_con.execute(
        """SELECT e.*, g.street_code, g.district_code, g.code AS grid FROM events e
           JOIN admin_units g ON g.code = e.grid_code""").df()
    return frame


def _pick(values, indicator_id, level, code):
    row = values[(values["indicator_id"] == indicator_id) & (values["unit_code"] == code)]
    assert len(row) == 1, (indicator_id, level, code)
    return row.iloc[0]


def _units_of(events, level):
    return {"city": None, "district": "district_code", "street": "street_code", "grid": "grid"}[level]


LEVEL_SAMPLES = ("city", "street", "grid")


def _sample_codes(events, level):
    column = _units_of(events, level)
    if column is None:
        return [("990100", events)]
    busiest = events[column].value_counts().index[0]
    return [(busiest, events[events[column] == busiest])]


def now():
    return pd.Timestamp(NOW_S, unit="s", tz="UTC")


def today_start():
    return pd.Timestamp(TINY_NOW[:10], tz=TZ).tz_convert("UTC")


@pytest.mark.parametrize("level", LEVEL_SAMPLES)
def test_count_today_matches_pandas(values, events, level):
    for code, rows in _sample_codes(events, level):
        mask = (rows.source == "hotline_12345") & (rows.received_at >= today_start()) & (rows.received_at <= now())
        if level in CATALOG["hotline.intake.count.today"].levels:
            assert _pick(values, "hotline.intake.count.today", level, code)["value"] == mask.sum()


@pytest.mark.parametrize("level", ("city", "street"))
def test_ratio_matches_pandas(values, events, level):
    for code, rows in _sample_codes(events, level):
        window = rows[(rows.source == "hotline_12345") & (rows.received_at >= now() - pd.Timedelta(days=30))
                      & (rows.received_at <= now())]
        closed = (window.closed_at <= now()).sum()
        row = _pick(values, "hotline.handling.closure_rate.last_30d", level, code)
        assert (row["numerator"], row["denominator"]) == (closed, len(window))
        assert row["value"] == pytest.approx(100 * closed / len(window))


@pytest.mark.parametrize("level", ("city", "street"))
def test_percentile_matches_pandas(values, events, level):
    for code, rows in _sample_codes(events, level):
        done = rows[(rows.source == "hotline_12345") & (rows.resolved_at <= now())
                    & (rows.resolved_at >= now() - pd.Timedelta(days=30))]
        hours = (done.resolved_at - done.received_at).dt.total_seconds() / 3600
        row = _pick(values, "hotline.handling.p90_hours.last_30d", level, code)
        assert row["value"] == pytest.approx(np.quantile(hours, 0.9))


def test_per_10k_and_change_vs_baseline(values, units):
    count = _pick(values, "hotline.intake.count.today", "city", "990100")
    per_10k = _pick(values, "hotline.intake.per_10k.today", "city", "990100")
    population = units.loc[units["code"] == "990100", "population"].iloc[0]
    assert per_10k["value"] == pytest.approx(count["value"] * 10_000 / population)
    change = _pick(values, "hotline.intake.change_vs_baseline.today", "city", "990100")
    assert change["baseline"] == pytest.approx(count["baseline"])
    assert change["value"] == pytest.approx((count["value"] - count["baseline"]) / count["baseline"] * 100)


def test_baseline_is_the_mean_of_the_same_hours_on_seven_days(values, events):
    expected = np.mean([
        ((events.source == "hotline_12345") & (events.received_at >= today_start() - pd.Timedelta(days=k))
         & (events.received_at <= now() - pd.Timedelta(days=k))).sum() for k in range(1, 8)])
    assert _pick(values, "hotline.intake.count.today", "city", "990100")["baseline"] == pytest.approx(expected)


def test_refresh_at_a_past_instant_is_reproducible(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    engine = Engine(CATALOG, TZ)
    hour = NOW_S - NOW_S % 3600 - 3 * 3600
    refresh(con, engine, hour, kind="snapshot")
    stored = con.execute("SELECT indicator_id, unit_code, value FROM indicator_history ORDER BY ALL").df()
    again = engine.evaluate(con, hour)[["indicator_id", "unit_code", "value"]]
    again = again.sort_values(["indicator_id", "unit_code", "value"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(stored, again, check_dtype=False)
    assert con.execute("SELECT count(*) FROM indicator_latest").fetchone()[0] == len(again)
    con.close()


def test_before_any_data_there_is_no_baseline_and_no_error(tiny_con):
    from indicators.baselines import baseline_needed

    first = tiny_con.execute("SELECT min(received_at) FROM events").fetchall()[0][0]
    values = Engine(CATALOG, TZ).evaluate(tiny_con, int(first.timestamp()) - 3600)
    with_baseline = values[values["indicator_id"].isin(baseline_needed(CATALOG))]
    assert len(with_baseline) > 0 and with_baseline["baseline"].isna().all()


def test_early_baselines_average_only_the_days_with_data(tiny_con):
    first = tiny_con.execute("SELECT min(received_at) FROM events").fetchall()[0][0]
    at_s = int(first.timestamp()) + 3 * 86_400 + 12 * 3600           # day 4, noon: 2 earlier full days
    values = Engine(CATALOG, TZ).evaluate(tiny_con, at_s)
    row = values[(values["indicator_id"] == "hotline.intake.count.today") & (values["level"] == "city")].iloc[0]
    events = tiny_con.execute("SELECT received_at FROM events WHERE source = 'hotline_12345'").df()["received_at"]
    midnight = pd.Timestamp(at_s, unit="s", tz="UTC").tz_convert(TZ).normalize()
    days = [k for k in range(1, 8) if midnight - pd.Timedelta(days=k) >= first]
    counts = [((events > midnight - pd.Timedelta(days=k)) & (events <= pd.Timestamp(at_s, unit="s", tz="UTC")
                                                            - pd.Timedelta(days=k))).sum() for k in days]
    assert len(days) >= 2 and row["baseline"] == pytest.approx(np.mean(counts))


def test_the_baseline_pass_beside_the_base_pass_gives_the_same_values(tiny_con, values, monkeypatch):
    import threading

    from indicators.baselines import Baselines
    from indicators.execution import run_scans

    threads = []
    baselines = Baselines.for_evaluation

    def recorded(self, *args):
        threads.append(threading.current_thread().name)
        return baselines(self, *args)

    monkeypatch.setattr(Baselines, "for_evaluation", recorded)
    assert threads == []
    inline = Engine(CATALOG, TZ, scan_runner=run_scans).evaluate(tiny_con, NOW_S)
    assert threads == [threading.current_thread().name]        # a scan runner of its own: in line
    keys = ["indicator_id", "unit_code"]
    pd.testing.assert_frame_equal(inline.sort_values(keys).reset_index(drop=True),
                                  values.sort_values(keys).reset_index(drop=True))
    Engine(CATALOG, TZ).evaluate(tiny_con, NOW_S)
    assert threads[1].startswith("refresh-beside")


def test_streamed_jobs_yield_every_item_and_raise_a_jobs_error_after_all_have_ended(tiny_con):
    from indicators.execution import ParallelCursors

    def numbers(cursor, count):
        for n in range(count):
            yield cursor.execute("SELECT ?", [n]).fetchall()[0][0]

    def failing(cursor):
        yield -1
        raise ValueError("scan failed")

    with ParallelCursors(tiny_con) as beside:
        assert sorted(beside.stream([(numbers, (3,)), (numbers, (2,))])) == [0, 0, 1, 1, 2]
        seen = []
        with pytest.raises(ValueError, match="scan failed"):
            for item in beside.stream([(failing, ()), (numbers, (3,))]):
                seen.append(item)
    with ParallelCursors(tiny_con, parallel=False) as in_line:
        assert list(in_line.stream([(numbers, (2,)), (numbers, (1,))])) == [0, 1, 0]


def test_recent_events_carry_only_the_state_columns_asked_for(tiny_con):
    from data.clock import utc
    from indicators.sources import EVENT_STATE, SOURCES

    for left_out in ((), tuple(EVENT_STATE)[1:], tuple(EVENT_STATE)):
        sql = SOURCES["events"].recent_sql(days=2, state_unread=left_out)
        columns = [c[0] for c in tiny_con.execute(f"DESCRIBE {sql}", {"now": utc(NOW_S)}).fetchall()]
        assert set(EVENT_STATE) & set(columns) == set(EVENT_STATE) - set(left_out)
        assert "category_domain" in columns and "u_grid" in columns
