"""Finding and comparing units in real Chromium (issue #20, item 3): on /map the search finds a grid by
its code and a community by its name and the map lands there; the compare picker finds a unit of the
same level in another street. On the wall, opened by its display token, "/" opens the same search
with the keyboard alone and the map moves to the unit; the configured red-alert sound asks for a
gesture and stays silent for the red alerts open when the wall loaded."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlparse

import pytest

from data import db
from tests.browser import ROOT, chromium_page, running_server, sign_in
from tests.conftest import TINY_NOW
from tests.queries.test_map_page import add_indicator_history

pytestmark = pytest.mark.browser
INDICATOR = "cases.intake.count.today"


def cli(path, *args: str) -> str:
    return subprocess.run([sys.executable, "cli.py", *args, "--db", str(path)], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def searched_city(tmp_path_factory, tiny_db_path):
    """Yield (url, kiosk path, the units the tests look for) of a server on a copy of the tiny city with
    indicator history, a red alert already firing and the alert sound turned on."""
    import shutil

    path = tmp_path_factory.mktemp("unit-search") / "search.duckdb"
    shutil.copy(tiny_db_path, path)
    add_indicator_history(path)
    con = db.open_store(path)
    units = dict(zip(("grid", "community", "street"), con.execute(
        "SELECT code, parent_code, street_code FROM admin_units WHERE level = 'grid' ORDER BY code DESC LIMIT 1"
    ).fetchall()[0]))
    units["community_name"] = con.execute("SELECT name_zh FROM admin_units WHERE code = ?",
                                          [units["community"]]).fetchall()[0][0]
    units["other"], units["other_name"] = con.execute(        # a community of another street: no sibling
        "SELECT code, name_zh FROM admin_units WHERE level = 'community' AND street_code <> ? ORDER BY code LIMIT 1",
        [units["street"]]).fetchall()[0]
    con.execute("""INSERT INTO alerts (indicator_id, unit_code, level, kind, state, severity, peak_severity, started_at,
                   fired_at) VALUES ('cases.intake.count.today', ?, 'street', 'threshold', 'firing', 'red', 'red',
                   TIMESTAMPTZ '2026-11-20 14:00+08', TIMESTAMPTZ '2026-11-20 14:10+08')""", [units["street"]])
    con.close()
    cli(path, "settings", "set", "wall_alert_sound", "on")
    kiosk = json.loads(cli(path, "screens", "add", "hall"))["kiosk_path"]
    with running_server(path, "--at", TINY_NOW, timeout_s=600) as url:
        yield url, kiosk, units


def wait_until(page, script: str, arg=None, timeout_s: float = 90) -> None:
    """Wait until ``script`` (a JS function of ``arg``) returns true in the page."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(script, arg):
        assert time.monotonic() < deadline, f"timed out: {script[:100]}"
        page.wait_for_timeout(100)


def settled_zoom(page, apart_ms: int = 2500, reads: int = 3) -> float:
    """Return the wall map's zoom once ``reads`` reads ``apart_ms`` apart agree: the wall fits the city
    again once it has measured what covers the map's sides (the colour bar drawn with the first figure)."""
    page.wait_for_selector("#screen-map .colorbar", state="attached", timeout=60_000)
    seen = []
    for _ in range(40):
        seen.append(page.evaluate(f"{WALL_MAP}.layout.map.zoom"))
        if len(seen) >= reads and len(set(seen[-reads:])) == 1:
            return seen[-1]
        page.wait_for_timeout(apart_ms)
    raise AssertionError(f"the wall's zoom never settled: {seen}")


FIRST_VIEW_DRAWN = """() => { const gd = document.querySelector('#map-graph .js-plotly-plot');
    const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    return Boolean(sub && sub.map && sub.map.loaded() && gd.data[0].locations.length > 0); }"""
MAP_SHOWS = """([prefix, selected]) => {
    const gd = document.querySelector('#map-graph .js-plotly-plot');
    const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    return Boolean(sub && sub.map && sub.map.loaded() && gd.data[0].locations.length > 0
        && gd.data[0].locations.every(c => c.startsWith(prefix))
        && JSON.stringify(gd.data[1].locations) === JSON.stringify([selected]));
}"""


def search(page, box: str, text: str, code: str) -> None:
    """Type ``text`` into the search ``box`` and choose the unit ``code`` among the units found, by keyboard."""
    page.click(f"#{box}")
    page.keyboard.type(text, delay=40)
    page.wait_for_selector(f".dash-dropdown-option:has-text('{code}')", timeout=30_000)
    options = page.locator(".dash-dropdown-option").all_inner_texts()
    for _ in range(next(i for i, label in enumerate(options) if code in label) + 1):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")


def query_of(page) -> dict:
    return {key: values[-1] for key, values in parse_qs(urlparse(page.url).query).items()}


