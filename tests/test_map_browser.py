"""The /map page in real Chromium: drill from the city to one grid and back, by clicks and by URL;
the side panel and the CSV export against the store (read after the server has let go of it)."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
import shapely

import layouts.map_page  # noqa: F401  (registers the page's texts)
from data import db
from tests.browser import UNITS_GIVEN_JS, chromium_page, running_server, sign_in
from tests.conftest import TINY_NOW
from tests.queries.test_map_page import MAP_INDICATORS, add_indicator_history

pytestmark = pytest.mark.browser
INDICATOR = MAP_INDICATORS[1]
LEVELS = ("district", "street", "community", "grid")


@pytest.fixture
def map_city(tiny_db_copy):
    add_indicator_history(tiny_db_copy)
    return tiny_db_copy


def drill_path(path) -> list[tuple[str, float, float]]:
    """Return (code, lon, lat of a point inside it) for a district, one of its streets, communities and grids."""
    con = db.open_store(path, read_only=True)
    chain, parent = [], None
    for level in LEVELS:
        code, wkb = con.execute("SELECT code, geometry FROM admin_units WHERE level = ? AND coalesce(parent_code, '') "
                                "LIKE ? ORDER BY area_km2 DESC, code LIMIT 1", [level, (parent or "") + "%"]).fetchall()[0]
        point = shapely.from_wkb(wkb).representative_point()
        chain.append((code, point.x, point.y))
        parent = code
    con.close()
    return chain


FADE_JS = "() => document.querySelector('#map-graph .js-plotly-plot')._fullLayout.map._subplot.map._fadeDuration"
DRAWN_JS = f"""prefix => {{
    const gd = document.querySelector('#map-graph .js-plotly-plot');
    const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    return Boolean(sub && sub.map && gd.data[0].locations.length > 0
        && gd.data[0].locations.every(c => c.startsWith(prefix)) && ({UNITS_GIVEN_JS})(gd, sub) && sub.map.loaded());
}}"""


def wait_until(page, script: str, arg=None, timeout_s: float = 90) -> None:
    """Wait until ``script`` (a JS function of ``arg``) returns true in the page, polled from Python."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(script, arg):
        assert time.monotonic() < deadline, f"timed out: {script[:80]}"
        page.wait_for_timeout(100)


def wait_settled(page, quiet_s: float = 1.0, timeout_s: float = 90) -> None:
    """Wait until no Dash callback has been pending for ``quiet_s`` (Dash titles the page
    "Updating..." while one is)."""
    deadline, quiet_since = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        if page.evaluate("() => document.title.startsWith('Updating')"):
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_s:
            return
        page.wait_for_timeout(100)
    raise AssertionError("callbacks still pending")


def wait_for_map(page, codes_prefix: str = "") -> None:
    """Wait until MapLibre has drawn the map and every location on it starts with ``codes_prefix``."""
    page.wait_for_selector("#map-graph canvas", timeout=90_000)
    wait_until(page, DRAWN_JS, codes_prefix)


CAMERA_JS = """() => {
    const map = document.querySelector('#map-graph .js-plotly-plot')._fullLayout.map._subplot.map;
    const c = map.getCenter();
    return map.isMoving() ? null : [c.lng, c.lat, map.getZoom()].map(v => v.toFixed(6)).join(',');
}"""


def wait_camera_still(page, timeout_s: float = 30) -> None:
    """Wait until the map's camera stays put for half a second (a new view may still be flying in)."""
    deadline, last = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        camera = page.evaluate(CAMERA_JS)
        if camera is not None and camera == last:
            return
        last = camera
        page.wait_for_timeout(500)
    raise AssertionError("the map kept moving")


def click_lonlat(page, lon: float, lat: float) -> None:
    """Click the map where the point (lon, lat) is drawn, once the camera has stopped."""
    wait_settled(page)
    wait_camera_still(page)
    x, y = page.evaluate("""([lon, lat]) => {
        const gd = document.querySelector('#map-graph .js-plotly-plot');
        const map = gd._fullLayout.map._subplot.map;
        const p = map.project([lon, lat]);
        const box = map.getCanvas().getBoundingClientRect();
        return [box.left + p.x, box.top + p.y];
    }""", [lon, lat])
    page.mouse.click(x, y)


def query(page) -> dict:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def panel(page) -> dict:
    """Return the side panel's title, value, status, rank and as-of texts."""
    return {key: page.locator(f"[data-testid='map-{key}']").inner_text()
            for key in ("title", "value", "status", "rank", "as-of")}


def wait_panel_for(page, code: str) -> dict:
    wait_until(page, "code => Boolean((document.querySelector(\"[data-testid='map-title']\") || {}).innerText"
                     "?.includes(code))", code)
    return panel(page)


