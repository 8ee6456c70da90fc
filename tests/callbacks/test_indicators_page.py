"""The /indicators callbacks and catalog search, called directly on a copy of the tiny city."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from callbacks import context
from data import db
from indicators.catalog import load_catalog
from indicators.catalog_search import search_catalog
from indicators.coverage import Lack
from layouts.indicators_page import fmt_value
from tests.callbacks.test_overview import by_testid

TZ = "Asia/Shanghai"
AQI = "air.aqi.hourly.last_hour"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.mark.parametrize("query, expected", [
    ("空气质量指数", AQI), ("AIR.AQI.HOURLY", AQI), ("hotline.intake.count.today", "hotline.intake.count.today"),
    ("12345热线 超期", "hotline.backlog.overdue_count.now"), ("Real-time AQI", AQI),
])
def test_search_finds_by_chinese_or_english_name_and_by_code(catalog, query, expected):
    hits, total = search_catalog(catalog, query)
    assert expected in [hit.indicator.id for hit in hits[:5]] and total >= 1


def test_search_by_domain_or_subject_name(catalog):
    hits, total = search_catalog(catalog, "满意度", domain="hotline")
    assert total > 0 and all(hit.indicator.domain == "hotline" for hit in hits)
    assert all(hit.indicator.subject == "satisfaction" or "满意" in hit.indicator.name_zh for hit in hits)


def test_an_exact_code_ranks_first_and_nothing_matches_nonsense(catalog):
    hits, _ = search_catalog(catalog, "hotline.intake.count.today")
    assert hits[0].indicator.id == "hotline.intake.count.today"
    assert search_catalog(catalog, "'; DROP TABLE indicator_latest; --") == ([], 0)
    assert search_catalog(catalog, "")[1] == len(catalog)


@pytest.fixture
def installed(tiny_db_copy, catalog, monkeypatch):
    import callbacks.indicators_page as page

    con = db.open_store(tiny_db_copy)
    city = con.execute("SELECT code FROM admin_units WHERE level = 'city'").fetchall()[0][0]
    at = datetime(2026, 11, 20, 7, 0, tzinfo=timezone.utc)
    con.execute("INSERT INTO indicator_latest_rows VALUES (?, ?, 'city', 87.25, NULL, NULL, 80, 'yellow', ?)",
                [AQI, city, at.timestamp() - 120])
    con.execute("INSERT INTO indicator_instants VALUES (?, ?, ?)", [AQI, at, at])
    app_context = context.AppContext(con=con, tz=TZ, city_name_zh="云江市", city_name_en="Yunjiang City",
                                     catalog=catalog)
    context.install(app_context)
    yield app_context
    context.install(None)
    con.close()


def test_results_and_detail_show_the_stored_city_value(installed):
    from callbacks.indicators_page import show_detail, show_results

    results = show_results("空气质量指数", None, [], "zh")
    row = by_testid(results)[f"indicator-row-{AQI}"]
    assert row[-1].children == f"{fmt_value(87.25)} AQI" and row[0].children.children == "黄色"
    detail = by_testid(show_detail(AQI, "en"))
    assert detail["indicator-value"] == "87.25" and detail["indicator-id"] == AQI
    assert "kind = 'air_national'" in str(detail["indicator-measures"])
    assert detail["indicator-owner"]


def test_an_indicator_the_city_lacks_an_input_for_is_marked_and_explained_in_the_ui_language(installed):
    from callbacks.indicators_page import label_controls, show_detail, show_results

    shared = installed.catalog                       # the fixture is the module's: restored below
    installed.catalog = replace(shared, lacking={AQI: (Lack("readings"),),
                                                 "air.aqi.daily.yesterday": (Lack("case_field", ("satisfaction",)),)})
    try:
        row = by_testid(show_results("空气质量指数", None, [], "zh"))[f"indicator-row-{AQI}"]
        only_computable = by_testid(show_results("空气质量指数", None, ["computable"], "zh"))
        detail_zh = str(by_testid(show_detail(AQI, "zh"))["indicator-coverage"])
        detail_en = str(by_testid(show_detail("air.aqi.daily.yesterday", "en"))["indicator-coverage"])
        label = label_controls("en")[3][0]["label"]
    finally:
        installed.catalog = shared
    assert row[0].children.children == "缺少输入" and f"indicator-row-{AQI}" not in only_computable
    assert "本市尚无监测读数" in detail_zh and "the feeds never fill a case's citizen rating" in detail_en
    assert label.endswith(f"({len(shared) - 2} of {len(shared)} indicators compute for this city)")


def test_an_unknown_or_missing_id_says_so(installed):
    from callbacks.indicators_page import show_detail

    assert "indicator-unknown" in by_testid(show_detail("no.such.indicator.id", "en"))
    assert by_testid(show_detail(None, "en")) == {}


def test_the_definition_is_shown_in_the_ui_language(installed):
    from callbacks.indicators_page import show_detail

    indicator = installed.catalog[AQI]
    zh = by_testid(show_detail(AQI, "zh"))["indicator-definition"]
    en = by_testid(show_detail(AQI, "en"))["indicator-definition"]
    assert zh == indicator.definition_zh and "空气质量指数" in zh and "HJ 663-2013" in zh
    assert en == indicator.definition and "national stations" in en
