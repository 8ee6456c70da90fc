"""The units' geometry route: a level's GeoJSON by its fingerprint, for the roles that open /map only,
kept by the browser for good; nothing else answered."""

from __future__ import annotations

import gzip
import json

from data import geo


def _current(secured, level: str) -> geo.LevelGeometry:
    return secured.app_context.unit_geometry(level)


def test_an_analyst_gets_the_levels_units_gzipped_and_kept(secured):
    served = _current(secured, "street")
    answer = secured.client("analyst").get(served.path, headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200 and answer.headers["Content-Encoding"] == "gzip"
    assert answer.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    collection = json.loads(gzip.decompress(answer.data))
    codes = [row[0] for row in secured.app_context.cursor().execute(
        "SELECT code FROM admin_units WHERE level = 'street' ORDER BY code").fetchall()]
    expected = json.loads(json.dumps(geo.unit_geojson(secured.app_context.cursor(), "street")))
    assert [f["id"] for f in collection["features"]] == codes and collection == expected
    plain = secured.client("analyst").get(served.path, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and json.loads(plain.data) == collection


def test_signed_out_and_roles_without_the_map_get_no_geometry(secured):
    path = _current(secured, "grid").path
    signed_out = secured.client("anonymous").get(path)
    assert signed_out.status_code in (302, 303, 401) and b"coordinates" not in signed_out.data
    for role in ("department", "screen"):
        refused = secured.client(role).get(path)
        assert refused.status_code == 403 and b"coordinates" not in refused.data


def test_an_unknown_version_or_level_is_404_and_never_names_a_file(secured):
    client = secured.client("analyst")
    served = _current(secured, "grid")
    stale = "0" * geo.FINGERPRINT_CHARS if served.fingerprint != "0" * geo.FINGERPRINT_CHARS else "1" * geo.FINGERPRINT_CHARS
    for path in (f"/geometry/grid/{stale}.json", f"/geometry/province/{served.fingerprint}.json",
                 f"/geometry/grid/{served.fingerprint.upper()}.json", "/geometry/grid/etc-passwd.json",
                 f"/geometry/..grid/{served.fingerprint}.json"):
        answer = client.get(path)
        assert answer.status_code == 404 and b"coordinates" not in answer.data, path
    for beyond in ("/geometry/grid/..%2F..%2Fetc%2Fpasswd.json", f"/geometry/..%2Fgrid/{served.fingerprint}.json"):
        answer = client.get(beyond)                                # not the route: the app's page
        assert answer.mimetype == "text/html" and b"coordinates" not in answer.data and b"root:" not in answer.data
    assert "error" in client.get(f"/geometry/grid/{stale}.json").get_json()


def test_the_fingerprint_names_the_content(tiny_con):
    """The same units give the same address (every server process alike); other units another one."""
    first, again = geo.level_geometry(tiny_con, "grid"), geo.level_geometry(tiny_con, "grid")
    assert first.fingerprint == again.fingerprint and first.gzipped == again.gzipped
    assert geo.level_geometry(tiny_con, "street").fingerprint != first.fingerprint
    assert first.path == f"/geometry/grid/{first.fingerprint}.json"
