"""The places and cameras layers on /map, in real Chromium over the offline basemap: switched on, the
places draw with their kinds' icons from the app's own sprite and the cameras as dots by status; the
legend's icons load from the origin; a hover names a place and its kind; nothing leaves the origin
and the console stays clean. A place named like markup shows as text."""

from __future__ import annotations

import pytest

import layouts.map_page
import layouts.place_layers
from data import db
from tests.browser import chromium_page, running_server, sign_in
from tests.conftest import TINY_NOW
from tests.test_basemap_browser import MAP_READY
from tests.test_map_browser import INDICATOR

pytestmark = pytest.mark.browser
TEXT_MODULES = (layouts.map_page, layouts.place_layers)      # importing them registers their texts
MARKUP_NAME = "<b>粗体</b><img src=x onerror=alert(1)>学校"
LAYERS_DRAWN = """() => { const g = document.querySelector('#map-graph .js-plotly-plot');
    const m = g && g._fullLayout && g._fullLayout.map && g._fullLayout.map._subplot && g._fullLayout.map._subplot.map;
    if (!m || g.data.length < 5 || !g.data[3].visible || !g.data[4].visible) return false;
    const drawn = m.queryRenderedFeatures().filter(f => f.layer.id.startsWith('plotly-trace-layer'));
    const icons = drawn.filter(f => f.layer.type === 'symbol' && String(f.layer.layout && f.layer.layout['icon-image']).length);
    const dots = drawn.filter(f => f.layer.type === 'circle');
    return m.hasImage('cv-place-school') && icons.length > 0 && dots.length > 0 ? [icons.length, dots.length] : false; }"""
LEGEND_IMAGES = """() => [...document.querySelectorAll("[data-testid='map-place-legend'] img")]
    .map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0])"""
PLACE_POINT = """() => { const g = document.querySelector('#map-graph .js-plotly-plot');
    const m = g._fullLayout.map._subplot.map; const d = g.data[3];
    const i = d.customdata.findIndex(c => c[0].includes('粗体'));
    m.jumpTo({center: [d.lon[i], d.lat[i]]});              // wherever the view puts it, bring it to the middle
    const p = m.project([d.lon[i], d.lat[i]]); const r = m.getCanvas().getBoundingClientRect();
    return [r.left + p.x, r.top + p.y]; }"""


@pytest.fixture(scope="module")
def city(tmp_path_factory, tiny_db_path):
    """Yield (url, the store's places by kind) of a server on a copy of the tiny city, one school renamed
    to markup."""
    path = tmp_path_factory.mktemp("place-layers") / "city.duckdb"
    path.write_bytes(tiny_db_path.read_bytes())
    con = db.open_store(path)
    con.execute("UPDATE places SET name = ? WHERE place_id = (SELECT min(place_id) FROM places WHERE kind = 'school')",
                [MARKUP_NAME])
    kinds = dict(con.execute("SELECT kind, count(*) FROM places GROUP BY kind").fetchall())
    con.close()
    with running_server(path, "--at", TINY_NOW, timeout_s=600) as url:
        yield url, kinds


def test_places_and_cameras_layers_draw_from_the_origin(city, artifacts_dir):
    url, kinds = city
    assert len(kinds) == 8
    sprites = []
    with chromium_page((1600, 1000)) as (page, watch):
        page.on("response", lambda r: "/basemap/sprite" in r.url and sprites.append((r.status, r.url)))
        sign_in(page, url, next_path="/")
        page.goto(f"{url}/map?indicator={INDICATOR}")
        page.wait_for_function(MAP_READY, arg="#map-graph", timeout=120_000)
        page.get_by_label("重点场所").check()
        page.get_by_label("视频监控").check()
        drawn = page.wait_for_function(LAYERS_DRAWN, timeout=120_000, polling=500).json_value()
        page.wait_for_timeout(500)
        legend = page.inner_text("[data-testid='map-place-legend']")
        images = page.evaluate(LEGEND_IMAGES)
        page.screenshot(path=str(artifacts_dir / "screenshots" / "place-layers-map-page.png"), full_page=True)
        page.evaluate("() => document.querySelector('#map-graph').scrollIntoView()")   # the switches lie below it
        page.wait_for_function(MAP_READY, arg="#map-graph", timeout=120_000)   # settled after the full-page shot
        page.wait_for_timeout(1000)
        x, y = page.evaluate(PLACE_POINT)
        page.mouse.move(x, y)
        page.wait_for_selector("#map-graph .hoverlayer .hovertext", timeout=20_000)
        hover = page.evaluate("() => document.querySelector('#map-graph .hoverlayer').textContent")
        page.screenshot(path=str(artifacts_dir / "screenshots" / "place-layers-map.png"))
        page.click("#lang-en")                 # the page is drawn again in English: the layers are switched on anew
        page.wait_for_function(MAP_READY, arg="#map-graph", timeout=120_000)
        page.get_by_label("Places").check()
        page.get_by_label("Cameras").check()
        page.wait_for_function("() => { const t = document.querySelector(\"[data-testid='map-place-legend']\").textContent;"
                               " return t.includes('School') && t.includes('Camera online'); }", timeout=120_000)
        page.wait_for_function(LAYERS_DRAWN, timeout=120_000, polling=500)
        english = page.inner_text("[data-testid='map-place-layers']")
        page.screenshot(path=str(artifacts_dir / "screenshots" / "place-layers-map-en.png"))
    assert drawn[0] >= 1 and drawn[1] >= 1
    assert {"学校", "医院", "矿山", "危化企业"} <= set(legend.split()) | {w for w in legend.splitlines()}
    assert "在线" in legend and "离线" in legend
    assert len(images) == 8 and all(src.startswith("/assets/place_icons/") and ok for src, ok in images)
    assert sprites and all(status == 200 and s.startswith(url) for status, s in sprites)
    assert "<b>粗体</b>" in hover and "学校" in hover                     # the markup shows as text
    assert "Layers" in english and "Places" in english and "Chemical plant" in english
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english)         # no Han character left in the layers
    assert watch.errors == [] and watch.outside_requests == []
