"""The /summary page in real Chromium: the brief of a date, its downloads and the archive."""

from __future__ import annotations

import subprocess
import sys

import pytest

from data import db
from data.clock import DEFAULT_TZ
from reporting.days import day_span
from tests.browser import ROOT, TEST_ADMIN, chromium_page, running_server, sign_in
from tests.conftest import TINY_NOW

pytestmark = pytest.mark.browser
DAY = "2026-11-19"
ARCHIVED = "2026-11-18"
LEADER = ("leader1", "Leader-pass-123", "leader")
SCREENLESS = ("guest1", "Guest-pass-1234", "duty_officer")


def _received(path, day: str) -> int:
    from datetime import date
    span = day_span(date.fromisoformat(day), DEFAULT_TZ)
    con = db.open_store(path, read_only=True)
    try:
        return con.execute("SELECT count(*) FROM events WHERE received_at >= ? AND received_at < ?",
                           [span.start, span.end]).fetchall()[0][0]
    finally:
        con.close()


def test_summary_page_shows_the_brief_and_serves_its_files(tiny_db_copy, artifacts_dir):
    received = _received(tiny_db_copy, DAY)
    subprocess.run([sys.executable, "cli.py", "report", "--date", ARCHIVED, "--archive", "--db", str(tiny_db_copy)],
                   cwd=ROOT, check=True, capture_output=True)
    users = (TEST_ADMIN + ("admin",), LEADER)
    with running_server(tiny_db_copy, "--at", TINY_NOW, users=users) as url, chromium_page() as (page, watch):
        sign_in(page, url, user=LEADER, next_path=f"/summary?date={DAY}")
        page.wait_for_selector("[data-testid='summary-headline']", timeout=60_000)
        assert f"{received:,}" in page.locator("[data-testid='summary-headline']").inner_text()
        assert page.locator("[data-testid='summary-kpi-received']").inner_text() == f"{received:,}"
        assert page.locator("[data-testid='summary-scorecard-table'] tbody tr").count() >= 10
        page.wait_for_selector(f"[data-testid='summary-archive'] >> text={ARCHIVED}", timeout=15_000)
        href = page.locator("[data-testid='summary-download-pdf']").get_attribute("href")
        assert href == f"/reports/brief-{DAY}.pdf?lang=zh"
        assert page.locator("[data-testid='summary-attention']").is_visible()
        page.wait_for_timeout(500)
        page.screenshot(path=str(artifacts_dir / "screenshots" / "summary-zh.png"), full_page=True)
        page.emulate_media(media="print")                 # the print stylesheet: the brief without the navbar
        assert not page.locator(".app-navbar").is_visible()
        assert not page.locator("[data-testid='summary-archive']").is_visible()
        assert page.locator("[data-testid='summary-headline']").is_visible()
        page.emulate_media(media="screen")

        pdf = page.request.get(f"{url}/reports/brief-{ARCHIVED}.pdf")
        assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
        html = page.request.get(f"{url}/reports/brief-{DAY}.html")
        assert html.status == 200 and f"{received:,}".encode() in html.body()
        assert page.request.get(f"{url}/reports/brief-2026-13-45.pdf").status == 400
        future = page.request.get(f"{url}/reports/brief-2027-01-01.pdf")
        assert future.status == 400 and "尚未开始" in future.json()["error"]

        page.goto(f"{url}/summary?date=2026-11-20&kind=month")          # the running month: provisional
        page.wait_for_selector("[data-testid='summary-provisional']", timeout=60_000)
        assert "数据未完结" in page.locator("[data-testid='summary-provisional']").inner_text()
        page.goto(f"{url}/summary?date=2027-01-01")
        page.wait_for_selector("[data-testid='summary-refused']", timeout=30_000)
        assert "尚未开始" in page.locator("[data-testid='summary-refused']").inner_text()

    assert watch.errors == []
    assert watch.outside_requests == []


def test_brief_downloads_need_a_signed_in_role(tiny_db_copy):
    with running_server(tiny_db_copy, "--at", TINY_NOW) as url, chromium_page() as (page, watch):
        answer = page.request.get(f"{url}/reports/brief-{DAY}.html", max_redirects=0)
        assert answer.status in (302, 401, 403)
