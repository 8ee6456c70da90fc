"""What Dash's JSON encoding of a callback answer costs, with the json engine and with orjson.

    python bench/bench_json.py [--cells 3000] [--repeat 20]

Dash 4 encodes every callback answer with plotly.io.json.to_json_plotly (dash/_utils.py: to_json),
whose engine "auto" is orjson when the package is importable, else the standard json module with
plotly's encoder. This builds the map's answer as /map sends it (layouts/figures.unit_choropleth:
``--cells`` hexagonal units, their GeoJSON and values) and times its encoding with each engine
(orjson only when installed; put it on PYTHONPATH to try it without installing). Prints JSON: the
answer's size and the median and best seconds per engine. CPU-bound: run it on a quiet machine, or
read the ratio rather than the seconds.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from plotly.io.json import to_json_plotly  # noqa: E402

from layouts.figures import unit_choropleth  # noqa: E402


def hexagon(lon: float, lat: float, radius: float) -> list[list[float]]:
    """Return a closed hexagon ring around a point."""
    ring = [[round(lon + radius * math.cos(a), 5), round(lat + radius * math.sin(a), 5)]
            for a in (k * math.pi / 3 for k in range(6))]
    return ring + [ring[0]]


def map_answer(cells: int) -> dict:
    """Return a callback answer holding the map figure of ``cells`` units, as Dash encodes it."""
    side = math.ceil(math.sqrt(cells))
    codes = [f"G{i:05d}" for i in range(cells)]
    centres = [(119.4 + (i % side) * 0.01, 32.1 + (i // side) * 0.01) for i in range(cells)]
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": code, "properties": {},
         "geometry": {"type": "Polygon", "coordinates": [hexagon(lon, lat, 0.005)]}}
        for code, (lon, lat) in zip(codes, centres)]}
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"code": codes, "name_zh": [f"网格{i}" for i in range(cells)],
                          "name_en": [f"Grid {i}" for i in range(cells)], "value": rng.poisson(4, cells).astype(float)})
    figure = unit_choropleth(frame, geojson, {"center": {"lon": 119.5, "lat": 32.2}, "zoom": 10}, "value", "件数", "zh")
    return {"multi": True, "response": {"map-graph": {"figure": figure}}}


def time_engine(answer: dict, engine: str, repeat: int) -> dict:
    """Return the encoded size and the median and best seconds of ``repeat`` encodings."""
    seconds, text = [], ""
    for _ in range(repeat):
        started = time.perf_counter()
        text = to_json_plotly(answer, engine=engine)
        seconds.append(time.perf_counter() - started)
    return {"bytes": len(text), "median_s": round(statistics.median(seconds), 4), "best_s": round(min(seconds), 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    answer = map_answer(args.cells)
    engines = ["json", *(["orjson"] if importlib.util.find_spec("orjson") else [])]
    report = {"cells": args.cells, **{engine: time_engine(answer, engine, args.repeat) for engine in engines}}
    if "orjson" in report:
        json_text, orjson_text = (json.loads(to_json_plotly(answer, engine=e)) for e in ("json", "orjson"))
        report["same_answer"] = json_text == orjson_text
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
