"""Honest dates: today's brief is today's live figures at the same instant and says it is
provisional; a period not begun is refused; a period before the store's data says so; none of them
is a brief of invented or zero figures. Through the engine, the CLI and the page's callback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from callbacks.summary import show_brief
from data.clock import DEFAULT_TZ, parse_instant
from indicators.periods import Period
from queries import overview, screen
from reporting.area import resolve_area
from reporting.document import build_document
from reporting.render import render_html
from reporting.span import BriefRefused, brief_span, first_data_s
from tests.callbacks.installed import frozen_context
from tests.conftest import ROOT, TINY_NOW

NOW_S = parse_instant(TINY_NOW, DEFAULT_TZ)
TODAY = Period.parse(TINY_NOW[:10])


@pytest.fixture(scope="module")
def today_doc(tiny_con, engine):
    span = brief_span(TODAY, DEFAULT_TZ, NOW_S, first_data_s(tiny_con))
    return build_document(tiny_con, span, resolve_area(tiny_con, None), engine)


def test_todays_case_figures_are_the_overviews_at_the_same_instant(today_doc, tiny_con):
    live, t = overview.city_today(tiny_con, NOW_S, DEFAULT_TZ), today_doc.brief.totals
    assert live.received > 0 and live.open_overdue > 0
    assert (t.received, t.closed, t.overdue_open_end) == (live.received, live.closed, live.open_overdue)
    assert (t.received_30d, t.closed_30d) == (live.received_30d, live.closed_30d)
    assert t.closure_rate == live.closure_rate


def test_todays_sensors_reporting_are_the_overviews(today_doc, tiny_con):
    rows = today_doc.brief.scorecard.rows.set_index("indicator_id")
    total, reporting = overview.sensors_reporting(tiny_con, overview.utc(NOW_S))
    assert total > 0
    assert rows.loc["sensor_health.overall.reporting_share.now", "value"] == pytest.approx(reporting * 100 / total)


def test_todays_red_alerts_are_the_walls(today_doc, tiny_con):
    assert today_doc.brief.red_alerts == screen.alert_counts(tiny_con)["red"]
    assert len(today_doc.brief.alerts_open) == sum(screen.alert_counts(tiny_con)[s] for s in ("red", "orange", "yellow", "blue"))


def test_today_is_marked_provisional_with_its_as_of_time(today_doc):
    assert today_doc.brief.span.provisional
    html_zh, html_en = render_html(today_doc, "zh"), render_html(today_doc, "en")
    assert "截至2026年11月20日（星期五） 15:30，数据未完结" in html_zh
    assert "As of Friday 20 November 2026 15:30" in html_en


def test_an_ended_day_is_not_provisional(tiny_con):
    span = brief_span(Period.parse("2026-11-19"), DEFAULT_TZ, NOW_S, first_data_s(tiny_con))
    assert not span.provisional and span.as_of_s == span.end_s


@pytest.mark.parametrize("key", ["2026-11-21", "2027-01-01", "2026-12", "2026-W49", "2027-Q1"])
def test_a_period_not_begun_is_refused(tiny_con, key):
    with pytest.raises(BriefRefused) as refused:
        brief_span(Period.parse(key), DEFAULT_TZ, NOW_S, first_data_s(tiny_con))
    assert refused.value.reason == "future"
    assert "尚未开始" in refused.value.message("zh") and "has not begun" in refused.value.message("en")


@pytest.mark.parametrize("key", ["2026-10-29", "2026-10", "2026-W43", "2026-Q3"])
def test_a_period_before_the_data_says_so(tiny_con, key):
    first = first_data_s(tiny_con)
    if key == "2026-10":                      # October holds the first days of data: a brief, not a refusal,
        span = brief_span(Period.parse(key), DEFAULT_TZ, NOW_S, first)
        assert not span.covered()             # ... and no comparison period would take it as a whole month
        return
    with pytest.raises(BriefRefused) as refused:
        brief_span(Period.parse(key), DEFAULT_TZ, NOW_S, first)
    assert refused.value.reason == "before_data"
    assert "数据自2026-10-30起" in refused.value.message("zh") and "begins on 2026-10-30" in refused.value.message("en")


def test_an_empty_store_says_it_holds_no_data():
    with pytest.raises(BriefRefused, match="holds no data"):
        brief_span(TODAY, DEFAULT_TZ, NOW_S, None)


def test_the_page_shows_a_refusal_not_a_brief(tiny_con):
    with frozen_context(tiny_con):
        body, *_ = show_brief("2027-01-01", "day", None, "zh")
        assert body.children.endswith("尚未开始，无法生成简报。")
        body, *_ = show_brief("2026-09-15", "month", None, "en")
        assert "is before the data" in body.children


@pytest.mark.parametrize("key, words", [("2027-01-01", "has not begun"), ("2026-Q3", "before the data"),
                                         ("2026-13", "not a period")])
def test_the_cli_refuses_with_a_message(tiny_db_path, tmp_path, key, words):
    done = subprocess.run([sys.executable, "cli.py", "report", "--period", key, "--lang", "en", "--out",
                           str(tmp_path / "b.pdf"), "--db", str(tiny_db_path)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and words in done.stderr and not (tmp_path / "b.pdf").exists()


ALERTS = (  # alert id, indicator (one series each), severity, fired (local), recovered (local) or None
    (901, "cases.backlog.overdue_share.now", "red", "2026-11-20 10:00", None),
    (902, "sensor_health.overall.reporting_share.now", "red", "2026-11-20 08:00", "2026-11-20 09:00"),
    (903, "cases.handling.closure_rate.last_7d", "orange", "2026-11-19 22:00", None),
)


@pytest.fixture(scope="module")
def alerted(tiny_db_path, tmp_path_factory):
    """Return a copy of the tiny city with two red alerts today (one still firing) and an orange one."""
    from data import db
    path = tmp_path_factory.mktemp("alerted") / "a.duckdb"
    path.write_bytes(tiny_db_path.read_bytes())
    con = db.open_store(path)
    unit = con.execute("SELECT code FROM admin_units WHERE level = 'district' ORDER BY code LIMIT 1").fetchone()[0]
    for alert_id, indicator, severity, fired, recovered in ALERTS:
        fired_at = f"{fired}+08:00"
        state = "firing" if recovered is None else "normal"
        con.execute("INSERT INTO alerts (alert_id, indicator_id, unit_code, level, kind, state, severity, peak_severity, value, "
                    "threshold, started_at, fired_at, resolved_at, escalations) VALUES (?, ?, ?, "
                    "'district', 'threshold', ?, ?, ?, 30, 20, ?::TIMESTAMPTZ, ?::TIMESTAMPTZ, ?::TIMESTAMPTZ, 0)",
                    [alert_id, indicator, unit, state, severity, severity, fired_at, fired_at,
                     None if recovered is None else f"{recovered}+08:00"])
        con.execute("INSERT INTO alert_history (occurred_at, indicator_id, unit_code, alert_id, from_state, to_state, severity, "
                    "value, threshold, reason) VALUES (?::TIMESTAMPTZ, ?, ?, ?, 'pending', "
                    "'firing', ?, 30, 20, 'test')", [fired_at, indicator, unit, alert_id, severity])
        if recovered is not None:
            con.execute("INSERT INTO alert_history (occurred_at, indicator_id, unit_code, alert_id, from_state, to_state, "
                        "severity, value, threshold, reason) VALUES (?::TIMESTAMPTZ, ?, ?, ?, "
                        "'firing', 'normal', ?, 10, 20, 'test')", [f"{recovered}+08:00", indicator, unit, alert_id, severity])
    yield con
    con.close()


def test_red_alerts_open_are_the_walls_and_those_that_reached_red_are_named(alerted, engine):
    span = brief_span(TODAY, DEFAULT_TZ, NOW_S, first_data_s(alerted))
    brief = build_document(alerted, span, resolve_area(alerted, None), engine).brief
    wall = screen.alert_counts(alerted)
    assert (brief.red_alerts, wall["red"]) == (1, 1)
    assert brief.red_fired == 2
    assert len(brief.alerts_open) == wall["red"] + wall["orange"] == 2
    item = next(i for i in brief.attention if i.kind == "red")
    assert item.zh.startswith("升至红色预警2项") and "reached red" in item.en


def test_a_period_the_data_begins_inside_says_from_when(tiny_con, engine):
    span = brief_span(Period.parse("2026-10"), DEFAULT_TZ, NOW_S, first_data_s(tiny_con))
    doc = build_document(tiny_con, span, resolve_area(tiny_con, None), engine)
    assert "本期数据自2026年10月30日（星期五）起计" in render_html(doc, "zh")
    assert "begins on Friday 30 October 2026" in render_html(doc, "en")
    assert doc.brief.totals.prev_received is None                   # September: before the data, no comparison
