"""Map geometry: simplified per level, rounded, every unit present; a view that fits the city."""

import numpy as np
import shapely

from data import geo


def test_unit_geojson_has_every_unit_rounded(tiny_con):
    collection = geo.unit_geojson(tiny_con, "street")
    codes = [f["id"] for f in collection["features"]]
    expected = [r[0] for r in tiny_con.execute("SELECT code FROM admin_units WHERE level = 'street' ORDER BY code").fetchall()]
    assert codes == expected
    ring = collection["features"][0]["geometry"]["coordinates"][0]
    assert all(round(x, 5) == x for x, _ in ring)
    shapes = [shapely.geometry.shape(f["geometry"]) for f in collection["features"]]
    assert all(s.is_valid and s.area > 0 for s in shapes)


def test_city_view_fits_the_city(tiny_con):
    view = geo.city_view(tiny_con, 640, 340)
    city = shapely.from_wkb(tiny_con.execute("SELECT geometry FROM admin_units WHERE level = 'city'").fetchone()[0])
    assert city.envelope.contains(shapely.Point(view["center"]["lon"], view["center"]["lat"]))
    width_px = (city.bounds[2] - city.bounds[0]) * 512 * 2 ** view["zoom"] / 360
    assert 400 < width_px <= 641


def test_river_feature(tiny_con):
    river = geo.feature_geojson(tiny_con, "river")
    assert len(river["features"]) == 1


def test_city_view_keeps_the_city_clear_of_covered_sides(tiny_con):
    """A legend over the map's left (and a colour bar at its right): the city fits the free middle."""
    width, left, right = 900, 300, 100
    view = geo.city_view(tiny_con, width, 600, left, right)
    minx, _miny, maxx, _maxy = shapely.from_wkb(tiny_con.execute(
        "SELECT geometry FROM admin_units WHERE level = 'city'").fetchone()[0]).bounds
    px_per_deg = 512 * 2 ** view["zoom"] / 360
    to_px = lambda lon: width / 2 + (lon - view["center"]["lon"]) * px_per_deg  # noqa: E731
    assert left - 1 <= to_px(minx) and to_px(maxx) <= width - right + 1
    assert (to_px(maxx) - to_px(minx)) > 0.8 * (width - left - right)       # and fills it


def test_city_view_keeps_the_city_clear_of_the_top_and_bottom(tiny_con):
    """Buttons over the map's top and legends across its bottom: the city fits the free band between."""
    height, top, bottom = 900, 100, 300
    view = geo.city_view(tiny_con, 600, height, 0, 0, top, bottom)
    _minx, miny, _maxx, maxy = shapely.from_wkb(tiny_con.execute(
        "SELECT geometry FROM admin_units WHERE level = 'city'").fetchone()[0]).bounds
    world_px = 512 * 2 ** view["zoom"]
    mercator_y = lambda lat: world_px * (1 - np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) / np.pi) / 2  # noqa: E731
    to_px = lambda lat: height / 2 + mercator_y(lat) - mercator_y(view["center"]["lat"])  # noqa: E731
    assert top - 1 <= to_px(maxy) and to_px(miny) <= height - bottom + 1
