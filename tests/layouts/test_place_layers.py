"""The places and cameras layers' pure parts: where they sit among the map's traces, icons or dots,
hover text made inert, escaped and bounded, and a legend in one language."""

from __future__ import annotations

import pandas as pd

from layouts import map_page, place_layers
from layouts.i18n import t
from layouts.theme import CAMERA_COLOURS, PLACE_ICON_COLOURS

PLACES = pd.DataFrame({"place_id": ["a", "b"], "kind": ["school", "mine"], "name": ["<b>甲</b>" + "长" * 300, "乙矿"],
                       "name_en": [None, "Yi Quarry"], "lon": [119.4, 119.5], "lat": [32.1, 32.2],
                       "kind_zh": ["学校", "矿山"], "kind_en": ["School", "Mine"], "icon": ["school", "mine"]})
CAMERAS = pd.DataFrame({"camera_id": ["1", "2"], "name": ["东门\u202e监控", "西门"], "place": ["东门", "西门"],
                        "lon": [119.4, 119.5], "lat": [32.1, 32.2], "online": [True, False]})


def test_the_layers_follow_the_traces_the_map_draws():
    frame = pd.DataFrame({"code": ["g1"], "value": [1.0], "status": ["normal"], "name_zh": ["甲"], "name_en": ["A"]})
    drawing = {"style": None, "above_units": pd.DataFrame({"code": [], "name_zh": [], "name_en": [], "lon": [],
                                                           "lat": []}),
               "above_geojson": {"type": "FeatureCollection", "features": []}, "language": "zh"}
    figure = map_page.map_figure(frame, {"type": "FeatureCollection", "features": []}, {"center": {"lon": 0, "lat": 0},
                                 "zoom": 10}, {"z": [1.0]}, "x", drawing, "key")
    assert len(figure["data"]) == place_layers.OVERLAY_FROM


def test_places_are_icons_with_the_sprite_and_coloured_dots_without():
    with_sprite, without = (place_layers.place_trace(PLACES, "en", sprite, True) for sprite in (True, False))
    assert list(with_sprite.marker.symbol) == ["cv-place-school", "cv-place-mine"]
    assert list(without.marker.color) == [PLACE_ICON_COLOURS["school"], PLACE_ICON_COLOURS["mine"]]
    assert [c[1] for c in with_sprite.customdata] == ["School", "Mine"]
    assert with_sprite.customdata[1][0] == "Yi Quarry" and with_sprite.customdata[0][0].startswith("&lt;b&gt;甲")


def test_hover_text_is_inert_escaped_and_bounded():
    name = place_layers.place_trace(PLACES, "zh", True, True).customdata[0][0]
    assert "<" not in name and len(name) < 140 and name.endswith("…")
    camera = place_layers.camera_trace(CAMERAS, "zh", True)
    assert camera.customdata[0][0] == "东门监控"
    assert list(camera.marker.color) == [CAMERA_COLOURS[True], CAMERA_COLOURS[False]]
    assert [c[2] for c in camera.customdata] == [t("places.camera.online", "zh"), t("places.camera.offline", "zh")]


def test_switched_off_layers_are_hidden_and_the_legend_speaks_one_language():
    traces = place_layers.overlay_traces(PLACES, CAMERAS, ["cameras"], "en", True)
    assert [trace["visible"] for trace in traces] == [False, True]
    kinds = pd.DataFrame({"code": ["school"], "name_zh": ["学校"], "name_en": ["School"], "icon": ["school"],
                          "near_m": [200]})
    english = str(place_layers.legend(kinds, ["places", "cameras"], "en", True))
    assert "School" in english and "online" in english and "学校" not in english
    assert "/assets/place_icons/school.png" in english
    assert t("places.none", "zh") in str(place_layers.legend(kinds, ["places"], "zh", False))