def test_the_map_finds_a_grid_by_code_a_community_by_name_and_compares_two_communities(searched_city, artifacts_dir):
    url, _kiosk, units = searched_city
    shots = artifacts_dir / "screenshots"
    with chromium_page((1600, 1000)) as (page, watch):
        sign_in(page, url, next_path=f"/map?indicator={INDICATOR}")
        wait_until(page, FIRST_VIEW_DRAWN)          # the page's map starts with the basemap alone, before the view

        search(page, "map-search", units["grid"], units["grid"])
        wait_until(page, MAP_SHOWS, [units["community"], units["grid"]])
        assert query_of(page) == {"indicator": INDICATOR, "level": "grid", "unit": units["community"],
                                  "select": units["grid"]}
        page.wait_for_selector(f"[data-testid='map-title'] >> text={units['grid']}", timeout=30_000)
        page.screenshot(path=str(shots / "unit-search-grid.png"))

        search(page, "map-search", units["community_name"], units["community"])
        wait_until(page, MAP_SHOWS, [units["street"], units["community"]])
        assert query_of(page) == {"indicator": INDICATOR, "level": "community", "unit": units["street"],
                                  "select": units["community"]}
        page.wait_for_selector(f"[data-testid='map-title'] >> text={units['community_name']}", timeout=30_000)
        assert page.inner_text("[data-testid='map-title']").startswith(units["community_name"])

        search(page, "map-compare", units["other_name"], units["other"])
        page.wait_for_selector(f"[data-testid='map-compare-table'] >> text={units['other']}", timeout=30_000)
        table = page.inner_text("[data-testid='map-compare-table']")
        assert query_of(page)["compare"] == units["other"] and units["community"] in table and "差值" in table
        wait_until(page, """names => { const gd = document.querySelector('#map-series .js-plotly-plot');
            return gd && names.every(n => gd.data.some(t => (t.name || '').startsWith(n))); }""",
                   [units["community_name"], units["other_name"]])
        page.screenshot(path=str(shots / "unit-search-compare.png"), full_page=True)
        page.go_back()                                  # each step made a history entry: back to no compare, then the grid
        wait_until(page, "() => !new URLSearchParams(location.search).has('compare')")
        page.go_back()
        wait_until(page, MAP_SHOWS, [units["community"], units["grid"]])
    assert watch.outside_requests == []
    assert watch.errors == []


WALL_MAP = "document.querySelector('#screen-map .js-plotly-plot')"


def test_the_wall_finds_a_unit_with_the_keyboard_alone_and_goes_back(searched_city, artifacts_dir):
    url, kiosk, units = searched_city
    shots = artifacts_dir / "screenshots"
    with chromium_page((1920, 1080)) as (page, watch):
        page.goto(url + kiosk)                              # the display token's session: no sign-in
        page.wait_for_url(f"{url}/screen")
        page.wait_for_selector("#screen-map .maplibregl-canvas", timeout=120_000)
        wait_until(page, f"() => {WALL_MAP} && {WALL_MAP}.data.length >= 4")
        hint = page.locator("[data-testid='screen-sound-hint']")
        hint.wait_for(state="visible", timeout=30_000)
        assert hint.inner_text() == "点击或按任意键启用红色预警提示音"          # configured, not yet allowed
        city_zoom = settled_zoom(page)

        page.keyboard.press("/")
        page.wait_for_selector("[data-testid='screen-search'].screen-search-open", timeout=10_000)
        wait_until(page, "() => document.activeElement.classList.contains('dash-dropdown-search')")
        page.keyboard.type(units["grid"], delay=40)
        page.wait_for_selector(f".dash-dropdown-option:has-text('{units['grid']}')", timeout=30_000)
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.wait_for_selector(f"[data-testid='screen-focus-note'] >> text={units['grid']}", timeout=30_000)
        wait_until(page, f"""code => {{ const layers = {WALL_MAP}.layout.map.layers;
            return layers[layers.length - 1].source.features[0].id === code; }}""", units["grid"])
        assert page.evaluate(f"{WALL_MAP}.layout.map.zoom") > city_zoom + 2
        assert "screen-search-open" not in page.get_attribute("[data-testid='screen-search']", "class")
        page.wait_for_timeout(3000)                          # MapLibre draws the unit
        page.screenshot(path=str(shots / "unit-search-wall.png"))
        assert hint.inner_text() == "红色预警提示音已开启"                     # the key press allowed sound
        scene = page.inner_text("#screen-scene-title")
        page.keyboard.press("ArrowRight")                     # the wall's own keys work again
        wait_until(page, "old => document.getElementById('screen-scene-title').innerText !== old", scene)

        page.keyboard.press("Escape")
        wait_until(page, f"z => {WALL_MAP}.layout.map.zoom === z", city_zoom)
        assert page.inner_text("[data-testid='screen-focus-note']") == ""
        sound = page.evaluate("window.cityScreenSound")
    assert sound == {"plays": 0, "heard": 0, "unlocked": True}      # the red alert open at load: no sound
    assert watch.outside_requests == []
    assert watch.errors == []


def test_the_wall_sound_plays_once_for_each_new_red_alert(searched_city):
    url, kiosk, _units = searched_city
    with chromium_page((1920, 1080)) as (page, watch):
        page.goto(url + kiosk)
        page.wait_for_url(f"{url}/screen")
        page.locator("[data-testid='screen-sound-hint']").wait_for(state="visible", timeout=120_000)
        page.mouse.click(960, 540)                            # the gesture a browser asks for
        wait_until(page, "() => window.cityScreenSound.unlocked")
        update = "red => window.dash_clientside.screenSound.update({enabled: true, src: '/assets/alert-red.wav', red})"
        page.evaluate(update, ["9001@1"])                    # a red alert appears: one tone
        page.evaluate(update, ["9001@1"])                    # still the same alert: silence
        plays_after_one = page.evaluate("window.cityScreenSound.plays")
        page.evaluate(update, ["9001@1", "9002@5"])          # another: one more
        page.evaluate(update, ["9002@5"])                    # the first one cleared: nothing
        page.evaluate(update, ["9002@5", "9003@9", "9004@9"])    # two at once: one tone each
        plays = page.evaluate("window.cityScreenSound.plays")
        wait_until(page, "() => window.cityScreenSound.heard === 4", timeout_s=20)      # played out, one after another
        tone = page.request.get(f"{url}/assets/alert-red.wav")
        tone_status, tone_head = tone.status, tone.body()[:4]
    assert plays_after_one == 1 and plays == 4
    assert tone_status == 200 and tone_head == b"RIFF"
    assert watch.outside_requests == []
    assert watch.errors == []
