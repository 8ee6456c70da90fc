"""San Francisco, loaded from examples/ with one command, in real Chromium: the wall, the map, the
brief and the catalog show its figures (counted here from the store) in Los Angeles time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import cli
from data import db
from tests.browser import chromium_page, running_server, sign_in

pytestmark = pytest.mark.browser
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sanfrancisco"
TZ = ZoneInfo("America/Los_Angeles")
AT = "2011-10-15T12:00"
BRIEF_DAY = "2011-10-14"


@pytest.fixture(scope="module")
def sf_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sf-browser") / "sf.duckdb"
    assert cli.main(["city", "load", str(EXAMPLE), "--db", str(path), "--quiet"]) == 0
    return path


def _count(path: Path, sql: str, *params) -> int:
    con = db.open_store(path, read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()[0][0]
    finally:
        con.close()


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def test_san_francisco_in_its_own_time_on_the_wall_map_brief_and_catalog(sf_store, artifacts_dir):
    midnight, now = _local("2011-10-15T00:00"), _local(AT)
    hotline_today = _count(sf_store, "SELECT count(*) FROM events WHERE source = 'sf_311' AND received_at >= ? "
                           "AND received_at <= ?", midnight, now)
    all_today = _count(sf_store, "SELECT count(*) FROM events WHERE received_at >= ? AND received_at <= ?", midnight, now)
    brief_day = _count(sf_store, "SELECT count(*) FROM events WHERE received_at >= ? AND received_at < ?",
                       _local(f"{BRIEF_DAY}T00:00"), midnight)
    newest = _count(sf_store, "SELECT max(received_at) FROM events WHERE received_at <= ?", now).astimezone(TZ)
    shots = artifacts_dir / "screenshots"
    with running_server(sf_store, "--at", AT) as url, chromium_page() as (page, watch):
        sign_in(page, url, next_path="/screen")
        page.wait_for_selector("[data-testid='screen-kpi-hotline']", timeout=60_000)
        assert page.locator("[data-testid='screen-kpi-hotline']").inner_text() == str(hotline_today)
        wall = page.inner_text("body")
        assert "311市民热线今日受理" in wall and "2011-10-15 12:00" in wall     # its channel, LA time
        assert newest.strftime("%H:%M") in page.locator("[data-testid='screen-ticker']").inner_text()
        page.screenshot(path=str(shots / "city-sf-screen.png"))

        page.goto(f"{url}/map?indicator=cases.intake.count.today")
        page.wait_for_selector("[data-testid='map-value']", timeout=60_000)
        assert page.locator("[data-testid='map-value']").inner_text().startswith(str(all_today))
        assert page.locator("[data-testid='map-as-of']").inner_text() == "2011-10-15 12:00"
        page.wait_for_selector("[data-testid='map-children'] >> text=Mission", timeout=30_000)   # its neighbourhoods
        page.screenshot(path=str(shots / "city-sf-map.png"))

        page.goto(f"{url}/summary?date={BRIEF_DAY}")
        page.wait_for_selector("[data-testid='summary-kpi-received']", timeout=60_000)
        assert page.locator("[data-testid='summary-kpi-received']").inner_text() == f"{brief_day:,}"
        assert "旧金山" in page.inner_text("body")

        page.goto(f"{url}/indicators?id=grid_governance.intake.count.today")
        page.wait_for_selector("[data-testid='indicator-coverage']", timeout=60_000)
        assert "没有以下角色的渠道：grid" in page.locator("[data-testid='indicator-coverage']").inner_text()
        page.goto(f"{url}/indicators?id=cases.intake.count.today")
        page.wait_for_selector("[data-testid='indicator-value']", timeout=60_000)
        assert page.locator("[data-testid='indicator-value']").inner_text() == str(all_today)
        assert "2011-10-15 12:00" in page.inner_text("[data-testid='indicator-detail']")
        page.screenshot(path=str(shots / "city-sf-indicators.png"))
    assert watch.errors == [] and watch.outside_requests == []