def test_drill_to_a_grid_and_back_by_clicks_and_by_url(map_city, artifacts_dir, tmp_path):
    chain = drill_path(map_city)
    seen: dict[str, dict] = {}
    with running_server(map_city, "--at", TINY_NOW) as url, chromium_page() as (page, watch):
        sign_in(page, url, next_path=f"/map?indicator={INDICATOR}")
        wait_for_map(page)
        page.screenshot(path=str(artifacts_dir / "screenshots" / "map-city-zh.png"))
        assert INDICATOR in page.locator("#map-indicator").inner_text()     # the picker shows it from the first paint

        for depth, (code, lon, lat) in enumerate(chain):             # district → street → community → grid
            click_lonlat(page, lon, lat)
            seen[code] = wait_panel_for(page, code)
            if depth < 3:
                wait_for_map(page, code)
                assert query(page)["unit"] == code
                assert page.evaluate(FADE_JS) == 0                  # no label fades (assets/map_frames.js)
        assert query(page)["unit"] == chain[2][0] and query(page)["select"] == chain[3][0]
        crumbs = page.locator("[data-testid='map-crumbs']").inner_text()
        assert all(seen[code]["title"].split(" · ")[0] in crumbs for code, *_ in chain[:3])
        page.wait_for_selector("#map-events .ag-row", timeout=90_000)
        page.screenshot(path=str(artifacts_dir / "screenshots" / "map-grid-zh.png"), full_page=True)
        statuses = set(page.locator("#map-events .ag-row [col-id='status']").all_inner_texts())
        assert statuses and statuses <= {"已受理", "已签收", "已派遣", "已处置", "已办结"}
        pagination = page.locator("#map-events .ag-paging-panel").inner_text()
        assert "每页行数" in pagination and "Page" not in pagination

        with page.expect_download() as download:                     # values of the grids on the map
            page.click("#map-values-csv")
        csv_path = tmp_path / "values.csv"
        download.value.save_as(csv_path)
        with page.expect_download() as download:                     # the grid's cases
            page.click("#map-events-csv")
        cases_path = tmp_path / "cases.csv"
        download.value.save_as(cases_path)

        page.go_back()                                               # the back button: the grid deselected
        wait_until(page, "code => !location.search.includes('select=' + code)", chain[3][0])
        wait_for_map(page, chain[2][0])
        wait_settled(page)                                           # the pages router may render the page again
        page.click(f"[data-testid='map-crumb-{chain[0][0]}'] button")  # breadcrumb up to the district
        wait_for_map(page, chain[0][0])
        # the address follows the map (it lagged once behind a late render of the back navigation)
        wait_until(page, "code => new URLSearchParams(location.search).get('unit') === code", chain[0][0], 30)
        assert query(page)["unit"] == chain[0][0] and query(page)["level"] == "street"
        page.locator("[data-testid^='map-crumb-'] button").first.click()   # and to the city
        wait_until(page, "() => !location.search.includes('unit=')")
        wait_for_map(page)

        page.goto(f"{url}/map?indicator={INDICATOR}&unit={chain[2][0]}&select={chain[3][0]}")   # by URL
        by_url = wait_panel_for(page, chain[3][0])
        wait_for_map(page, chain[2][0])
        assert by_url == seen[chain[3][0]]
        page.goto(f"{url}/map?indicator={INDICATOR}&unit={chain[0][0]}")
        assert wait_panel_for(page, chain[0][0]) == seen[chain[0][0]]
        page.goto(f"{url}/map?indicator={INDICATOR}")
        wait_for_map(page)
        assert page.locator("[data-testid='map-crumbs']").inner_text().strip() != ""

    assert watch.errors == []
    assert watch.outside_requests == []
    check_against_store(map_city, seen, chain, csv_path)
    check_cases_csv(cases_path)


def check_cases_csv(path) -> None:
    """The cases grid's CSV starts with a BOM and writes times as local ISO 8601 with the offset."""
    assert path.read_bytes().startswith("\ufeff".encode())
    cases = pd.read_csv(path, dtype=str)
    received = cases.iloc[:, 4]                                      # the fifth column, as on the grid
    assert len(cases) > 0 and received.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00").all()


def check_against_store(path, seen: dict, chain: list, csv_path) -> None:
    """The panel's figures and the exported CSV equal the store's, read independently."""
    con = db.open_store(path, read_only=True)
    for code, *_ in chain:
        value, status = con.execute("SELECT value, status FROM indicator_latest WHERE indicator_id = ? AND unit_code = ?",
                                    [INDICATOR, code]).fetchall()[0]
        parent = con.execute("SELECT parent_code, level FROM admin_units WHERE code = ?", [code]).fetchall()[0]
        siblings = con.execute("""SELECT u.code, v.value FROM admin_units u LEFT JOIN indicator_latest v
            ON v.unit_code = u.code AND v.indicator_id = ? WHERE u.parent_code = ? AND u.level = ?""",
                               [INDICATOR, parent[0], parent[1]]).df()
        rank = int((siblings["value"] > value).sum()) + 1
        assert seen[code]["value"].split()[0] == f"{value:,.4g}"
        assert seen[code]["status"] == layouts.map_page.t(f"map_page.status.{status}", "zh")
        assert seen[code]["rank"].startswith(f"第 {rank} / {len(siblings)} 位")
    exported = pd.read_csv(csv_path, dtype={"code": str})
    expected = con.execute("""SELECT u.code, v.value, coalesce(v.status, 'no_data') AS status FROM admin_units u
        LEFT JOIN indicator_latest v ON v.unit_code = u.code AND v.indicator_id = ?
        WHERE u.level = 'grid' AND u.parent_code = ? ORDER BY u.code""", [INDICATOR, chain[2][0]]).df()
    con.close()
    assert exported["code"].tolist() == expected["code"].tolist()
    assert exported["value"].fillna(-1).tolist() == expected["value"].fillna(-1).tolist()
    assert exported["status"].tolist() == expected["status"].tolist()
