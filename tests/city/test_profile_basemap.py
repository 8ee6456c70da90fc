"""The profile's ``basemap`` key: a city's intranet MapLibre style, which then draws every map."""

from __future__ import annotations

import pytest

from data import db, profile
from layouts.basemap_style import store_style
from tests.city.test_profile import MINIMAL, ROLES, _write

STYLE = "http://tiles.city.intranet/styles/city.json"


def test_an_intranet_style_is_kept_and_drawn_instead_of_the_stores_tiles(tmp_path):
    store = db.open_store(tmp_path / "c.duckdb")
    city = profile.load_profile(_write(tmp_path, {**MINIMAL, "basemap": STYLE}), ROLES)
    profile.write_profile(store, city)
    assert store_style(store, "light", "zh", "http://app") == STYLE
    profile.write_profile(store, profile.load_profile(_write(tmp_path, MINIMAL), ROLES))     # taken away again
    style = store_style(store, "light", "zh", "http://app")
    assert isinstance(style, dict) and "city-basemap" not in style["sources"]              # no tiles: bare style


@pytest.mark.parametrize("value", ["file:///etc/passwd", "javascript:alert(1)", "http://x/a b.json", "tiles.json"])
def test_a_basemap_that_is_not_an_http_url_is_refused(tmp_path, value):
    with pytest.raises(profile.ProfileError, match="basemap: .* not an http"):
        profile.load_profile(_write(tmp_path, {**MINIMAL, "basemap": value}), ROLES)
