"""The map draws no fade animations: assets/map_frames.js sets MapLibre's fade duration to 0 on the
map plotly.js creates for /map (plotly.js offers no option for it). The asset writes a field of
MapLibre's map object; this checks the MapLibre bundled in plotly.js still sets that field from its
``fadeDuration`` option and reads it when it draws, so an upgrade that renames it fails here rather
than bringing back a frame per animation step (tests/test_map_browser.py checks the drawn map)."""

from __future__ import annotations

from pathlib import Path

import plotly

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def test_the_bundled_maplibre_takes_its_fade_duration_from_the_field_the_asset_sets():
    bundle = BUNDLE.read_text(encoding="utf-8")
    assert "this._fadeDuration=t.fadeDuration" in bundle                 # the constructor's option
    assert "this._idleTriggered?this._fadeDuration:0" in bundle           # read by each drawing of the map
    assert "fadeDuration:300" in bundle                                   # the default the asset turns off


def test_the_asset_turns_the_fades_off_on_the_analysts_map():
    script = (ROOT / "assets" / "map_frames.js").read_text(encoding="utf-8")
    assert "#map-graph .js-plotly-plot" in script and "map._fadeDuration = 0" in script
