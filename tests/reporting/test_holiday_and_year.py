"""The brief's holiday-aligned 同比 (a Spring Festival week against last year's Spring Festival
week) and the annual brief (年报), against pandas over the fixture's raw rows.

The fixture city's history runs from January 2025 to 2 March 2026 10:00 (the period figures'
fixture, tests/indicators/test_period_values.py): it holds the Spring Festivals of 29 January 2025
and 17 February 2026, and the whole of 2026 so far, but not the whole of 2025."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from data import db
from data.clock import parse_instant
from indicators.periods import Period
from reporting.archive import load_engine
from reporting.area import resolve_area
from reporting.brief import build_brief
from reporting.document import build_document
from reporting.render import render_html
from reporting.headline import headline
from reporting.span import BriefRefused, brief_span, first_data_s
from reporting.view import kpis

TZ = "Asia/Shanghai"
NOW_S = parse_instant("2026-03-02T10:00:00", TZ)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from data.demo import build
    from data.demo.scales import SCALES

    scale = dataclasses.replace(SCALES["tiny"], days=3, archive_days=402, events_per_day=60)
    path = tmp_path_factory.mktemp("holidays") / "holidays.duckdb"
    build.build_demo(path, build.DemoSpec(scale, 7, NOW_S, TZ), progress=False)
    con = db.open_store(path)
    yield con
    con.close()


@pytest.fixture(scope="module")
def engine(store):
    return load_engine(store, TZ)


def brief_of(store, engine, key: str):
    span = brief_span(Period.parse(key), TZ, NOW_S, first_data_s(store))
    return build_brief(store, span, resolve_area(store, None), engine)


def received_between(store, first: date, end: date, until_s: float | None = None) -> int:
    """Count the cases received from local midnight of ``first`` to that of ``end`` (pandas side)."""
    received = store.execute("SELECT received_at FROM events").df()["received_at"].dt.tz_convert(TZ)
    zone = ZoneInfo(TZ)
    start, stop = (pd.Timestamp(datetime.combine(d, time.min, zone)) for d in (first, end))
    inside = (received >= start) & (received < stop)
    if until_s is not None:
        inside &= received <= pd.Timestamp(until_s, unit="s", tz="UTC")
    return int(inside.sum())


def test_a_spring_festival_week_is_compared_with_last_years_spring_festival_week(store, engine):
    brief = brief_of(store, engine, "2026-W08")                   # 16-22 February 2026: 正月初一 on the 17th
    aligned = brief.totals.holiday
    assert aligned is not None and aligned.holiday == "spring_festival"
    assert aligned.against.period == "2025-W05"                    # 27 January - 2 February 2025: 正月初一 on the 29th
    assert brief.totals.last_year.period == "2025-W08"             # the calendar's 同比 is another week
    assert aligned.against.received == received_between(store, date(2025, 1, 27), date(2025, 2, 3))
    assert brief.totals.received == received_between(store, date(2026, 2, 16), date(2026, 2, 23))
    zh, en = headline(brief, "zh"), headline(brief, "en")
    assert f"较上年春节同期（2025-W05，{aligned.against.received:,}件）" in zh
    assert f"on the same days of last year's Spring Festival (2025-W05: {aligned.against.received:,})" in en
    notes = {kid: note for kid, _, _, note in kpis(brief, "en")}
    assert any(f"last year's Spring Festival {aligned.against.received:,}" in note for note in notes.values())


def test_a_week_without_a_holiday_has_no_holiday_line(store, engine):
    brief = brief_of(store, engine, "2026-W06")                    # 2-8 February 2026
    assert brief.totals.holiday is None
    assert "同期（" not in headline(brief, "zh") and "Festival" not in headline(brief, "en")


def test_the_annual_brief_of_the_running_year_equals_pandas(store, engine):
    span = brief_span(Period.parse("2026"), TZ, NOW_S, first_data_s(store))
    document = build_document(store, span, resolve_area(store, None), engine)
    brief = document.brief
    assert brief.span.provisional and brief.span.kind == "year"
    assert brief.totals.received == received_between(store, date(2026, 1, 1), date(2027, 1, 1), NOW_S)
    assert list(brief.daily["period"]) == ["2026"]          # 2025 is not covered whole: no trend bar of it
    zh, en = render_html(document, "zh"), render_html(document, "en")
    assert "城市运行年报" in zh and "上年" in zh and "Annual brief" in en and "年报" not in en


def test_an_annual_brief_of_a_year_the_data_does_not_cover_whole_is_refused(store, engine):
    with pytest.raises(BriefRefused) as refused:
        brief_of(store, engine, "2025")
    assert refused.value.reason == "partial_year"
    assert "不足全年" in refused.value.message("zh") and "needs the whole year" in refused.value.message("en")
