"""The unit search's pure parts: the view a found unit opens, the options (labels in one language,
the keys the server matched on), the compare picker's options, the difference of two values, the
wall's map Patch and the sound's state."""

from __future__ import annotations

import re
import wave
from pathlib import Path

import pytest

from layouts import map_panel, map_search, screen_search, screen_sound, theme
from layouts.map_state import MapView
from queries.unit_search import build_index
from tests.queries.test_unit_search import CITY, store_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def index():
    return build_index(store_of(CITY))


@pytest.mark.parametrize("code, expected", [
    ("G2", MapView(indicator="x.y", unit="M2", level="grid", select="G2", t="2026-11-20T13:00")),
    ("M1", MapView(indicator="x.y", unit="S1", level="community", select="M1", t="2026-11-20T13:00")),
    ("D2", MapView(indicator="x.y", unit="C", level="district", select="D2", t="2026-11-20T13:00")),
    ("C", MapView(indicator="x.y", t="2026-11-20T13:00")),
])
def test_a_unit_found_opens_at_its_level_inside_its_parent_selected(index, code, expected):
    shown = MapView(indicator="x.y", level="street", unit="D1", select="S1", compare="S3", t="2026-11-20T13:00",
                    playing=True)
    assert map_search.jump_view(shown, index.get(code)) == expected
    assert map_search.jump_view(None, index.get(code)).indicator is None       # before the first view: the defaults


def test_options_name_the_unit_in_one_language_and_carry_every_key(index):
    option = map_search.unit_option(index.get("S1"), "zh")
    assert option == {"label": "和平街道 · 街道 · 和平区 · S1", "value": "S1",
                      "search": "s1 和平街道 hepingsubdistrict hpjd hepingjiedao 和平街道 Heping Subdistrict"}
    english = map_search.unit_option(index.get("G2"), "en")["label"]
    assert english == "Grid 1 · Grid · Ping'an Community · Chongqing Road Subdistrict · Chang'an District · G2"
    assert map_search.unit_options(index.search("cqljd"), "en")[0]["value"] == "S2"


def test_compare_options_are_of_the_shown_units_level_with_the_compared_first(index):
    values = lambda options: [o["value"] for o in options]  # noqa: E731
    found = [index.get(c) for c in ("G1", "M1", "HPJD", "G2")]
    assert values(map_search.compare_options(index.get("G2"), index.get("HPJD"), found, "zh")) == ["HPJD", "G1"]
    assert values(map_search.compare_options(index.get("G2"), index.get("M1"), found, "zh")) == ["G1", "HPJD"]
    assert map_search.compare_options(index.get("C"), None, found, "zh") == []          # the city has no peer
    assert map_search.compare_options(None, None, found, "zh") == []


@pytest.mark.parametrize("first, second, text", [
    (12.0, 8.0, "+4 (+50.0%)"), (8, 12, "-4 (-33.3%)"), (1234.5678, 0, "+1,235"), (None, 3, None),
    (float("nan"), 3, None), (2, None, None)])
def test_the_difference_of_two_values(first, second, text):
    assert map_search.value_difference(first, second) == text


def test_the_wall_moves_its_camera_and_outlines_the_unit_over_the_districts():
    outline, districts = {"type": "FeatureCollection", "features": [{"id": "M1"}]}, {"type": "FeatureCollection"}
    patch = screen_search.focus_patch({"center": {"lon": 1.0, "lat": 2.0}, "zoom": 12.5}, districts, outline)
    operations = {tuple(op["location"]): op["params"]["value"] for op in patch.to_plotly_json()["operations"]}
    assert operations[("layout", "map", "center")] == {"lon": 1.0, "lat": 2.0}
    assert operations[("layout", "map", "zoom")] == 12.5
    districts_layer, unit_layer = operations[("layout", "map", "layers")]
    assert districts_layer["source"] is districts and unit_layer["source"] is outline
    assert unit_layer["color"] == theme.MAP_SELECTED_LINE["dark"]
    city = screen_search.focus_patch({"center": {"lon": 0, "lat": 0}, "zoom": 9}, districts, None)
    assert len({tuple(op["location"]): op for op in city.to_plotly_json()["operations"]}[
        ("layout", "map", "layers")]["params"]["value"]) == 1


def test_the_focus_note_names_the_unit_and_the_way_back(index):
    assert screen_search.focus_note(None, "zh") is None
    texts = [span.children for span in screen_search.focus_note(index.get("M2"), "en")]
    assert texts == ["Showing", "Ping'an Community · Community · Chongqing Road Subdistrict · Chang'an District · M2",
                     "Esc: back to the whole city"]


def test_the_sound_state_reads_alerts_only_when_the_sound_is_on():
    assert screen_sound.sound_state(False, ["1@2"]) == {"enabled": False}
    assert screen_sound.sound_state(True, ["1@2"]) == {"enabled": True, "src": "/assets/alert-red.wav", "red": ["1@2"]}


def test_the_tone_is_a_short_wav_served_from_the_apps_own_assets():
    path = ROOT / screen_sound.SOUND_FILE.lstrip("/")
    with wave.open(str(path)) as sound:
        seconds = sound.getnframes() / sound.getframerate()
        assert sound.getnchannels() == 1 and 0.3 <= seconds <= 1.5
    assert path.stat().st_size < 32 * 1024


@pytest.mark.parametrize("language, foreign", [("en", r"[\u3400-\u9fff]"), ("zh", r"unit_search\.|screen_search\.|screen_sound\.")])
def test_the_search_and_the_sound_speak_one_language(language, foreign):
    compared = map_panel.compare_table([({"name_zh": "甲", "name_en": "A", "code": "1"}, {"value": 2}, (1, 2)),
                                        ({"name_zh": "乙", "name_en": "B", "code": "2"}, {"value": 1}, (2, 2))], language)
    texts = " ".join(str(part) for part in (
        *screen_search.overlay(language), *screen_sound.sound_parts(language),
        map_search.search_box("box", language), map_search.compare_picker("pick", language)))
    assert not re.search(foreign, texts)
    assert ("Difference" if language == "en" else "差值") in str(compared) and "+1 (+100.0%)" in str(compared)
