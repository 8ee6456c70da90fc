"""The wall's places and cameras layers called directly: off until switched on (or turned on by a
setting), drawn from the store with a legend whose counts are the store's, sent again only when they
changed, names inert and escaped, bad input refused."""

from __future__ import annotations

import pytest
from dash import Patch
from dash.exceptions import PreventUpdate

from data import db
from data.inputs import InputError
from layouts import screen as view
from layouts import screen_places
from tests.callbacks.installed import frozen_context

CONFIG = view.screen_config()
WALL = {"w": 700, "h": 860, "u": 10.8}                   # a 1920×1080 wall's map box and unit
BOTH = {"layers": ["places", "cameras"]}
MARKUP = "<img src=x onerror=alert(1)>校门" + "长" * 400


@pytest.fixture
def installed(tiny_con):
    with frozen_context(tiny_con) as app_context:
        yield app_context


def _draw(choice=None, ready=True, language="zh", shown=None, viewport=WALL, config=CONFIG):
    from callbacks.screen_places import draw_overlays

    return draw_overlays(choice, ready, 1, language, shown, config, viewport)


def _traces(patch: Patch) -> dict:
    operations = {tuple(op["location"]): op["params"]["value"] for op in patch.to_plotly_json()["operations"]}
    return {layer: operations[("data", index)] for layer, index in screen_places.TRACE_INDEX.items()}


def _text(component) -> str:
    """Return every string of a Dash component tree, joined by spaces."""
    if isinstance(component, (list, tuple)):
        return " ".join(_text(child) for child in component)
    if isinstance(component, str):
        return component
    return _text(getattr(component, "children", None) or [])


def test_nothing_is_patched_before_the_wall_draws_its_map(installed):
    with pytest.raises(PreventUpdate):
        _draw(choice=BOTH, ready=None)


def test_the_layers_are_off_until_switched_on(installed, monkeypatch):
    monkeypatch.delenv("CITY_WALL_PLACES_LAYER", raising=False)
    monkeypatch.delenv("CITY_WALL_CAMERAS_LAYER", raising=False)
    patch, legend, shown, places_class, cameras_class = _draw()
    traces = _traces(patch)
    assert [traces[layer]["visible"] for layer in ("places", "cameras")] == [False, False]
    assert traces["places"]["lon"] == [] and traces["cameras"]["lon"] == []           # nothing read
    assert legend == [] and shown["layers"] == []
    assert "screen-overlay-on" not in places_class + cameras_class


def test_switched_on_the_layers_show_the_stores_places_and_cameras(installed):
    con = installed.cursor()
    kinds = dict(con.execute("SELECT kind, count(*) FROM places GROUP BY kind").fetchall())
    cameras = con.execute("SELECT count(*), count(*) FILTER (WHERE online) FROM cameras "
                          "WHERE lon IS NOT NULL AND lat IS NOT NULL").fetchone()
    patch, legend, shown, places_class, cameras_class = _draw(choice=BOTH)
    traces = _traces(patch)
    assert traces["places"]["visible"] is True and len(traces["places"]["lon"]) == sum(kinds.values())
    assert all(symbol.startswith("cv-place-") for symbol in traces["places"]["marker"]["symbol"])   # the app's sprite
    assert traces["places"]["marker"]["size"] > 10                                  # grown to the wall's text
    assert len(traces["cameras"]["lon"]) == cameras[0]
    text = _text(legend)
    names = dict(con.execute("SELECT code, name_zh FROM place_kinds").fetchall())
    for kind, count in kinds.items():
        assert f"{names[kind]} {count} 处" in text
    assert f"在线 {cameras[1]} 处" in text and f"离线 {cameras[0] - cameras[1]} 处" in text
    assert shown["layers"] == ["places", "cameras"] and "screen-overlay-on" in places_class and cameras_class


def test_an_unchanged_wall_is_sent_nothing_again(installed):
    _patch, _legend, shown, *_ = _draw(choice=BOTH)
    with pytest.raises(PreventUpdate):
        _draw(choice=BOTH, shown=shown)
    patch, *_ = _draw(choice={"layers": ["cameras"]}, shown=shown)                  # one switched off: sent
    assert _traces(patch)["places"]["visible"] is False


def test_a_setting_turns_a_layer_on_for_every_wall(installed, monkeypatch):
    monkeypatch.setenv("CITY_WALL_CAMERAS_LAYER", "on")
    _patch, _legend, shown, *_ = _draw()
    assert shown["layers"] == ["cameras"]
    _patch, _legend, shown, *_ = _draw(choice={"layers": []})                       # the wall's own choice wins
    assert shown["layers"] == []


def test_the_legend_is_all_english_on_an_english_wall(installed):
    _patch, legend, *_ = _draw(choice=BOTH, language="en")
    text = _text(legend)
    assert "School 3" in text and "Cameras" in text and "online 7" in text and "Places" in text
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_names_from_feeds_are_inert_bounded_and_escaped(tiny_db_copy):
    con = db.open_store(tiny_db_copy)
    con.execute("UPDATE places SET name = ? WHERE place_id = (SELECT min(place_id) FROM places)", [MARKUP])
    con.execute("UPDATE cameras SET name = ?, online = false WHERE camera_id = (SELECT min(camera_id) FROM cameras)",
                [MARKUP])
    try:
        with frozen_context(con):
            patch, legend, *_ = _draw(choice=BOTH)
    finally:
        con.close()
    traces = _traces(patch)
    for layer in ("places", "cameras"):
        shown = [row[0] for row in traces[layer]["customdata"] if "校门" in row[0]]
        assert shown and shown[0].startswith("&lt;img") and "<img" not in shown[0] and len(shown[0]) < 200
    assert "离线 1 处" in _text(legend)


@pytest.mark.parametrize(("choice", "viewport"), [({"layers": "places"}, WALL), (BOTH, {"w": 700, "h": 860, "u": "x"}),
                                                   ("places", WALL)])
def test_bad_input_is_refused_with_the_field_named(installed, choice, viewport):
    with pytest.raises(InputError, match="screen-"):
        _draw(choice=choice, viewport=viewport)
