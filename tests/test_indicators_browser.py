"""The /indicators page in real Chromium: find an indicator by a Chinese term and by its code; values equal the store's."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from data import db
from layouts.indicators_page import fmt_value
from tests.browser import chromium_page, running_server, sign_in
from tests.conftest import TINY_NOW

pytestmark = pytest.mark.browser
ANALYST = ("ana", "Analyst-pass-1", "analyst")
AQI = "air.aqi.hourly.last_hour"
HOTLINE = "hotline.intake.count.today"


def _calibrated_grid_bounds(indicator_id: str) -> str:
    """Return the tiny city's calibrated grid bounds of an indicator as the page's table row shows them."""
    document = yaml.safe_load((Path(__file__).resolve().parents[1] / "data" / "demo" / "thresholds_tiny.yaml").read_text())
    bounds = document["thresholds"][indicator_id]["grid"]
    return "\t".join(fmt_value(bounds[s]) for s in ("blue", "yellow", "orange", "red"))


def _search(page, text: str) -> None:
    page.fill("#indicators-search", text)
    page.keyboard.press("Enter")


def test_find_an_indicator_by_chinese_name_and_by_code(tiny_db_copy, artifacts_dir):
    shots = artifacts_dir / "screenshots"
    with running_server(tiny_db_copy, "--at", TINY_NOW, "--no-simulator", users=(ANALYST,)) as url, \
            chromium_page() as (page, watch):
        sign_in(page, url, ANALYST, "/indicators")
        page.wait_for_selector("[data-testid='indicators-table']", timeout=90_000)
        _search(page, "空气质量指数")
        page.wait_for_selector(f"[data-testid='indicator-row-{AQI}']", timeout=90_000)
        page.locator(f"[data-testid='indicator-row-{AQI}'] a").click()
        page.wait_for_selector(f"[data-testid='indicator-id'] >> text={AQI}", timeout=90_000)
        assert "id=air.aqi.hourly.last_hour" in page.url
        aqi_shown = page.inner_text("[data-testid='indicator-value']")
        aqi_row_value = page.inner_text(f"[data-testid='indicator-row-{AQI}'] td:last-child")
        map_href = page.get_attribute("[data-testid='indicator-map-link'] a", "href")
        page.screenshot(path=str(shots / "indicators-search-zh.png"), full_page=True)

        _search(page, HOTLINE)
        page.wait_for_selector(f"[data-testid='indicator-row-{HOTLINE}']", timeout=90_000)
        first_row = page.locator("[data-testid^='indicator-row-']").first.get_attribute("data-testid")
        page.goto(f"{url}/indicators?id={HOTLINE}")
        page.wait_for_selector(f"[data-testid='indicator-id'] >> text={HOTLINE}", timeout=90_000)
        definition_zh = page.inner_text("[data-testid='indicator-definition']")
        page.click("#lang-en", no_wait_after=True, timeout=90_000)
        page.wait_for_selector("[data-testid='indicator-detail'] >> text=Thresholds", timeout=90_000)
        hotline = {key: page.inner_text(f"[data-testid='indicator-{key}']")
                   for key in ("value", "owner", "definition", "thresholds", "measures")}
        page.screenshot(path=str(shots / "indicators-code-en.png"), full_page=True)

    con = db.open_store(tiny_db_copy, read_only=True)
    try:
        stored = dict(con.execute("SELECT indicator_id, value FROM indicator_latest WHERE level = 'city' "
                                  "AND indicator_id IN (?, ?)", [AQI, HOTLINE]).fetchall())
    finally:
        con.close()
    assert aqi_shown == fmt_value(stored[AQI]) and aqi_row_value.startswith(fmt_value(stored[AQI]))
    assert map_href == f"/map?indicator={AQI}"
    assert first_row == f"indicator-row-{HOTLINE}"                       # the exact code ranks first
    assert hotline["value"] == fmt_value(stored[HOTLINE])
    assert hotline["owner"] == "市12345热线办" and "12345" in hotline["definition"]
    assert definition_zh == "今日受理的12345热线案件数。"                   # the definition in the UI's language
    assert hotline["definition"] == "Cases of the 12345 hotline received today."
    assert "channel = 'hotline'" in hotline["measures"]                  # a channel role, not one city's code
    assert f"grid\t{_calibrated_grid_bounds(HOTLINE)}" in hotline["thresholds"]   # the city's calibrated grid bounds
    assert "city\t1.2 ×" in hotline["thresholds"]                               # relative to the baseline
    assert watch.errors == []
    assert watch.outside_requests == []
