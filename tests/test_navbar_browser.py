"""The navigation bar in real Chromium for an admin, who sees every page: one line at 1600 px wide in
Chinese and in English, and at 1280 px still whole (nothing cut or scrolled off) with the admin pages
one menu away."""

from __future__ import annotations

import pytest

import layouts.admin_users
from layouts.i18n import LANGUAGE_COOKIE, t
from tests.browser import chromium_page, running_server, sign_in
from tests.conftest import TINY_NOW

pytestmark = pytest.mark.browser
TEXT_MODULES = (layouts.admin_users,)          # importing it registers the menu entry's text
# The bar's visible items (not the menu's own entries) and whether they sit on one
# line: every item's box shares a horizontal band with every other one.
NAV_LINE = """() => { const nav = document.querySelector('.app-navbar');
    const items = [...nav.querySelectorAll('.navbar-brand, .navbar-text, .nav-link, button')]
        .filter(e => e.offsetParent && !e.closest('.nav-menu-list')).map(e => e.getBoundingClientRect());
    const band = [Math.max(...items.map(r => r.top)), Math.min(...items.map(r => r.bottom))];
    const shown = [...nav.querySelectorAll('.navbar-brand, .navbar-text, .nav-link, button')]
        .filter(e => e.offsetParent && !e.closest('.nav-menu-list'));
    const cut = shown.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText);
    const wrapped = shown.filter(e => { const s = getComputedStyle(e);
        const inner = e.clientHeight - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom);
        return inner > 1.8 * parseFloat(s.fontSize); }).map(e => e.innerText);
    return {items: items.length, oneLine: band[0] < band[1], height: nav.getBoundingClientRect().height, cut, wrapped,
            tallest: Math.max(...items.map(r => r.height)), right: Math.max(...items.map(r => r.right)),
            width: document.documentElement.clientWidth, scroll: document.documentElement.scrollWidth}; }"""


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_db_path):
    path = tmp_path_factory.mktemp("navbar") / "city.duckdb"
    path.write_bytes(tiny_db_path.read_bytes())
    with running_server(path, "--at", TINY_NOW, "--no-simulator") as url:
        yield url


def _bar(page, url: str, language: str, width: int, shots) -> dict:
    page.set_viewport_size({"width": width, "height": 900})
    page.context.add_cookies([{"name": LANGUAGE_COOKIE, "value": language, "url": url}])
    page.goto(f"{url}/alerts")
    page.wait_for_selector("[data-testid='account-name']", timeout=60_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(shots / f"navbar-admin-{language}-{width}.png"), clip={"x": 0, "y": 0, "width": width,
                                                                                      "height": 160})
    return page.evaluate(NAV_LINE)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_an_admins_navigation_bar_keeps_to_one_line(server, language, artifacts_dir):
    shots = artifacts_dir / "screenshots"
    with chromium_page((1600, 900)) as (page, watch):
        sign_in(page, server, next_path="/alerts")
        wide = _bar(page, server, language, 1600, shots)
        narrow = _bar(page, server, language, 1280, shots)
        page.click(".nav-menu-name")                              # the admin pages, one menu away
        page.screenshot(path=str(shots / f"navbar-admin-{language}-1280-menu.png"),
                        clip={"x": 0, "y": 0, "width": 1280, "height": 300})
        page.click(f".nav-menu-link >> text={t('nav.admin_users', language)}")
        page.wait_for_url(f"{server}/admin/users", timeout=30_000)
        page.wait_for_selector("[data-testid='admin-users-table']", timeout=30_000)
        menu_open = page.evaluate("() => document.querySelector('details.nav-menu').open")
        chosen_marked = page.evaluate("() => document.querySelector('.nav-menu-name').classList.contains('active')")
    for bar in (wide, narrow):
        assert bar["items"] >= 10
        assert bar["right"] <= bar["width"] and bar["scroll"] <= bar["width"], bar    # nothing cut or scrolled off
        assert bar["cut"] == [] and bar["wrapped"] == [], bar                          # no label cut or on two lines
    assert wide["oneLine"] and wide["height"] < 2 * wide["tallest"], wide
    assert not menu_open and chosen_marked               # closed once a page is chosen, marked as holding it
    assert watch.errors == [] and watch.outside_requests == []
