"""Issue 23, holes 4 and 11 in real Chromium: feed text 100,000 characters long and text with
direction overrides, stored before ingestion bounded them, render bounded and inert on /events
and on the wall (the page used to crash at 3.85 GB; U+202E showed gnp.exe as exe.png)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from data import db
from data.text import BIDI_CONTROLS, DISPLAY_LIMIT
from tests.browser import TEST_ADMIN, chromium_page, running_server, sign_in
from tests.conftest import TINY_NOW

pytestmark = pytest.mark.browser
LONG_CASE, BIDI_CASE = "HUGE-TEXT-1", "BIDI-TEXT-1"


def _plant(db_path) -> None:
    con = db.open_store(db_path)
    try:
        at = datetime(2026, 11, 20, 7, 29, tzinfo=timezone.utc)
        for event_id, source, text in ((LONG_CASE, "s" * 100_000, "长" * 100_000),
                                       (BIDI_CASE, "hotline_12345", "附件 invoice\u202egnp.exe 请查收")):
            con.execute("INSERT INTO events (source, event_id, category_code, received_at, status, description, "
                        "updated_at) VALUES (?, ?, (SELECT min(code) FROM event_categories), ?, 'received', ?, ?)",
                        [source, event_id, at, text, at])
    finally:
        con.close()


def test_events_page_and_wall_render_feed_text_bounded_and_inert(tiny_db_copy, artifacts_dir):
    _plant(tiny_db_copy)
    shots = artifacts_dir / "screenshots"
    with running_server(tiny_db_copy, "--at", TINY_NOW, "--no-simulator") as url, chromium_page() as (page, watch):
        sign_in(page, url, TEST_ADMIN, "/events")
        page.goto(f"{url}/events?case={BIDI_CASE}")
        page.wait_for_selector(f"[data-testid='case-title'] >> text={BIDI_CASE}", timeout=90_000)
        panel = page.inner_text("#events-case-panel")
        assert "gnp.exe" in panel and not set(panel) & set(BIDI_CONTROLS)
        page.goto(f"{url}/events?case={LONG_CASE}")
        page.wait_for_selector(f"[data-testid='case-title'] >> text={LONG_CASE}", timeout=90_000)
        page.wait_for_selector(".ag-row", timeout=90_000)
        longest = page.evaluate("Math.max(...Array.from(document.querySelectorAll('.ag-cell, #events-case-panel *'))"
                                ".filter(e => e.children.length === 0).map(e => e.textContent.length))")
        assert longest <= DISPLAY_LIMIT + 200, longest
        page.screenshot(path=str(shots / "events-long-feed-text.png"))
        page.goto(f"{url}/screen")
        page.wait_for_selector("[data-testid^='screen-kpi-']", timeout=90_000)
        page.wait_for_selector(".screen-ticker-item", timeout=90_000)
        ticker = page.inner_text(".screen-ticker-track")
        assert not set(ticker) & set(BIDI_CONTROLS) and max(map(len, ticker.split("\n"))) <= 2 * 200 + 100
        page.screenshot(path=str(shots / "screen-long-feed-text.png"))
    assert watch.errors == []
