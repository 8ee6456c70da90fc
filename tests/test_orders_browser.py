"""The work order loop in real Chromium: a camera alarm arrives through the API, the duty officer
confirms it on /alarms (a case) and dispatches an order from that case to a department; the
department's user signs in, reports in, starts and feeds back; the duty officer verifies and closes
it; the history shows every actor and time. An alert links to its unit on the map and to a new
order; a department sees only its own orders."""

from __future__ import annotations

import pytest

from access import accounts
from access.departments import bind_department
from data import db
from layouts.orders_texts import FORM_SOURCES  # importing it registers the page's texts
from layouts.i18n import t
from tests.browser import TEST_ADMIN, chromium_page, running_server, sign_in
from tests.conftest import TINY_NOW
from tests.test_alarms_browser import CAMERA, _post, _prepare

pytestmark = pytest.mark.browser

DUTY = ("duty", "Duty-pass-123", "duty_officer")
WATER = ("water", "Water-pass-123")           # acts for 水务局
POLICE = ("police", "Police-pass-123")        # acts for 公安局: must not see the order
DEPARTMENT = "水务局"
WAIT = 90_000                                  # generous: the loop spans four sign-ins on a shared machine


assert {"alert", "case"} <= set(FORM_SOURCES)   # orders start from alerts and from cases (a confirmed alarm's)


def _department_users(path) -> None:
    con = db.open_store(path)
    for (name, password), department in ((WATER, DEPARTMENT), (POLICE, "公安局")):
        accounts.add_user(con, name, "department", password)
        bind_department(con, name, department)
    con.close()


def _switch(page, url: str, user: tuple, path: str) -> None:
    page.context.clear_cookies()
    sign_in(page, url, user=user, next_path=path)


HISTORY_ROWS = "[data-testid='order-history'] tbody tr"


def _step(page, action: str, text: str | None = None) -> None:
    """Take a step and wait for its row in the history (by the count of rows: a step's name, 办结, also
    appears in the dispatch row's deadlines, so waiting for the text alone would not wait at all)."""
    rows = page.locator(HISTORY_ROWS).count()
    if text:
        page.fill("#orders-step-text", text)
    page.click(f"[data-testid='order-steps'] button:has-text('{t(f'orders.step.{action}', 'zh')}')")
    page.wait_for_function("([selector, rows]) => document.querySelectorAll(selector).length > rows",
                           arg=[HISTORY_ROWS, rows], timeout=WAIT)


def _open_order(page, order_id: str) -> None:
    page.wait_for_selector("[data-testid='orders-list']", timeout=WAIT)
    page.click(f"[data-testid='orders-list'] button:has-text('#{order_id}')")
    page.wait_for_selector(f"[data-testid='order-detail-title'] >> text=#{order_id}", timeout=WAIT)


def _confirm_camera_alarm(page, url: str, token: str) -> str:
    """Post a smoke alarm through the API, confirm it on /alarms; return the alarm's id."""
    posted = _post(url, token, [{"camera_id": CAMERA, "type": "smoke", "occurred_at": TINY_NOW + "+08:00",
                                 "description": "东门口有烟雾"}])
    alarm_id = posted["results"][0]["alarm_id"]
    page.goto(f"{url}/alarms")
    page.wait_for_selector(f"[data-testid='alarm-row-{alarm_id}']", timeout=WAIT)
    page.click("#alarms-pick")
    page.get_by_role("option", name=f"#{alarm_id} 烟火 · 东门广场", exact=True).click()
    page.click("#alarms-confirm")
    page.wait_for_selector(f"[data-testid='alarms-message'] >> text=ALARM-{alarm_id}", timeout=WAIT)
    return str(alarm_id)


def test_the_loop_from_a_camera_alarm_to_a_closed_order(tiny_db_copy, artifacts_dir):
    _department_users(tiny_db_copy)
    token = _prepare(tiny_db_copy)
    shots = artifacts_dir / "screenshots"
    with running_server(tiny_db_copy, "--at", TINY_NOW, users=(TEST_ADMIN + ("admin",), DUTY)) as url, \
            chromium_page() as (page, watch):
        page.set_default_timeout(WAIT)
        sign_in(page, url, user=DUTY, next_path="/alerts")
        page.wait_for_selector("[data-testid='alerts-table']", timeout=WAIT)
        first = page.locator("[data-testid^='alert-row-']").first
        alert_id = first.get_attribute("data-testid").removeprefix("alert-row-")
        page.goto(f"{url}/alerts?alert={alert_id}")
        page.wait_for_selector("[data-testid='link-dispatch']", timeout=WAIT)
        assert page.locator("[data-testid='link-map'] a").get_attribute("href").startswith("/map?indicator=")
        assert "source=alert" in page.locator("[data-testid='link-dispatch'] a").get_attribute("href")

        alarm_id = _confirm_camera_alarm(page, url, token)
        page.screenshot(path=str(shots / "orders-alarm-confirmed.png"), full_page=True)
        page.goto(url + page.locator("[data-testid='alarms-message'] [data-testid='link-dispatch'] a")
                  .get_attribute("href"))                       # the confirmed alarm's case: a new order, followed
        page.wait_for_selector("[data-testid='orders-form']", timeout=WAIT)
        assert f"ALARM-{alarm_id}" in page.locator("[data-testid='orders-source']").inner_text()
        page.click("#orders-new-departments")
        page.keyboard.type(DEPARTMENT)                           # the dropdown's search box has the focus
        page.get_by_role("option", name=DEPARTMENT, exact=True).click()
        page.keyboard.press("Escape")
        page.fill("#orders-new-instructions", "立即核查，两小时内反馈")
        page.click("#orders-dispatch")
        page.wait_for_selector("[data-testid='order-detail-title']", timeout=WAIT)
        order_id = page.locator("[data-testid='order-detail-title']").inner_text().split("#")[1].split(" ")[0]
        page.screenshot(path=str(shots / "orders-dispatched.png"), full_page=True)

        _switch(page, url, POLICE, "/orders")
        page.wait_for_selector("[data-testid='orders-list'], [data-testid='orders-empty']", timeout=WAIT)
        assert f"#{order_id}" not in page.locator("#orders-list").inner_text()     # another department's order

        _switch(page, url, WATER, "/orders")
        page.wait_for_selector(f"#orders-heading >> text={DEPARTMENT}", timeout=WAIT)    # its own department's view
        _open_order(page, order_id)
        assert not page.locator("#orders-form").inner_text()                        # departments do not dispatch
        _step(page, "report_in")
        _step(page, "start")
        _step(page, "feedback", "已疏通排水口，积水已退")
        page.screenshot(path=str(shots / "orders-department.png"), full_page=True)

        _switch(page, url, DUTY, "/orders")
        _open_order(page, order_id)
        _step(page, "verify")
        _step(page, "close")
        page.screenshot(path=str(shots / "orders-closed.png"), full_page=True)
        history = page.locator(HISTORY_ROWS).all_inner_texts()

    steps = ["dispatch", "report_in", "start", "feedback", "verify", "close"]
    actors = ["duty", "water", "water", "water", "duty", "duty"]
    assert len(history) == len(steps), history
    for row, step, actor in zip(history, steps, actors):
        assert t(f"orders.step.{step}", "zh") in row and actor in row
        assert row.split("\t")[0].strip()[:2].isdigit()                           # a local time in each row
    assert watch.errors == []
    assert watch.outside_requests == []
