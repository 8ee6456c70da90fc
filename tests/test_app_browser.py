"""The overview page in real Chromium: the store's numbers, no console errors, nothing off localhost."""

from __future__ import annotations

import pytest

from data import db
from layouts import theme
from queries.overview import city_today
from tests.browser import chromium_page, running_server, sign_in
from tests.conftest import TINY_NOW

pytestmark = pytest.mark.browser


@pytest.fixture
def expected(tiny_db_copy):
    """Return today's figures computed directly from the store, before the server takes it."""
    con = db.open_store(tiny_db_copy)
    from data.clock import parse_instant

    tz = db.get_setting(con, "city.tz")
    figures = city_today(con, parse_instant(TINY_NOW, tz), tz)
    con.close()
    return figures


def _text(page, testid: str) -> str:
    return page.locator(f"[data-testid='{testid}']").inner_text().strip()


def test_overview_shows_the_stores_figures(tiny_db_copy, expected, artifacts_dir):
    assert expected.received > 0 and expected.air.result.aqi is not None
    with running_server(tiny_db_copy, "--at", TINY_NOW) as url, chromium_page() as (page, watch):
        sign_in(page, url)
        page.wait_for_selector("[data-testid='kpi-received']", timeout=30_000)
        page.wait_for_selector("#hourly-chart .main-svg", timeout=30_000)
        page.wait_for_selector("#street-map canvas", timeout=30_000)
        page.wait_for_function("document.querySelector('#street-map .js-plotly-plot')._fullLayout !== undefined")
        assert _text(page, "kpi-received") == theme.fmt_int(expected.received)
        assert _text(page, "kpi-closed") == theme.fmt_int(expected.closed)
        assert _text(page, "kpi-closure-rate") == theme.fmt_pct(expected.closure_rate)
        assert _text(page, "kpi-open-overdue") == theme.fmt_int(expected.open_overdue)
        assert _text(page, "kpi-aqi") == str(expected.air.result.aqi)
        assert _text(page, "kpi-sensors") == theme.fmt_pct(expected.reporting_share, round_down=True)
        assert "今日城市运行概况" in page.content()
        page.screenshot(path=str(artifacts_dir / "screenshots" / "overview-zh.png"), full_page=True)

        page.click("#lang-en")
        page.wait_for_selector("text=The city today", timeout=15_000)
        assert _text(page, "kpi-received") == theme.fmt_int(expected.received)
        page.screenshot(path=str(artifacts_dir / "screenshots" / "overview-en.png"), full_page=True)

    assert watch.errors == []
    assert watch.outside_requests == []
