"""The /events page in real Chromium: filter, open a case's timeline, masking decided by the server, inert text."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from data import audit
from data import db
from data.clock import parse_instant
from layouts.events_page import fmt_time
from tests.browser import chromium_page, running_server, sign_in
from tests.conftest import TINY_NOW

pytestmark = pytest.mark.browser
TZ = "Asia/Shanghai"
NAME, PHONE, ID_NUMBER = "欧阳娜娜", "13912345678", "32010219900307123X"
SCRIPT = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>"
DESCRIPTION = f"{NAME}来电（身份证{ID_NUMBER}，回电13800001111），住幸福路12号3栋401室，楼道堆物。{SCRIPT}"
ANALYST = ("ana", "Analyst-pass-1", "analyst")
DUTY = ("duty", "Duty-officer-pass-1", "duty_officer")
CASE = "PII-EV-1"


def plant_case(path) -> tuple[str, str]:
    """Add one overdue hotline case with personal data and a script to the store; return (grid, district)."""
    now = datetime.fromtimestamp(parse_instant(TINY_NOW, TZ), timezone.utc)
    received, accepted = now - timedelta(hours=30), now - timedelta(hours=29)
    con = db.open_store(path)
    try:
        grid, district = con.execute("SELECT code, district_code FROM admin_units WHERE level = 'grid' "
                                     "ORDER BY code LIMIT 1").fetchall()[0]
        con.execute("INSERT INTO events (source, event_id, category_code, grid_code, received_at, accepted_at, due_at, "
                    "status, handling_level, department, description, caller_name, caller_phone, updated_at) VALUES "
                    "('hotline_12345', ?, 'hotline.noise', ?, ?, ?, ?, 'accepted', 3, '生态环境局', ?, ?, ?, ?)",
                    [CASE, grid, received, accepted, received + timedelta(hours=24), DESCRIPTION, NAME, PHONE, accepted])
        con.execute("INSERT INTO event_versions (source, event_id, status, updated_at, handling_level, department) "
                    "VALUES ('hotline_12345', ?, 'received', ?, 3, '生态环境局')", [CASE, received])   # accepted: events
    finally:
        con.close()
    return grid, district


def _pick(page, dropdown_id: str, label: str) -> None:
    page.click(f"#{dropdown_id}")
    page.get_by_role("option", name=label, exact=True).click()


def _wait_for_search(page, part: str, tries: int = 180) -> None:
    """Wait until the address bar's query holds ``part`` (polled from Python: the CSP forbids eval in the page)."""
    for _ in range(tries):
        if part in page.evaluate("window.location.search"):
            return
        page.wait_for_timeout(500)
    raise AssertionError(f"{part} never reached the address bar: {page.url}")


def _open_planted_case(page) -> None:
    page.wait_for_selector(f".ag-row >> text={CASE}", timeout=90_000)
    page.locator(f".ag-row:has-text('{CASE}')").first.click()
    page.wait_for_selector(f"[data-testid='case-title'] >> text={CASE}", timeout=90_000)


def test_filter_open_a_case_masked_for_an_analyst_and_revealed_for_a_duty_officer(tiny_db_copy, artifacts_dir):
    grid, district = plant_case(tiny_db_copy)
    shots = artifacts_dir / "screenshots"
    with running_server(tiny_db_copy, "--at", TINY_NOW, "--no-simulator", users=(ANALYST, DUTY)) as url, \
            chromium_page() as (page, watch):
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        sign_in(page, url, ANALYST, "/events")
        page.goto(f"{url}/events?unit={district}&overdue=1")
        page.wait_for_selector(".ag-row", timeout=90_000)
        _pick(page, "events-source", "12345热线")
        _pick(page, "events-status", "已签收")
        _wait_for_search(page, "status=accepted")
        assert "source=hotline_12345" in page.url and f"unit={district}" in page.url and "overdue=1" in page.url
        _open_planted_case(page)

        grid_text = page.locator(".ag-center-cols-container").inner_text()
        panel = {key: page.inner_text(f"[data-testid='case-{key}']") for key in ("caller", "phone", "description", "sla")}
        steps = page.locator("[data-testid='timeline-step']").all_inner_texts()
        note = page.inner_text("[data-testid='events-reveal-note']")
        reveal_visible = page.is_visible("#events-reveal")
        page.screenshot(path=str(shots / "events-analyst-zh.png"), full_page=True)
        assert page.evaluate("window.__pwned") is None and dialogs == []

        page.context.clear_cookies()
        sign_in(page, url, DUTY, f"/events?case={CASE}")
        page.wait_for_selector(f"[data-testid='case-title'] >> text={CASE}", timeout=90_000)
        masked_for_duty = page.inner_text("[data-testid='case-phone']")
        page.click("#events-reveal")
        page.wait_for_selector(f"[data-testid='case-phone'] >> text={PHONE}", timeout=90_000)
        revealed = {key: page.inner_text(f"[data-testid='case-{key}']") for key in ("caller", "phone", "description")}
        page.screenshot(path=str(shots / "events-duty-revealed-zh.png"), full_page=True)
        assert page.evaluate("window.__pwned") is None and dialogs == []

    for secret in (NAME, PHONE, ID_NUMBER, "13800001111", "幸福路12号", "401室"):
        assert secret not in grid_text and secret not in " ".join(panel.values())
    assert panel["caller"] == "欧***" and panel["phone"] == "139****5678"
    assert "320***********123X" in panel["description"] and "138****1111" in panel["description"]
    assert "幸福路**号*栋***室" in panel["description"] and SCRIPT in panel["description"]   # shown as text
    assert "已超期" in panel["sla"]
    assert [s.split("\n")[1] for s in steps] == ["已受理", "已签收", "办理时限到期"]
    assert not reveal_visible and note == "您的角色无权查看个人信息"
    assert masked_for_duty == "139****5678"
    assert revealed == {"caller": NAME, "phone": PHONE, "description": DESCRIPTION}

    con = db.open_store(tiny_db_copy, read_only=True)
    try:
        stored = con.execute("SELECT caller_name, caller_phone, description, epoch(received_at)::BIGINT "
                             "FROM events WHERE event_id = ?", [CASE]).fetchall()[0]
        entries = audit.recent(con, 10, "pii.unmask")
    finally:
        con.close()
    assert stored[:3] == (NAME, PHONE, DESCRIPTION)                   # the store keeps the real values
    assert steps[0].startswith(fmt_time(stored[3], TZ))
    assert [(e["actor"], e["target"]) for e in entries] == [("duty", f"event:hotline_12345:{CASE}")]
    assert watch.errors == []
    assert watch.outside_requests == []
