"""plotly.js is a script of every page, before Dash's renderer: dcc.Graph would load it only when a
graph is first drawn (after the page's first answers), and /map makes its map while the server
computes the first view only when plotly.js is there already."""

from __future__ import annotations

import re


def test_plotly_js_is_a_script_of_the_page_before_the_renderer(secured):
    client = secured.client("analyst")
    page = client.get("/map").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', page)
    plotly = [i for i, src in enumerate(scripts) if "/plotly/package_data/plotly" in src]
    renderer = [i for i, src in enumerate(scripts) if "dash_renderer" in src]
    assert len(plotly) == 1 and renderer and plotly[0] < renderer[0], scripts
    answer = client.get(scripts[plotly[0]])
    assert answer.status_code == 200 and b"plotly.js" in answer.data[:2000]
    assert "max-age" in answer.headers.get("Cache-Control", "")                   # fingerprinted: cached
