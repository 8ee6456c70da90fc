"""Every map over the offline basemap, in real Chromium: /map at each level and the wall at 1920×1080,
3840×2160, 5760×1080 (and 16:10). Tiles come from the app's own origin, nothing leaves it, no console
error; each map has a legend with its unit and names the level above; the wall draws a district's red
alert on the whole district and keeps its text at 24 px or more per 1080 px of height."""

from __future__ import annotations

import pytest

import layouts.map_page
import layouts.screen
import layouts.screen_map
from data import db
from layouts.i18n import t
from tests.browser import UNITS_GIVEN_JS, chromium_page, running_server, sign_in
from tests.conftest import TINY_NOW
from tests.test_map_browser import INDICATOR, drill_path

pytestmark = pytest.mark.browser
TEXT_MODULES = (layouts.map_page, layouts.screen, layouts.screen_map)     # importing them registers their texts
WALLS = ((1920, 1080), (3840, 2160), (5760, 1080), (1920, 1200))
MAP_READY = f"""sel => {{ const g = document.querySelector(sel + ' .js-plotly-plot');
    const m = g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot && g._fullLayout.map._subplot.map;
    return Boolean(m && g.data[0].locations.length > 0 && ({UNITS_GIVEN_JS})(g, g._fullLayout.map._subplot)
        && m.isStyleLoaded() && m.loaded() && m.areTilesLoaded() && m.getSource('city-basemap')
        && m.getStyle().layers.some(l => l.id.startsWith('plotly-trace-layer'))); }}"""
NAMES_DRAWN = """sel => { const m = document.querySelector(sel + ' .js-plotly-plot')._fullLayout.map._subplot.map;
    return m.queryRenderedFeatures().filter(f => f.layer.type === 'symbol')
            .map(f => f.properties.text || f.properties.name); }"""
LEGEND_TEXT = "sel => [...document.querySelectorAll(sel + ' .colorbar')].map(e => e.textContent).join(' ')"
NAMES_LISTED = """([sel, names]) => { const g = document.querySelector(sel + ' .js-plotly-plot');
    const m = g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot && g._fullLayout.map._subplot.map;
    if (!m || !m.getSource('city-basemap') || !m.getStyle()) return false;
    const drawn = new Set(m.queryRenderedFeatures().filter(f => f.layer.type === 'symbol').map(f => f.properties.text || f.properties.name));
    return names.every(n => drawn.has(n)); }"""
SMALLEST_TEXT = """() => { let least = 1e9, where = '';
    for (const el of document.querySelectorAll('.screen-root *')) {
        if (!el.offsetParent || ![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
        const size = parseFloat(getComputedStyle(el).fontSize);
        if (size < least) { least = size; where = el.className + ': ' + el.textContent.slice(0, 20); } }
    return [least, where]; }"""


def _names(path) -> dict[str, dict[str, str]]:
    """Return {level: {code: Chinese name}} of the store's units (read before a server holds the file)."""
    con = db.open_store(path, read_only=True)
    rows = con.execute("SELECT level, code, name_zh FROM admin_units").fetchall()
    con.close()
    names: dict[str, dict[str, str]] = {}
    for level, code, name in rows:
        names.setdefault(level, {})[code] = name
    return names


def _tiles_seen(page) -> list:
    seen = []
    page.on("response", lambda r: "/basemap/tiles/" in r.url and seen.append((r.status, r.url)))
    return seen


@pytest.fixture(scope="module")
def city(tmp_path_factory, tiny_db_path):
    """Yield (url, db path, the district on red alert) of a server on a copy of the tiny city."""
    path = tmp_path_factory.mktemp("basemap-browser") / "city.duckdb"
    path.write_bytes(tiny_db_path.read_bytes())
    con = db.open_store(path)
    district = con.execute("SELECT code FROM admin_units WHERE level = 'district' ORDER BY code LIMIT 1").fetchone()[0]
    con.execute("INSERT INTO alerts (indicator_id, unit_code, level, kind, state, severity, peak_severity, started_at, "
                "fired_at) VALUES ('cases.intake.count.today', ?, 'district', 'threshold', 'firing', 'red', 'red', "
                "now(), now())", [district])
    inside = set(con.execute("SELECT code FROM admin_units WHERE level = 'grid' AND district_code = ?",
                             [district]).df()["code"])
    con.close()
    facts = {"chain": drill_path(path), "names": _names(path), "red_grids": inside}
    with running_server(path, "--at", TINY_NOW, timeout_s=600) as url:
        yield url, facts


