"""The wall screen's queries on the tiny city, against independent pandas computations."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from data import db
from data.clock import parse_instant
from queries import screen as queries
from queries import screen_freshness, screen_today
from tests.conftest import TINY_NOW

TZ = "Asia/Shanghai"


@pytest.fixture(scope="module")
def now_s() -> int:
    return parse_instant(TINY_NOW, TZ)


@pytest.fixture(scope="module")
def events(tiny_con) -> pd.DataFrame:
    return tiny_con.execute("SELECT source, received_at, resolved_at, closed_at, due_at, satisfaction FROM events").df()


def _day_spans(now_s: int, days: int = 7) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """(local midnight, same time) of today and of each of the ``days`` days before, as UTC timestamps."""
    now = datetime.fromtimestamp(now_s, ZoneInfo(TZ))
    spans = []
    for k in range(days + 1):
        upto = now - timedelta(days=k)
        spans.append((pd.Timestamp(upto.replace(hour=0, minute=0, second=0, microsecond=0)), pd.Timestamp(upto)))
    return spans


def _between(column: pd.Series, span) -> pd.Series:
    return (column >= span[0]) & (column <= span[1])


def _expected(events: pd.DataFrame, now_s: int) -> dict[str, list[float | None]]:
    """Per day (today first): each headline figure computed with pandas."""
    out = {key: [] for key in ("hotline", "grid_reported", "grid_closed", "ontime", "ontime_n", "sat", "sat_n")}
    for span in _day_spans(now_s):
        received, closed = _between(events["received_at"], span), _between(events["closed_at"], span)
        resolved = _between(events["resolved_at"], span)
        out["hotline"].append(int((received & (events["source"] == "hotline_12345")).sum()))
        out["grid_reported"].append(int((received & (events["source"] == "grid_report")).sum()))
        out["grid_closed"].append(int((closed & (events["source"] == "grid_report")).sum()))
        on_time = resolved & (events["due_at"].isna() | (events["resolved_at"] <= events["due_at"]))
        out["ontime"].append(int(on_time.sum()))
        out["ontime_n"].append(int(resolved.sum()))
        rated = closed & events["satisfaction"].notna()
        out["sat"].append(int((rated & (events["satisfaction"] >= 4)).sum()))
        out["sat_n"].append(int(rated.sum()))
    return out


def test_headline_counts_match_pandas(tiny_con, events, now_s):
    kpis = queries.headline_kpis(tiny_con, now_s, TZ)
    expected = _expected(events, now_s)
    for key in ("hotline", "grid_reported", "grid_closed"):
        assert kpis[key].today == expected[key][0]
        assert kpis[key].yesterday == expected[key][1]
        assert kpis[key].avg_7d == pytest.approx(sum(expected[key][1:]) / 7)
    assert kpis["hotline"].today > 0 and kpis["grid_closed"].today > 0


def test_headline_ratios_sum_numerators_and_denominators(tiny_con, events, now_s):
    kpis = queries.headline_kpis(tiny_con, now_s, TZ)
    expected = _expected(events, now_s)
    assert kpis["ontime_rate"].today == pytest.approx(expected["ontime"][0] / expected["ontime_n"][0])
    assert kpis["satisfaction"].yesterday == pytest.approx(expected["sat"][1] / expected["sat_n"][1])
    assert kpis["satisfaction"].avg_7d == pytest.approx(sum(expected["sat"][1:]) / sum(expected["sat_n"][1:]))
    assert kpis["ontime_rate"].kind == "share"


@pytest.mark.parametrize("clock", ["00:00:30", "09:15:00", "23:59:59"])
def test_counts_at_any_time_of_day_match_pandas(tiny_con, events, now_s, clock):
    day = datetime.fromtimestamp(now_s, ZoneInfo(TZ)).date() - timedelta(days=1)
    at_s = parse_instant(f"{day}T{clock}", TZ)
    kpis, expected = queries.headline_kpis(tiny_con, at_s, TZ), _expected(events, at_s)
    for key in ("hotline", "grid_reported", "grid_closed"):
        assert [kpis[key].today, kpis[key].yesterday] == expected[key][:2]
        assert kpis[key].avg_7d == pytest.approx(sum(expected[key][1:]) / 7)


def test_previous_days_read_earlier_in_the_day_give_the_same_figures(tiny_con, now_s):
    morning = parse_instant(datetime.fromtimestamp(now_s, ZoneInfo(TZ)).strftime("%Y-%m-%dT00:05:00"), TZ)
    kept = queries.past_instants(tiny_con, morning, TZ)          # what a wall read at five past midnight
    assert queries.past_range(morning, TZ) == queries.past_range(now_s, TZ)
    assert queries.headline_kpis(tiny_con, now_s, TZ, kept) == queries.headline_kpis(tiny_con, now_s, TZ)
    assert sum(len(v) for v in kept.instants.values()) > 0


def test_counts_before_the_data_begins_are_zero_not_missing(tiny_con):
    long_ago = parse_instant("2020-01-01T12:00:00", TZ)
    kpis = queries.headline_kpis(tiny_con, long_ago, TZ)
    assert kpis["hotline"].today == 0 and kpis["ontime_rate"].today is None


def test_indicator_kpi_without_values_or_history_is_empty(tiny_con, now_s):
    kpi = queries.indicator_kpi(tiny_con, "closure_rate", "cases.handling.closure_rate.last_30d", now_s, scale=100.0)
    assert (kpi.today, kpi.yesterday, kpi.avg_7d) == (None, None, None)      # the built city holds no values yet


def test_indicator_kpi_reads_latest_value_and_history(tiny_db_copy, now_s):
    con = db.open_store(tiny_db_copy)
    city = con.execute("SELECT code FROM admin_units WHERE level = 'city'").fetchall()[0][0]
    rows = [(0, 90.0), (1, 80.0)] + [(k, 70.0) for k in range(2, 8)]
    for k, value in rows[1:]:
        con.execute("INSERT INTO indicator_history (indicator_id, unit_code, level, value, status, as_of, computed_at) "
                    "VALUES ('x.y.z.w', ?, 'city', ?, 'normal', to_timestamp(?), to_timestamp(?))",
                    [city, value, now_s - k * 86400 + 600, now_s])
    con.execute("INSERT INTO indicator_latest_rows (indicator_id, unit_code, level, value, status) "
                "VALUES ('x.y.z.w', ?, 'city', ?, 'normal')", [city, rows[0][1]])
    con.execute("INSERT INTO indicator_instants VALUES ('x.y.z.w', to_timestamp(?), to_timestamp(?))",
                [now_s + 600, now_s])
    kpi = queries.indicator_kpi(con, "k", "x.y.z.w", now_s, scale=100.0)
    con.close()
    assert kpi.today == pytest.approx(0.9) and kpi.yesterday == pytest.approx(0.8)
    assert kpi.avg_7d == pytest.approx((0.8 + 6 * 0.7) / 7)


def test_alerts_colour_the_grids_beneath_them(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    street = con.execute("SELECT code FROM admin_units WHERE level = 'street' ORDER BY code LIMIT 1").fetchall()[0][0]
    grid = con.execute("SELECT code FROM admin_units WHERE level = 'grid' AND street_code <> ? ORDER BY code LIMIT 1",
                       [street]).fetchall()[0][0]
    for unit, level, state, severity in ((street, "street", "firing", "orange"), (grid, "grid", "firing", "red"),
                                         (grid, "grid", "pending", "red")):
        con.execute("INSERT INTO alerts (indicator_id, unit_code, level, kind, state, severity, peak_severity, started_at) "
                    "VALUES ('a.b.c.d', ?, ?, 'threshold', ?, ?, ?, now())", [unit, level, state, severity, severity])
    ranks = queries.grid_alert_severity(con).set_index("code")["rank"]
    in_street = con.execute("SELECT code FROM admin_units WHERE level = 'grid' AND street_code = ?", [street]).df()["code"]
    counts = queries.alert_counts(con)
    con.close()
    assert (ranks[in_street] == 3).all()
    assert ranks[grid] == 4
    assert (ranks.drop(list(in_street) + [grid]) == 0).all()
    assert counts["red"] == 1 and counts["orange"] == 1              # the pending one is not active


def test_ticker_masks_personal_data(tiny_db_copy, now_s):
    con = db.open_store(tiny_db_copy)
    con.execute("""UPDATE events SET description = '张三丰来电 13812345678 反映噪音', caller_name = '张三丰'
                   WHERE event_id = (SELECT event_id FROM events WHERE received_at <= to_timestamp(?)
                                     ORDER BY received_at DESC LIMIT 1)""", [now_s])
    newest = queries.newest_events(con, now_s, limit=3)
    con.close()
    text = " ".join(newest["description"].astype(str))
    assert "13812345678" not in text and "张三丰" not in text
    assert "138****5678" in text and "张**" in text
    assert "caller_name" not in newest.columns and "caller_phone" not in newest.columns


def test_freshness_marks_sources_stale_by_their_own_limits(tiny_con, now_s):
    now = screen_freshness.freshness(tiny_con, now_s).set_index("name")
    later = screen_freshness.freshness(tiny_con, now_s + 2 * 3600).set_index("name")
    assert not now.loc["hotline_12345", "stale"]
    assert later.loc["hotline_12345", "age_s"] == pytest.approx(now.loc["hotline_12345", "age_s"] + 7200)
    assert later.loc["hotline_12345", "stale"] and not later.loc["petition", "stale"]
    channels = set(r[0] for r in tiny_con.execute("SELECT code FROM channels").fetchall())
    assert channels <= set(now.index) and "air_national" in now.index       # every channel of the profile
    assert now.loc["hotline_12345", "label_en"] == "12345 hotline"           # named by the profile


def test_a_channel_without_cases_is_stale_and_a_source_without_a_role_gets_the_default_limit(tmp_path):
    con = db.open_store(tmp_path / "f.duckdb")
    con.execute("INSERT INTO channels VALUES ('cam', 'camera', '视频告警', 'camera alarms')")
    con.execute("INSERT INTO event_categories (code, name_zh, name_en, domain, sla_hours, default_level, department) "
                "VALUES ('x', 'X', 'X', 'hotline', 24, 3, 'D')")
    con.execute("INSERT INTO events (source, event_id, category_code, received_at, status, updated_at) "
                "VALUES ('feed_without_role', '1', 'x', to_timestamp(1000), 'received', to_timestamp(1000))")
    frame = screen_freshness.freshness(con, 1000 + 3600).set_index("name")
    assert frame.loc["cam", "stale"] and pd.isna(frame.loc["cam", "age_s"])
    assert frame.loc["feed_without_role", "stale_after_s"] == screen_freshness.EVENT_STALE_DEFAULT_S
    assert not frame.loc["feed_without_role", "stale"] and frame.loc["feed_without_role", "label_en"] == "feed_without_role"


def test_station_aqi_uses_the_latest_hour_of_each_station(tiny_con, now_s):
    stations = queries.air_by_station(tiny_con, now_s, TZ)
    assert len(stations) >= 2 and stations["aqi"].notna().all()
    assert set(stations["kind"]) <= set(queries.AIR_KINDS)


def test_recent_events_are_the_last_hour(tiny_con, now_s):
    recent = queries.recent_events(tiny_con, now_s)
    assert ((recent["received_s"] > now_s - 3600) & (recent["received_s"] <= now_s)).all()
    assert recent["received_s"].is_monotonic_decreasing


def test_urgent_alerts_compare_now_with_the_same_time_on_earlier_days(tiny_db_copy, now_s):
    con = db.open_store(tiny_db_copy)
    day = 86400
    alerts = {  # id: (severity now, state now, closed by hand at, [(seconds before now, to_state, severity)])
        1: ("red", "firing", None, [(3 * day + 3600, "firing", "red")]),
        2: ("orange", "resolved", None, [(day + 7200, "firing", "orange"), (day - 3600, "resolved", None)]),
        3: ("yellow", "firing", None, [(2 * day, "firing", "yellow")]),
        4: ("red", "closed", now_s - 4 * day, [(5 * day + 60, "firing", "red")]),
        5: ("orange", "recovering", None, [(6 * day + 60, "firing", "red"), (6 * day - 60, "recovering", "orange")]),
    }
    for alert_id, (severity, state, closed_s, history) in alerts.items():
        con.execute("INSERT INTO alerts (alert_id, indicator_id, unit_code, level, kind, state, severity, peak_severity, "
                    "started_at, closed_at) VALUES (?, 'x.y', 'u', 'city', 'threshold', ?, ?, ?, to_timestamp(?), "
                    "to_timestamp(?))", [alert_id, state, severity, severity, now_s - history[0][0], closed_s])
        previous = "normal"
        for before_s, to_state, sev in history:
            con.execute("INSERT INTO alert_history (occurred_at, indicator_id, unit_code, alert_id, from_state, to_state, "
                        "severity, reason) VALUES (to_timestamp(?), 'x.y', 'u', ?, ?, ?, ?, 'test')",
                        [now_s - before_s, alert_id, previous, to_state, sev])
            previous = to_state
    kpi = queries.urgent_alerts_kpi(con, now_s)
    con.close()
    # 5 is active from six days ago (red, then orange recovering); 3 is yellow; 4 was closed by hand 4 days ago
    # yesterday: 1, 2, 5; two and three days ago: 1, 5; four: 5; five: 4, 5; six: 5 (red); seven: none
    assert (kpi.today, kpi.yesterday) == (2.0, 3.0)                 # now: 1 (red) and 5 (orange, recovering)
    assert kpi.avg_7d == pytest.approx((3 + 2 + 2 + 1 + 2 + 1 + 0) / 7)
    assert kpi.kind == "few"


def test_top_categories_today_count_todays_cases_with_their_names(tiny_con, now_s):
    frame = tiny_con.execute("SELECT e.source, e.category_code, e.received_at, c.name_zh FROM events e "
                             "JOIN event_categories c ON c.code = e.category_code").df()
    midnight = pd.Timestamp(datetime.fromtimestamp(now_s, ZoneInfo(TZ)).replace(hour=0, minute=0, second=0))
    today = frame[(frame["received_at"] >= midnight) & (frame["received_at"] <= pd.Timestamp(now_s, unit="s", tz="UTC"))]
    for channel, source in ((None, None), ("hotline", "hotline_12345")):      # a role, and the demo's code for it
        chosen = today if source is None else today[today["source"] == source]
        counts = chosen.groupby(["category_code", "name_zh"]).size().reset_index(name="n")
        expected = counts.sort_values(["n", "category_code"], ascending=[False, True]).head(6)
        top = screen_today.top_categories_today(tiny_con, now_s, TZ, channel)
        assert list(zip(top["category_code"], top["name_zh"], top["n"])) == \
            list(zip(expected["category_code"], expected["name_zh"], expected["n"]))


def test_the_trends_compare_the_same_local_hours_across_a_clock_change():
    """Los Angeles went back an hour on 2026-11-01 at 02:00: 12:00 three days before 2026-11-03 12:00 is
    73 hours earlier, not 72, and every day's span starts at its own local midnight (Sunday's morning
    holds 13 hours)."""
    tz = "America/Los_Angeles"
    now_s = parse_instant("2026-11-03T12:00", tz)
    spans = {k: (midnight, upto) for k, midnight, upto in queries.day_spans(now_s, tz)}
    assert spans[2][1] == now_s - 48 * 3600 and spans[3][1] == now_s - 73 * 3600
    assert spans[2][1] - spans[2][0] == 13 * 3600
    for k, (midnight, upto) in spans.items():
        local = datetime.fromtimestamp(upto, ZoneInfo(tz))
        assert (local.hour, local.minute) == (12, 0), k
        assert datetime.fromtimestamp(midnight, ZoneInfo(tz)).hour == 0 and upto - midnight in (12 * 3600, 13 * 3600)
