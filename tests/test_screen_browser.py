"""The wall screen in real Chromium at 1920×1080, 3840×2160 and 5760×1080, and its kiosk door."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

import layouts.screen  # noqa: F401  (registers the page's texts)
from data import db
from layouts import theme
from layouts.i18n import t
from tests.browser import ROOT, chromium_page, running_server, sign_in
from tests.conftest import TINY_NOW
from tests.queries.test_screen import TZ, _expected

pytestmark = pytest.mark.browser

WALLS = ((1920, 1080), (3840, 2160), (5760, 1080))
SCROLL = ("[document.documentElement.scrollWidth, document.documentElement.clientWidth,"
          " document.documentElement.scrollHeight, document.documentElement.clientHeight]")
# The cards and panels whose content is cut (taller than the box that shows it), by their first words.
CLIPPED = """() => [...document.querySelectorAll('.screen-kpi, .screen-panel')]
    .filter(el => el.scrollHeight > el.clientHeight + 1).map(el => el.innerText.slice(0, 20))"""


def _screens(db_path, *args: str) -> dict:
    done = subprocess.run([sys.executable, "cli.py", "screens", *args, "--db", str(db_path)], cwd=ROOT, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout) if done.stdout.strip().startswith("{") else {}


@pytest.fixture(scope="module")
def wall(tmp_path_factory, tiny_db_path):
    """Yield (url, kiosk path, revoked kiosk path, expected figures) of a server on a copy of the tiny city."""
    import shutil

    from data.clock import parse_instant

    path = tmp_path_factory.mktemp("screen") / "screen.duckdb"
    shutil.copy(tiny_db_path, path)
    kiosk, revoked = _screens(path, "add", "hall"), _screens(path, "add", "old-hall")
    _screens(path, "revoke", revoked["token_id"])
    con = db.open_store(path, read_only=True)
    events = con.execute("SELECT source, received_at, resolved_at, closed_at, due_at, satisfaction FROM events").df()
    con.close()
    expected = _expected(events, parse_instant(TINY_NOW, TZ))
    with running_server(path, "--at", TINY_NOW, timeout_s=600) as url:
        yield url, kiosk["kiosk_path"], revoked["kiosk_path"], expected, path


def _explain_errors(page) -> None:
    """Keep what console errors carry (plotly logs 'Map error.' and the error object apart) in window.__screenErrors."""
    page.add_init_script("""window.__screenErrors = []; const original = console.error;
        console.error = function (...args) {
            window.__screenErrors.push(args.map(a => a && a.error ? String(a.error.message) : String(a)).join(' | '));
            return original.apply(console, args); };""")


def _wait_for_screen(page) -> None:
    page.wait_for_selector("#screen-map .maplibregl-canvas", timeout=120_000)
    page.wait_for_selector("[data-testid='screen-kpi-hotline']", timeout=60_000)
    page.wait_for_function("document.querySelector('#screen-map .js-plotly-plot') &&"
                           " document.querySelector('#screen-map .js-plotly-plot').data.length >= 4", timeout=60_000)
    # MapLibre draws in a worker; a 4K canvas takes seconds in software WebGL: wait until it says it is done.
    page.wait_for_function("""() => { const g = document.querySelector('#screen-map .js-plotly-plot');
        const m = g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot
                  && g._fullLayout.map._subplot.map;
        return m && m.isStyleLoaded() && m.loaded() && m.getLayer &&
               m.getStyle().layers.some(l => l.id.startsWith('plotly-trace-layer')); }""", timeout=120_000)
    page.wait_for_timeout(2000)


@pytest.mark.parametrize("size", WALLS, ids=[f"{w}x{h}" for w, h in WALLS])
def test_screen_fills_the_wall(wall, size, artifacts_dir):
    url, _kiosk, _revoked, expected, _path = wall
    with chromium_page(size) as (page, watch):
        sign_in(page, url, next_path="/")
        page.goto(f"{url}/screen")
        _wait_for_screen(page)
        width, client_width, height, client_height = page.evaluate(SCROLL)
        text = {key: page.inner_text(f"[data-testid='screen-kpi-{key}']")
                for key in ("hotline", "grid_reported", "grid_closed", "ontime_rate", "satisfaction")}
        navbar_visible = page.is_visible(".app-navbar")
        clipped = page.evaluate(CLIPPED)
        clock, city_now = page.inner_text("#screen-clock"), datetime.now(ZoneInfo(TZ))
        page.screenshot(path=str(artifacts_dir / "screenshots" / f"screen-{size[0]}x{size[1]}.png"))

    assert width <= client_width and height <= client_height
    assert clipped == []
    assert not navbar_visible
    shown = datetime.strptime(clock.strip(), "%Y-%m-%d %H:%M:%S")
    offset_min = round((shown - city_now.astimezone(timezone.utc).replace(tzinfo=None)).total_seconds() / 900) * 15
    assert offset_min == city_now.utcoffset().total_seconds() / 60      # the city's zone, not the browser's (UTC)
    assert text["hotline"] == theme.fmt_int(expected["hotline"][0])
    assert text["grid_reported"] == theme.fmt_int(expected["grid_reported"][0])
    assert text["grid_closed"] == theme.fmt_int(expected["grid_closed"][0])
    assert text["ontime_rate"] == theme.fmt_pct(expected["ontime"][0] / expected["ontime_n"][0])
    assert text["satisfaction"] == theme.fmt_pct(expected["sat"][0] / expected["sat_n"][0])
    assert watch.errors == []
    assert watch.outside_requests == []


def test_keys_move_and_hold_the_scenes(wall, artifacts_dir):
    url, *_ = wall
    with chromium_page((1920, 1080)) as (page, watch):
        _explain_errors(page)
        sign_in(page, url, next_path="/")
        page.goto(f"{url}/screen?scene=overview&rotate=0")
        _wait_for_screen(page)
        page.evaluate("""document.querySelector('#screen-map .js-plotly-plot')._fullLayout.map._subplot.map
            .on('error', e => window.__screenErrors.push(String(e.error && e.error.message || e)))""")
        page.keyboard.press("PageDown")
        page.wait_for_selector(f"#screen-scene-title >> text={t('screen.scene.environment', 'zh')}", timeout=30_000)
        page.wait_for_selector("[data-testid='screen-panel-stations']", timeout=30_000)
        page.wait_for_timeout(1500)                              # the AQI layer: grids by their nearest station
        page.screenshot(path=str(artifacts_dir / "screenshots" / "screen-environment-aqi.png"))
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        page.wait_for_selector(f"#screen-scene-title >> text={t('screen.scene.grid', 'zh')}", timeout=30_000)
        page.keyboard.press(" ")
        page.wait_for_selector(f"#screen-scene-title >> text={t('screen.hold', 'zh')}", timeout=30_000)
        page.click("#screen-layer-crowd")
        page.wait_for_selector("#screen-layer-crowd.screen-layer-active", timeout=30_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(artifacts_dir / "screenshots" / "screen-grid-crowd.png"))
    assert watch.errors == []
    assert watch.outside_requests == []


def test_kiosk_token_opens_the_screen_without_login(wall, artifacts_dir):
    url, kiosk, revoked, *_ = wall
    with chromium_page((1920, 1080)) as (page, watch):
        page.goto(url + kiosk)
        page.wait_for_url(f"{url}/screen")
        _wait_for_screen(page)
        closure = page.inner_text("[data-testid='screen-kpi-closure_rate']")
        alerts_status = page.request.get(f"{url}/alerts").status          # a screen session reads only its page
        page.context.clear_cookies()
        refused = page.goto(url + revoked)
        refused_text = page.inner_text("body")
    assert closure.endswith("%")
    assert alerts_status == 403
    assert refused.status == 403 and "吊销" in refused_text
    assert watch.outside_requests == []
    assert [e for e in watch.errors if "403" not in e] == []             # the refused door's own 403 only


OVERLAYS_DRAWN = """() => { const g = document.querySelector('#screen-map .js-plotly-plot');
    const m = g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot && g._fullLayout.map._subplot.map;
    if (!m || !g._fullData || g.data.length < 6 || g.data[4].visible !== true || g.data[5].visible !== true) return false;
    const drawn = m.queryRenderedFeatures().filter(f => f.layer.id.startsWith('plotly-trace-layer'));
    const of = i => drawn.filter(f => f.layer.id.includes(g._fullData[i].uid));
    const icons = of(4).filter(f => f.layer.type === 'symbol' && f.layer.layout && f.layer.layout['icon-image']);
    const dots = of(5).filter(f => f.layer.type === 'circle');
    return m.hasImage('cv-place-school') && icons.length > 0 && dots.length > 0 ? [icons.length, dots.length] : false; }"""
OVERLAY_TEXT_SIZES = """() => [...document.querySelectorAll("[data-testid='screen-overlay-legend'] *, .screen-overlay-button")]
    .filter(el => el.offsetParent && [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
    .map(el => parseFloat(getComputedStyle(el).fontSize))"""
OVERLAY_FITS = """() => { const legend = document.querySelector("[data-testid='screen-overlay-legend']");
    const box = document.querySelector('#screen-map-box').getBoundingClientRect(), own = legend.getBoundingClientRect();
    const icons = [...legend.querySelectorAll('img')].map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0]);
    return [own.bottom <= box.bottom && own.right <= box.right, legend.scrollHeight <= legend.clientHeight + 1, icons]; }"""

# The city's drawn extent (every vertex of the grids projected by MapLibre), the legend's box and the
# map's canvas, in page px: [left, top, right, bottom].
CITY_AND_LEGEND = """() => { const g = document.querySelector('#screen-map .js-plotly-plot');
    const m = g._fullLayout.map._subplot.map, canvas = m.getCanvas().getBoundingClientRect();
    const own = document.querySelector("[data-testid='screen-overlay-legend']").getBoundingClientRect();
    const city = [Infinity, Infinity, -Infinity, -Infinity];
    const walk = c => { if (typeof c[0] !== 'number') { c.forEach(walk); return; }
        const p = m.project(c); city[0] = Math.min(city[0], canvas.left + p.x); city[1] = Math.min(city[1], canvas.top + p.y);
        city[2] = Math.max(city[2], canvas.left + p.x); city[3] = Math.max(city[3], canvas.top + p.y); };
    g.data[0].geojson.features.forEach(f => walk(f.geometry.coordinates));
    const bar = document.querySelector('#screen-map .colorbar').getBoundingClientRect();
    return {city, legend: [own.left, own.top, own.right, own.bottom], bar: [bar.left, bar.top, bar.right, bar.bottom],
            canvas: [canvas.left, canvas.top, canvas.right, canvas.bottom]}; }"""


def _overlaps(a: list, b: list) -> bool:
    """Return whether two [left, top, right, bottom] boxes share any area."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _city_clear_of_legend(page) -> dict:
    """Wait (up to 30 s: the wall measures its map each second and the server fits the city anew) until
    the city is drawn whole and clear of the legend; return the boxes either way for the assertion."""
    check = f"() => {{ const b = ({CITY_AND_LEGEND})(); const [c, v] = [b.city, b.canvas];" \
            " const apart = l => c[2] <= l[0] || l[2] <= c[0] || c[3] <= l[1] || l[3] <= c[1];" \
            " return apart(b.legend) && apart(b.bar) && c[0] >= v[0] - 2 && c[1] >= v[1] - 2 && c[2] <= v[2] + 2 && c[3] <= v[3] + 2; }"
    try:
        page.wait_for_function(check, timeout=30_000, polling=500)
    except PlaywrightTimeout:
        pass                                # the assertion names the boxes
    page.wait_for_timeout(1500)             # the redrawn map settles before the screenshot
    return page.evaluate(CITY_AND_LEGEND)


