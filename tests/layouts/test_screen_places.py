"""The wall's places and cameras layers as pure functions: where they sit in the wall's figure, their
legend with and without the app's sprite, and the switches in both languages."""

from __future__ import annotations

import pandas as pd
import pytest

from layouts import screen_map, screen_places

KINDS = pd.DataFrame([("school", "学校", "School", "school", 200), ("mine", "矿山", "Mine", "mine", 1000)],
                     columns=["code", "name_zh", "name_en", "icon", "near_m"])
PLACES = pd.DataFrame({"place_id": ["p1", "p2", "p3"], "kind": ["school", "school", "mine"],
                       "name": ["一中", "二中", "<b>矿</b>"], "name_en": [None, "No. 2", None],
                       "lon": [119.4, 119.41, 119.5], "lat": [32.2, 32.21, 32.3], "kind_zh": ["学校", "学校", "矿山"],
                       "kind_en": ["School", "School", "Mine"], "icon": ["school", "school", "mine"]})
CAMERAS = pd.DataFrame({"camera_id": ["c1", "c2"], "name": ["东门", "西门"], "place": ["一中", None],
                        "lon": [119.4, 119.5], "lat": [32.2, 32.3], "online": [True, False]})


def _empty_points() -> dict:
    return {"events": {"lon": [], "lat": []}, "newest": {"lon": [], "lat": []}}


def test_the_layers_sit_where_the_callback_patches_them():
    figure = screen_map.map_figure({"type": "FeatureCollection", "features": []}, {"center": {"lon": 0, "lat": 0},
                                   "zoom": 9}, {"locations": [], "z": []}, _empty_points(), {"lon": [], "lat": []}, "zh")
    for layer, index in screen_places.TRACE_INDEX.items():
        assert figure.data[index].name == layer and figure.data[index].visible is False


def test_the_legend_counts_each_kind_and_the_cameras_by_status():
    legend = screen_places.legend(PLACES, CAMERAS, KINDS, ["places", "cameras"], "zh", sprite=True)
    rows = [[_text(part) for part in item.children] for block in legend for item in block.children[1:]]
    assert rows[0][1:] == ["学校", "2 处"] and rows[1][1:] == ["矿山", "1 处"]
    assert rows[2][1:] == ["在线", "1 处"] and rows[3][1:] == ["离线", "1 处"]
    assert legend[0].children[1].children[0].src == "/assets/place_icons/school.png"


def test_under_a_style_without_the_sprite_the_legend_and_the_points_are_dots():
    legend = screen_places.legend(PLACES, CAMERAS, KINDS, ["places"], "en", sprite=False)
    mark = legend[0].children[1].children[0]
    assert mark.className == "screen-overlay-dot" and len(legend) == 1
    places, _cameras = screen_places.overlay_traces(PLACES, CAMERAS, ["places"], "en", False, 48.6)
    assert "symbol" not in places["marker"] and len(places["marker"]["color"]) == 3


def test_the_points_grow_with_the_wall_and_names_stay_text():
    small, _ = screen_places.overlay_traces(PLACES, CAMERAS, ["places"], "zh", True, 24.3)
    large, cameras = screen_places.overlay_traces(PLACES, CAMERAS, ["places"], "zh", True, 48.6)
    assert large["marker"]["size"] == pytest.approx(2 * small["marker"]["size"], rel=0.01)
    assert cameras["visible"] is False
    assert large["customdata"][2][0] == "&lt;b&gt;矿&lt;/b&gt;"


def test_the_switches_name_their_layer_and_key_in_each_language():
    assert screen_places.switch_label("places", "zh") == "重点场所（5）"
    assert screen_places.switch_label("cameras", "en") == "Cameras (6)"
    assert screen_places.legend(PLACES, CAMERAS.iloc[:0], KINDS, ["cameras"], "en", True)[0].children[1].children \
        == "The city has no cameras registered"


def _text(component) -> str:
    if isinstance(component, str):
        return component
    children = getattr(component, "children", None)
    return "" if children is None else children if isinstance(children, str) else "".join(_text(c) for c in children)
