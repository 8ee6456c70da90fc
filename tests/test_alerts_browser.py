"""The /alerts page in real Chromium: acknowledge and silence an alert, and see the history record both;
on a store in America/Los_Angeles its times and its chart read Los Angeles time."""

from __future__ import annotations

import pytest

import layouts.alerts  # noqa: F401  (registers the page's texts)
from layouts.i18n import t
from tests.browser import TEST_ADMIN, chromium_page, running_server, sign_in
from tests.callbacks.test_alerts_page import fire_alert
from tests.conftest import LA_NOW, TINY_NOW

pytestmark = pytest.mark.browser


def _open_first_alert(page, tries: int = 3) -> str:
    """Open the first alert of the list; return its id. The list is drawn again when the alerts of the
    server's start-up refresh arrive, which can swallow a click made just before: click again then."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(tries):
        first = page.locator("[data-testid^='alert-row-']").first
        alert_id = first.get_attribute("data-testid").removeprefix("alert-row-")
        first.locator("button").click()
        try:
            page.wait_for_selector(f"[data-testid='alert-detail-title'] >> text=#{alert_id}", timeout=15_000)
            return alert_id
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise
    raise AssertionError("unreachable")


def test_acknowledge_and_silence_an_alert(tiny_db_copy, artifacts_dir):
    with running_server(tiny_db_copy, "--at", TINY_NOW) as url, chromium_page() as (page, watch):
        sign_in(page, url, next_path="/alerts")
        page.wait_for_selector("[data-testid='alerts-table']", timeout=60_000)
        alert_id = _open_first_alert(page)
        assert f"#{alert_id}" in page.locator("[data-testid='alert-detail-title']").inner_text()

        page.fill("#alerts-comment", "现场核实中")
        page.click("#alerts-ack")
        page.wait_for_selector(f"[data-testid='alert-history'] >> text={t('alerts.ack', 'zh')}", timeout=15_000)
        page.fill("#alerts-comment", "施工占道，已报备")
        page.fill("#alerts-silence-hours", "2")
        page.click("#alerts-silence")
        page.wait_for_selector(f"[data-testid='alert-history'] >> text={t('alerts.silence', 'zh')}", timeout=15_000)

        history = page.locator("[data-testid='alert-history']").inner_text()
        assert "现场核实中" in history and "施工占道，已报备" in history
        assert history.count(TEST_ADMIN[0]) == 2                       # the signed-in user is the actor
        row = page.locator(f"[data-testid='alert-row-{alert_id}']").inner_text()
        assert "已确认" in row and "已静默" in row
        page.wait_for_selector("#alert-trace .main-svg", timeout=15_000)
        page.screenshot(path=str(artifacts_dir / "screenshots" / "alerts-zh.png"), full_page=True)

    assert watch.errors == []
    assert watch.outside_requests == []


def test_silence_by_matcher_covers_the_alert_and_expires(tiny_db_copy, artifacts_dir):
    with running_server(tiny_db_copy, "--at", TINY_NOW) as url, chromium_page() as (page, watch):
        sign_in(page, url, next_path="/alerts")
        page.wait_for_selector("[data-testid='alerts-table']", timeout=60_000)
        page.wait_for_selector("[data-testid='silences-empty']", timeout=15_000)
        first = page.locator("[data-testid^='alert-row-']").first
        alert_id = first.get_attribute("data-testid").removeprefix("alert-row-")
        first.locator("button").click()
        title = page.locator("[data-testid='alert-detail-title']")
        title.wait_for(timeout=15_000)
        indicator, unit = title.inner_text().split(f"#{alert_id} ")[1].split(" · ")
        domain = indicator.split(".")[0] + ".*"

        page.fill("#alerts-silence-match", domain)
        page.fill("#alerts-silence-unit", unit.strip())
        page.fill("#alerts-silence-rule-hours", "3")
        page.fill("#alerts-silence-reason", "重大活动保障，现场已布控")
        page.click("#alerts-silence-add")
        page.wait_for_selector("[data-testid='silences-table']", timeout=15_000)
        assert "覆盖" in page.locator("#alerts-silence-message").inner_text()
        silence_row = page.locator("[data-testid^='silence-row-']").first
        assert domain in silence_row.inner_text() and "重大活动保障" in silence_row.inner_text()
        page.wait_for_selector(f"[data-testid='alert-row-{alert_id}'] >> text={t('alerts.silenced', 'zh')}",
                               timeout=15_000)
        page.wait_for_selector(f"[data-testid='alert-history'] >> text={t('alerts.field.silence', 'zh')}",
                               timeout=15_000)
        assert "重大活动保障" in page.locator("[data-testid='alert-history']").inner_text()
        page.screenshot(path=str(artifacts_dir / "screenshots" / "alerts-silence-zh.png"), full_page=True)

        silence_row.locator("button", has_text=t("alerts.silences.expire", "zh")).click()
        page.wait_for_selector("[data-testid='silences-empty']", timeout=15_000)
        row = page.locator(f"[data-testid='alert-row-{alert_id}']")
        page.wait_for_function("id => !document.querySelector(`[data-testid='alert-row-${id}']`).innerText"
                               ".includes('已静默')", arg=alert_id, timeout=15_000)
        assert "已静默" not in row.inner_text()

    assert watch.errors == []
    assert watch.outside_requests == []


def test_alert_times_are_the_stores_local_time(la_db_copy):
    alert_id = fire_alert(la_db_copy)                  # pending 09:00, firing 11:00, Los Angeles time
    with running_server(la_db_copy, "--at", LA_NOW) as url, chromium_page() as (page, watch):
        sign_in(page, url, next_path="/alerts")
        page.wait_for_selector(f"[data-testid='alert-row-{alert_id}']", timeout=60_000)
        page.locator(f"[data-testid='alert-row-{alert_id}'] button").click()
        page.wait_for_selector("#alert-trace .main-svg", timeout=15_000)
        history = page.locator("[data-testid='alert-history']").inner_text()
        first = page.evaluate("() => document.querySelector('#alert-trace .js-plotly-plot').data[0].x[0]")

    assert "11-03 09:00" in history and "11-03 17:00" not in history
    assert first.startswith("2026-11-03T09:00:00")              # the axis draws this wall clock
    assert watch.errors == []
    assert watch.outside_requests == []