@pytest.mark.parametrize("size", WALLS, ids=[f"{w}x{h}" for w, h in WALLS])
def test_places_and_cameras_layers_on_the_wall(wall, size, artifacts_dir):
    """Through the display token's session (a wall has no user): key 5 and a click switch the layers on,
    the icons come from the app's own sprite, the legend is at the wall's text size; key 5 again hides
    the places."""
    url, kiosk, *_ = wall
    sprites = []
    with chromium_page(size) as (page, watch):
        _explain_errors(page)
        page.on("response", lambda r: "/basemap/sprite" in r.url and sprites.append((r.status, r.url)))
        page.goto(url + kiosk)
        page.wait_for_url(f"{url}/screen")
        page.goto(f"{url}/screen?scene=overview&rotate=0")
        _wait_for_screen(page)
        assert page.inner_text("[data-testid='screen-overlay-legend']").strip() == ""      # off by default
        page.keyboard.press("5")
        page.click("#screen-overlay-cameras")
        drawn = page.wait_for_function(OVERLAYS_DRAWN, timeout=120_000, polling=500).json_value()
        page.wait_for_selector("#screen-overlay-places.screen-overlay-on", timeout=30_000)
        legend = page.inner_text("[data-testid='screen-overlay-legend']")
        sizes, (inside, whole, icons) = page.evaluate(OVERLAY_TEXT_SIZES), page.evaluate(OVERLAY_FITS)
        boxes = _city_clear_of_legend(page)
        page.screenshot(path=str(artifacts_dir / "screenshots" / f"screen-places-{size[0]}x{size[1]}.png"))
        page.keyboard.press("5")
        page.wait_for_function("() => document.querySelector('#screen-map .js-plotly-plot').data[4].visible === false",
                               timeout=60_000)
        after = page.inner_text("[data-testid='screen-overlay-legend']")
        errors = page.evaluate("window.__screenErrors")
    assert drawn[0] >= 1 and drawn[1] >= 1
    assert {"学校", "医院", "矿山", "危化企业", "在线", "离线"} <= set(legend.split())
    assert t("places.layer.places", "zh") in legend and t("places.layer.cameras", "zh") in legend
    assert min(sizes) >= 24 * min(size[1] / 1080, size[0] / 1920) - 0.5          # the 16:9 box the wall fills
    assert inside and whole
    assert not _overlaps(boxes["city"], boxes["legend"]), boxes             # the legend hides no part of the city
    assert not _overlaps(boxes["city"], boxes["bar"]), boxes                # nor does the colour bar
    city, canvas = boxes["city"], boxes["canvas"]
    assert max((city[2] - city[0]) / (canvas[2] - canvas[0]), (city[3] - city[1]) / (canvas[3] - canvas[1])) >= 0.6, \
        boxes                                                               # the city is drawn large, not beside them
    assert city[0] >= canvas[0] - 2 and city[1] >= canvas[1] - 2 and city[2] <= canvas[2] + 2 \
        and city[3] <= canvas[3] + 2, boxes                                 # and the city is drawn whole
    assert len(icons) == 8 and all(src.startswith("/assets/place_icons/") and ok for src, ok in icons)
    assert sprites and all(status == 200 and s.startswith(url) for status, s in sprites)
    assert t("places.layer.places", "zh") not in after.split() and "在线" in after
    assert errors == [] and watch.errors == [] and watch.outside_requests == []
