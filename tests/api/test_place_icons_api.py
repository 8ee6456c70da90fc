"""The place icons' sprite: named by the style on the app's own origin, served to any session (a
wall's too) and to no one else, its index matching its image at both pixel ratios."""

from __future__ import annotations

import io

from PIL import Image

from data.places import shipped_icons, shipped_kinds


def test_the_style_names_the_sprite_on_its_own_origin(secured):
    style = secured.client("screen").get("/basemap/style.json?theme=dark&lang=en").get_json()
    assert style["sprite"] == "http://localhost/basemap/sprite"


def test_no_session_no_sprite(secured):
    anonymous = secured.client("anonymous")
    for path in ("/basemap/sprite.json", "/basemap/sprite@2x.png"):
        assert anonymous.get(path).status_code in (302, 303, 401)


def test_the_sprite_holds_every_kind_icon_at_both_ratios(secured):
    client = secured.client("analyst")
    for suffix, ratio in (("", 1), ("@2x", 2)):
        index = client.get(f"/basemap/sprite{suffix}.json").get_json()
        image = Image.open(io.BytesIO(client.get(f"/basemap/sprite{suffix}.png").data))
        assert set(index) == {f"cv-place-{name}" for name in shipped_icons()}
        assert {f"cv-place-{k.icon}" for k in shipped_kinds()} <= set(index)
        assert image.size == (24 * ratio * len(index), 24 * ratio)
        for entry in index.values():
            assert entry["pixelRatio"] == ratio and entry["width"] == entry["height"] == 24 * ratio
            box = (entry["x"], entry["y"], entry["x"] + entry["width"], entry["y"] + entry["height"])
            assert image.crop(box).getbbox() is not None            # an icon is drawn there, not a blank