def test_map_at_every_level_draws_over_the_basemap_with_legend_and_the_level_above(city, artifacts_dir):
    url, facts = city
    chain, names = facts["chain"], facts["names"]  # chain: (code, lon, lat) of a district, street, community, grid
    views = [(None, "city", None)] + [(code, level, code) for (code, *_), level in
                                      zip(chain[:3], ("district", "street", "community"))]
    with chromium_page((1600, 1000)) as (page, watch):
        tiles = _tiles_seen(page)
        sign_in(page, url, next_path="/")
        for unit, level, code in views:
            page.goto(f"{url}/map?indicator={INDICATOR}" + (f"&unit={unit}" if unit else ""))
            page.wait_for_function(MAP_READY, arg="#map-graph", timeout=120_000)
            page.wait_for_timeout(800)
            drawn = set(page.evaluate(NAMES_DRAWN, "#map-graph"))
            legend = page.evaluate(LEGEND_TEXT, "#map-graph")
            page.screenshot(path=str(artifacts_dir / "screenshots" / f"basemap-map-{level}.png"))
            expected = {names[level][code]} if code else set(names["city"].values())
            assert expected <= drawn, (level, expected, drawn)                        # the level above, named
            assert "件" in legend or t("map_page.status", "zh") in legend
    assert tiles and all(status == 200 for status, _ in tiles)
    assert all(u.startswith(url) for _, u in tiles)
    assert watch.errors == [] and watch.outside_requests == []


@pytest.mark.parametrize("size", WALLS, ids=[f"{w}x{h}" for w, h in WALLS])
def test_the_wall_over_the_basemap(city, size, artifacts_dir):
    url, facts = city
    with chromium_page(size) as (page, watch):
        tiles = _tiles_seen(page)
        sign_in(page, url, next_path="/")
        page.goto(f"{url}/screen?scene=overview&rotate=0")
        page.wait_for_selector("[data-testid='screen-alerts-title']", state="attached", timeout=180_000)
        # A wall's map keeps redrawing (the newest cases pulse): wait until the districts' names are drawn,
        # not until MapLibre is idle (a 4K canvas in software WebGL may never be).
        page.wait_for_function(NAMES_LISTED, arg=["#screen-map", sorted(facts["names"]["district"].values())],
                               timeout=240_000, polling=1000)
        layer = page.evaluate("() => { const d = document.querySelector('#screen-map .js-plotly-plot').data[0];"
                              " return [d.locations, d.z, d.showscale]; }")
        drawn = set(page.evaluate(NAMES_DRAWN, "#screen-map"))
        legend = page.evaluate(LEGEND_TEXT, "#screen-map")
        smallest, where = page.evaluate(SMALLEST_TEXT)
        stats_cut = page.evaluate("() => [...document.querySelectorAll('.screen-stat-value')]"
                                  ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)")
        alerts_title = page.inner_text("[data-testid='screen-alerts-title']")
        page.screenshot(path=str(artifacts_dir / "screenshots" / f"basemap-screen-{size[0]}x{size[1]}.png"),
                        timeout=120_000)
    inside, ranks = facts["red_grids"], dict(zip(layer[0], layer[1]))
    assert inside and all(ranks[code] == 4 for code in inside)                      # the red district is red
    assert layer[2] is True and t("screen.legend.alerts", "zh") in legend
    assert set(facts["names"]["district"].values()) <= drawn
    assert smallest >= 24 * min(size[1] / 1080, size[0] / 1920) - 0.5, where       # the 16:9 box the wall fills
    assert stats_cut == []
    assert t("screen.alerts.count", "zh").format(n=1).split()[0] in alerts_title
    assert tiles and all(u.startswith(url) for _, u in tiles)
    assert watch.errors == [] and watch.outside_requests == []


def test_a_map_without_basemap_still_draws(tiny_db_copy, artifacts_dir):
    con = db.open_store(tiny_db_copy)
    con.execute("DELETE FROM basemap_tiles")
    con.execute("DELETE FROM settings WHERE key LIKE 'basemap.%'")
    con.close()
    city_names = set(_names(tiny_db_copy)["city"].values())
    with running_server(tiny_db_copy, "--at", TINY_NOW, timeout_s=600) as url:
        with chromium_page((1400, 900)) as (page, watch):
            sign_in(page, url, next_path="/")
            page.goto(f"{url}/map?indicator={INDICATOR}")
            page.wait_for_selector("#map-graph canvas", timeout=120_000)
            page.wait_for_function("() => { const g = document.querySelector('#map-graph .js-plotly-plot');"
                                   " const m = g && g._fullLayout.map && g._fullLayout.map._subplot.map;"
                                   " return m && g.data[0].locations.length && m.loaded() && !m.getSource('city-basemap')"
                                   f" && ({UNITS_GIVEN_JS})(g, g._fullLayout.map._subplot); }}", timeout=120_000)
            page.wait_for_timeout(800)
            drawn = set(page.evaluate(NAMES_DRAWN, "#map-graph"))
            page.screenshot(path=str(artifacts_dir / "screenshots" / "basemap-none-map.png"))
    assert city_names <= drawn                                                     # names still drawn (app font)
    assert watch.errors == [] and watch.outside_requests == []
