"""The basemap's routes: for any session (a wall's too), never for anyone else; tiles kept by the browser."""

from __future__ import annotations

import gzip

from data import basemap, mvt
from tests.data.mvt_reader import read_tile


def _a_tile(secured) -> tuple[int, int, int]:
    con = secured.app_context.cursor()
    bounds = basemap.city_bounds(con)
    z = basemap.whole_city_zoom(bounds)
    x, y = mvt.tiles_covering(((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2) * 2, z)[0]
    return z, x, y


def test_no_session_no_basemap(secured):
    anonymous = secured.client("anonymous")
    for path in ("/basemap/style.json", "/basemap/tiles/10/851/414.pbf", "/basemap/font.otf"):
        assert anonymous.get(path).status_code in (302, 303, 401)


def test_a_wall_gets_the_style_on_its_own_origin(secured):
    answer = secured.client("screen").get("/basemap/style.json?theme=dark&lang=en")
    assert answer.status_code == 200
    style = answer.get_json()
    assert style["sources"]["city-basemap"]["tiles"] == ["http://localhost/basemap/tiles/{z}/{x}/{y}.pbf"]
    assert list(style["font-faces"].values()) == ["http://localhost/basemap/font.otf"]
    assert answer.headers["Cache-Control"] == "no-store"


def test_tiles_are_gzipped_cached_and_revalidated(secured):
    client = secured.client("analyst")
    z, x, y = _a_tile(secured)
    answer = client.get(f"/basemap/tiles/{z}/{x}/{y}.pbf")
    assert answer.status_code == 200 and answer.headers["Content-Encoding"] == "gzip"
    assert answer.headers["Cache-Control"].startswith("private, max-age=")
    assert "boundary" in read_tile(gzip.decompress(answer.data))
    again = client.get(f"/basemap/tiles/{z}/{x}/{y}.pbf", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304


def test_outside_the_city_a_tile_is_empty_and_nonsense_is_refused(secured):
    client = secured.client("analyst")
    assert client.get("/basemap/tiles/3/0/0.pbf").status_code == 204
    assert client.get("/basemap/tiles/3/8/0.pbf").status_code == 400              # x beyond 2**z
    assert client.get("/basemap/tiles/40/0/0.pbf").status_code == 400
    assert client.get("/basemap/tiles/3/-1/0.pbf").mimetype == "text/html"        # not a tile route: the app's page
    refused = client.get("/basemap/style.json?theme=../../etc/passwd")
    assert refused.status_code == 400 and "theme" in refused.get_json()["error"]


def test_the_font_is_served(secured):
    answer = secured.client("duty_officer").get("/basemap/font.otf")
    assert answer.status_code == 200 and answer.mimetype == "font/otf" and answer.data[:4] == b"OTTO"
