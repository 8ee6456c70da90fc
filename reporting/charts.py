"""Charts of the brief as small hand-built SVG documents (no plotting library, no fonts fetched):
the same SVG goes into the page, the HTML file and the PDF as an image."""

from __future__ import annotations

import base64
import math
from html import escape

import pandas as pd
import shapely

from layouts import theme
from reporting import air

FONT = "'Noto Sans CJK SC', sans-serif"
BAR, OTHER_DAYS, AVERAGE, NO_VALUE = theme.TODAY, theme.YESTERDAY, theme.MUTED, theme.NO_VALUE
MAP_SCALE = tuple(colour for _stop, colour in theme.SEQUENTIAL)


LABEL_W = 128                # room for a category's name left of its bar


def _cut(name: str) -> str:
    """Return a name short enough for the label column (a CJK character is about twice a Latin one)."""
    room, kept = 21.0, ""
    for char in name:
        room -= 2 if ord(char) > 0x2E80 else 1
        if room < 0:
            return kept[:-1] + "…"
        kept += char
    return kept


def data_uri(svg: str) -> str:
    """Return an SVG document as a data: URI (an image that needs no request)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _svg(width: int, height: int, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11">' + "".join(body) + "</svg>")


def category_bars(frame: pd.DataFrame, name_column: str, avg_label: str, width: int = 340) -> str:
    """Return horizontal bars of the day's count per category with a tick at the 7-day mean."""
    rows = frame.head(6)
    height = 18 * len(rows) + 22
    top = max([1.0, *rows["count"].astype(float), *rows["avg7"].dropna().astype(float)])
    scale = (width - LABEL_W - 40) / top
    body = []
    for n, r in enumerate(rows.itertuples()):
        y = 4 + n * 18
        body.append(f'<text x="0" y="{y + 11}">{escape(_cut(str(getattr(r, name_column))))}</text>')
        body.append(f'<rect x="{LABEL_W}" y="{y}" width="{r.count * scale:.1f}" height="13" fill="{BAR}"/>')
        body.append(f'<text x="{LABEL_W + 4 + r.count * scale:.1f}" y="{y + 11}">{int(r.count)}</text>')
        if pd.isna(r.avg7):
            continue
        x = LABEL_W + r.avg7 * scale
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 1}" y2="{y + 14}" stroke="{AVERAGE}" stroke-width="2"/>')
    body.append(f'<line x1="{LABEL_W}" x2="{LABEL_W + 14}" y1="{height - 8}" y2="{height - 8}" stroke="{AVERAGE}" stroke-width="2"/>'
                f'<text x="{LABEL_W + 18}" y="{height - 4}" fill="{AVERAGE}">{escape(avg_label)}</text>')
    return _svg(width, height, body)


def hours_bar(day: air.DayAir, language: str, no_data_label: str, width: int = 340) -> str:
    """Return one bar split into the hours the city's hourly AQI spent at each level."""
    total = max(day.hours, 1)
    x, body, legend_y = 0.0, [], 40
    parts = [(level, hours, *air.level_names(level)) for level, hours in day.hours_by_level]
    for n, (level, hours, zh, en, colour) in enumerate(parts):
        w = hours * width / total
        body.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="22" fill="{colour}" stroke="{theme.OUTLINE}" stroke-width="0.5"/>')
        label = zh if language == "zh" else en
        body.append(f'<rect x="{(n % 3) * 112}" y="{legend_y - 9 + (n // 3) * 15}" width="10" height="10" fill="{colour}" stroke="{theme.OUTLINE}" stroke-width="0.5"/>'
                    f'<text x="{(n % 3) * 112 + 14}" y="{legend_y + (n // 3) * 15}">{escape(label)} {hours}h</text>')
        x += w
    if day.hours_without_data:
        body.append(f'<rect x="{x:.1f}" y="0" width="{day.hours_without_data * width / total:.1f}" height="22" fill="{NO_VALUE}"/>')
        body.append(f'<text x="0" y="{legend_y + 30}">{escape(no_data_label)} {day.hours_without_data}h</text>')
    return _svg(width, legend_y + 36, body)


def _ring_path(coords, project) -> str:
    points = [project(x, y) for x, y in coords]
    return "M" + "L".join(f"{px:.1f},{py:.1f}" for px, py in points) + "Z"


def _projector(bounds, width: int, height: int):
    minx, miny, maxx, maxy = bounds
    kx = math.cos(math.radians((miny + maxy) / 2))
    scale = min(width / max((maxx - minx) * kx, 1e-9), height / max(maxy - miny, 1e-9))
    return lambda x, y: ((x - minx) * kx * scale, (maxy - y) * scale), scale


def _colour(value, low: float, top: float) -> str:
    if value is None or pd.isna(value):
        return NO_VALUE
    share = (value - low) / (top - low) if top > low else 0.0
    return MAP_SCALE[min(int(share * (len(MAP_SCALE) - 1) + 0.5), len(MAP_SCALE) - 1)]


def unit_map(geometries: pd.DataFrame, values: dict, legend: str, width: int = 340, height: int = 230) -> str:
    """Return a choropleth of units (``geometries``: code, wkb) coloured by ``values`` (code → number)."""
    shapes = [(code, shapely.from_wkb(wkb)) for code, wkb in zip(geometries["code"], geometries["wkb"]) if wkb is not None]
    if not shapes:
        return _svg(width, 20, [f'<text x="0" y="14">{escape(legend)}: —</text>'])
    bounds = shapely.total_bounds([g for _, g in shapes])
    project, scale = _projector(bounds, width, height - 24)
    known = [float(v) for v in values.values() if v is not None and not pd.isna(v)] or [0.0]
    low, top = min(known), max(known)
    body = []
    for code, geom in shapes:
        simple = geom.simplify(1.0 / scale)
        polygons = getattr(simple, "geoms", [simple])
        path = "".join(_ring_path(p.exterior.coords, project) for p in polygons if not p.is_empty)
        body.append(f'<path d="{path}" fill="{_colour(values.get(code), low, top)}" stroke="white" stroke-width="0.8"/>')
    for n, colour in enumerate(MAP_SCALE):
        body.append(f'<rect x="{n * 22}" y="{height - 14}" width="22" height="10" fill="{colour}"/>')
    body.append(f'<text x="{len(MAP_SCALE) * 22 + 6}" y="{height - 5}">{low:,.1f} – {top:,.1f} {escape(legend)}</text>')
    return _svg(width, height, body)


def trend_bars(daily: pd.DataFrame, labels: list[str], width: int = 340, height: int = 90) -> str:
    """Return received cases per day, oldest first, the brief's day highlighted."""
    ordered = daily.sort_values("offset", ascending=False)
    top = max(float(ordered["received"].max()), 1.0)
    step = width / len(ordered)
    body = []
    for n, (r, label) in enumerate(zip(ordered.itertuples(), labels)):
        h = r.received / top * (height - 30)
        fill = BAR if r.offset == 0 else OTHER_DAYS
        body.append(f'<rect x="{n * step + 4:.1f}" y="{height - 16 - h:.1f}" width="{step - 8:.1f}" height="{h:.1f}" fill="{fill}"/>'
                    f'<text x="{n * step + step / 2:.1f}" y="{height - 19 - h:.1f}" text-anchor="middle" font-size="9">{int(r.received):,}</text>'
                    f'<text x="{n * step + step / 2:.1f}" y="{height - 4}" text-anchor="middle" font-size="9">{escape(label)}</text>')
    return _svg(width, height, body)
