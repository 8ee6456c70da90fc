"""A brief's signed link opened on a phone (390 px wide) in real Chromium, with no sign-in: the
brief fits the width, reads top to bottom, loads nothing from elsewhere; an expired link is refused."""

from __future__ import annotations

import pytest

from data.clock import parse_instant
from reporting.links import BriefLink, sign
from tests.browser import chromium_page, running_server
from tests.conftest import TINY_NOW

pytestmark = pytest.mark.browser
SECRET = "phone-test-secret"
PHONE = (390, 844)


def _link(url: str, period: str, area: str, lang: str, expires_s: int) -> str:
    return f"{url}/brief/{sign(BriefLink(period, area, lang, expires_s), SECRET.encode())}"


def test_a_brief_link_reads_on_a_phone(tiny_db_copy, tmp_path, monkeypatch, artifacts_dir):
    monkeypatch.setenv("CITY_LINK_SECRET", SECRET)
    monkeypatch.setenv("CITY_REPORTS_DIR", str(tmp_path / "reports"))
    now_s = parse_instant(TINY_NOW, "Asia/Shanghai")
    from data import db
    con = db.open_store(tiny_db_copy, read_only=True)
    district, name = con.execute("SELECT code, name_zh FROM admin_units WHERE level = 'district' ORDER BY code LIMIT 1").fetchone()
    con.close()
    with running_server(tiny_db_copy, "--at", TINY_NOW) as url, chromium_page(viewport=PHONE) as (page, watch):
        answer = page.goto(_link(url, "2026-11-19", district, "zh", now_s + 86_400))
        assert answer.status == 200
        page.wait_for_selector("[data-testid='kpi-received']")
        assert name in page.locator("[data-testid='brief-title']").inner_text()
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE[0], f"the brief is {width} px wide on a {PHONE[0]} px phone"
        kpi = page.locator("[data-testid='kpi-received']").bounding_box()
        assert kpi["width"] < PHONE[0] and kpi["x"] >= 0
        assert page.locator("[data-testid='attention']").is_visible()
        page.screenshot(path=str(artifacts_dir / "screenshots" / "brief-link-phone.png"), full_page=True)

        expired = page.goto(_link(url, "2026-11-19", district, "zh", now_s - 1))
        assert expired.status == 410
        running = page.goto(_link(url, "2026-11-20", "", "en", now_s + 3600))
        assert running.status == 200
        assert "has not ended" in page.locator("[data-testid='brief-provisional']").inner_text()
    assert watch.errors == ["Failed to load resource: the server responded with a status of 410 (GONE)"]   # the expired link
    assert watch.outside_requests == []
