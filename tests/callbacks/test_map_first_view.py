"""What lets /map's first view draw while its first answer is computed: the page starts with the
basemap alone in the frame and at the camera of the first view's figure (so plotly.js draws that
figure into the map made, not a new one). tests/api/test_page_scripts.py: plotly.js loads with the page."""

from __future__ import annotations

import importlib
import json

from layouts import ids
from layouts import map_page as view
from tests.callbacks import test_map_page as base
from tests.callbacks.test_map_page import run_update
from tests.callbacks.test_map_page_weight import components

installed, map_city_path = base.installed, base.map_city_path        # the fixtures of the /map callbacks' tests


def page_figure(language: str) -> dict:
    """Return the figure the page's map starts with (callbacks.map_page registers how it is drawn)."""
    importlib.import_module("callbacks.map_page")
    return next(c for c in components(view.layout(language)) if getattr(c, "id", None) == ids.MAP_GRAPH).figure


def test_the_map_starts_with_the_basemap_the_first_view_draws_into(installed):
    for language in ("zh", "en"):
        start = page_figure(language)
        first = run_update(f"?indicator={base.INDICATOR}", language=language)["figure"]
        start_map, first_map = start["layout"]["map"], first["layout"]["map"]
        # plotly.js makes a new map when the style's JSON differs: it must be the very same style
        assert json.dumps(start_map["style"], sort_keys=True) == json.dumps(first_map["style"], sort_keys=True)
        assert isinstance(start_map["style"], dict) and start_map["style"]["sources"]          # the basemap itself
        assert (start_map["center"], start_map["zoom"]) == (first_map["center"], first_map["zoom"])
        assert {k: start["layout"][k] for k in view.MAP_FRAME} == {k: first["layout"][k] for k in view.MAP_FRAME}
        units = start["data"][0]
        assert (units["type"], units["locations"]) == (first["data"][0]["type"], []) and len(start["data"]) == 1
