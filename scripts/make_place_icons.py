"""Draw the place icons under assets/place_icons/ (48 px PNGs, run once; the PNGs are committed).

Each icon is a white pictogram on a disc in its kind's colour, with a white ring so it reads on the
light and the dark basemap alike. The map's sprite (api/place_icons.py) and the legend both use
these files, so the server never asks another origin for an icon.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from layouts.theme import PLACE_ICON_COLOURS  # noqa: E402  (the repository's root put on the path first)

OUT = ROOT / "assets" / "place_icons"
SIZE, SCALE = 48, 4                       # drawn 4× and reduced: smooth edges without a vector library
WHITE = (255, 255, 255, 255)
COLOURS = {name: tuple(int(hex_[i:i + 2], 16) for i in (1, 3, 5)) for name, hex_ in PLACE_ICON_COLOURS.items()}


def _school(d, s):          # an open book
    d.polygon([(s(12), s(16)), (s(24), s(20)), (s(24), s(34)), (s(12), s(30))], fill=WHITE)
    d.polygon([(s(36), s(16)), (s(24), s(20)), (s(24), s(34)), (s(36), s(30))], fill=WHITE)


def _hospital(d, s):        # a cross
    d.rectangle([s(20), s(12), s(28), s(36)], fill=WHITE)
    d.rectangle([s(12), s(20), s(36), s(28)], fill=WHITE)


def _station(d, s):         # a bus front with two wheels
    d.rounded_rectangle([s(14), s(12), s(34), s(32)], radius=s(3), fill=WHITE)
    d.ellipse([s(15), s(31), s(21), s(37)], fill=WHITE)
    d.ellipse([s(27), s(31), s(33), s(37)], fill=WHITE)


def _venue(d, s):           # a star
    import math
    points = [(s(24 + (12 if i % 2 == 0 else 5) * math.sin(i * math.pi / 5)),
               s(25 - (12 if i % 2 == 0 else 5) * math.cos(i * math.pi / 5))) for i in range(10)]
    d.polygon(points, fill=WHITE)


def _mine(d, s):            # a pick over a handle
    d.line([(s(14), s(34)), (s(34), s(14))], fill=WHITE, width=s(4))
    d.arc([s(12), s(8), s(40), s(30)], start=200, end=340, fill=WHITE, width=s(4))


def _chemical_plant(d, s):  # a flask
    d.rectangle([s(21), s(11), s(27), s(20)], fill=WHITE)
    d.polygon([(s(21), s(19)), (s(27), s(19)), (s(36), s(35)), (s(12), s(35))], fill=WHITE)


def _construction_site(d, s):   # a hard hat
    d.pieslice([s(13), s(14), s(35), s(36)], start=180, end=360, fill=WHITE)
    d.rectangle([s(10), s(25), s(38), s(29)], fill=WHITE)


def _key_building(d, s):    # a tower with windows
    d.rectangle([s(16), s(11), s(32), s(37)], fill=WHITE)
    colour = COLOURS["key_building"] + (255,)
    for y in (15, 21, 27):
        for x in (19, 26):
            d.rectangle([s(x), s(y), s(x + 3), s(y + 3)], fill=colour)


def _pin(d, s):             # a dot: any kind a city adds
    d.ellipse([s(18), s(18), s(30), s(30)], fill=WHITE)


def draw(name: str) -> Image.Image:
    """Return the 48 px icon ``name``."""
    big = Image.new("RGBA", (SIZE * SCALE, SIZE * SCALE), (0, 0, 0, 0))
    d = ImageDraw.Draw(big)
    s = lambda v: round(v * SCALE)          # noqa: E731
    d.ellipse([s(2), s(2), s(46), s(46)], fill=WHITE)
    d.ellipse([s(5), s(5), s(43), s(43)], fill=COLOURS[name] + (255,))
    globals()[f"_{name}"](d, s)
    return big.resize((SIZE, SIZE), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name in COLOURS:
        draw(name).save(OUT / f"{name}.png", optimize=True)
        print(OUT / f"{name}.png")


if __name__ == "__main__":
    main()
