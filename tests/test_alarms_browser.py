"""The camera alarm, duty and delivery pages in real Chromium: a camera alarm posted through the API
is confirmed on /alarms (a case, a decision, a red alarm queued for the shift), /duty shows the
roster and the handover the server wrote at start-up, /deliveries lists the queued message."""

from __future__ import annotations

import json
import urllib.request

import pytest

import layouts.alarms_page  # noqa: F401  (registers the page's texts)
from data import cameras, db
from data.ingest import tokens
from layouts.i18n import t
from tests.browser import chromium_page, running_server, sign_in
from tests.conftest import TINY_NOW

pytestmark = pytest.mark.browser
CAMERA = "32110200001320000017"


def _prepare(path) -> str:
    """Register a camera and make an alarm token in the store; return the token."""
    con = db.open_store(path)
    grid = con.execute("SELECT min(code) FROM admin_units WHERE level = 'grid'").fetchone()[0]
    cameras.save_cameras(con, [{"camera_id": CAMERA, "name": "东门路口监控", "place": "东门广场", "lon": None,
                                "lat": None, "grid_code": grid, "online": True}])
    _, secret = tokens.create_token(con, "cameras", scope="alarms")
    con.close()
    return secret


def _post(url: str, token: str, body) -> dict:
    request = urllib.request.Request(f"{url}/api/v1/alarms", data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def test_confirm_a_camera_alarm_and_read_the_duty_pages(tiny_db_copy, artifacts_dir):
    token = _prepare(tiny_db_copy)
    shots = artifacts_dir / "screenshots"
    with running_server(tiny_db_copy, "--at", TINY_NOW) as url, chromium_page() as (page, watch):
        posted = _post(url, token, [{"camera_id": CAMERA, "type": "smoke", "occurred_at": TINY_NOW + "+08:00",
                                     "description": "东门口有烟雾"}])
        alarm_id = posted["results"][0]["alarm_id"]
        sign_in(page, url, next_path="/alarms")
        page.wait_for_selector(f"[data-testid='alarm-row-{alarm_id}']", timeout=60_000)
        page.click("#alarms-pick")
        page.get_by_role("option", name=f"#{alarm_id} 烟火 · 东门广场", exact=True).click()
        page.click("#alarms-confirm")
        page.wait_for_selector(f"[data-testid='alarms-message'] >> text=ALARM-{alarm_id}", timeout=15_000)
        page.wait_for_selector(f"[data-testid='alarm-decisions'] >> text=ALARM-{alarm_id}", timeout=15_000)
        assert page.locator(f"[data-testid='alarm-row-{alarm_id}']").count() == 0
        assert t("alarms.rates", "zh") in page.inner_text("body")
        page.screenshot(path=str(shots / "alarms-zh.png"), full_page=True)

        page.goto(f"{url}/duty")
        page.wait_for_selector("[data-testid='duty-shifts']", timeout=60_000)
        page.wait_for_selector("[data-testid='handover']", timeout=30_000)
        assert "当班" in page.inner_text("[data-testid='duty-shifts']")
        page.screenshot(path=str(shots / "duty-zh.png"), full_page=True)

        page.goto(f"{url}/deliveries")
        page.wait_for_selector("[data-testid='delivery-table'] >> text=新视频告警", timeout=60_000)
        assert "全部订阅方" in page.inner_text("[data-testid='delivery-table']")
        page.screenshot(path=str(shots / "deliveries-zh.png"), full_page=True)
        page.click("#lang-en")
        page.wait_for_selector("[data-testid='delivery-table'] >> text=every subscriber", timeout=15_000)
        page.goto(f"{url}/duty")
        page.wait_for_selector("[data-testid='duty-shifts']", timeout=60_000)
        page.click("#lang-zh")                # the page's own switch redraws it (a page loaded afresh
        page.click("#lang-en")                # draws in the stored language only after a switch)
        page.wait_for_selector("[data-testid='duty-shifts'] >> text=on duty", timeout=30_000)
        assert "leader" in page.inner_text("[data-testid='duty-shifts']")
        page.screenshot(path=str(shots / "duty-en.png"), full_page=True)

    assert watch.errors == []
    assert watch.outside_requests == []
