"""Colours and formats used across pages and the printed brief (no inline colours elsewhere).

A leaf module: it imports nothing of the project, so reporting/ draws its printed charts in the
same colours (tests/test_architecture.py allows that one arrow)."""

import math

PRIMARY = "#0b3d91"
TODAY = "#1f77b4"
YESTERDAY = "#b0bec5"
GOOD = "#2e7d32"
WARN = "#ef6c00"
BAD = "#c62828"
MUTED = "#6c757d"
WATER = "#4a9fd8"
NO_VALUE = "#e9ecef"            # a unit or hour without data
NO_SCORE = "#adb5bd"            # a scorecard line without a value
OUTLINE = "#555"                # thin outlines on printed charts
# Continuous scale with explicit breaks (discrete colour maps are far slower on choropleths).
SEQUENTIAL = [[0.0, "#fff7ec"], [0.25, "#fdd49e"], [0.5, "#fc8d59"], [0.75, "#d7301f"], [1.0, "#7f0000"]]
FONT_FAMILY = "'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"


def fmt_int(value: int | None) -> str:
    """Return an integer with thousands separators, or an em dash for None."""
    return "—" if value is None else f"{value:,}"


def fmt_pct(share: float | None, digits: int = 1, round_down: bool = False) -> str:
    """Return a share (0..1) as a percentage, or an em dash for None.

    ``round_down`` keeps 100% for "all of them": 3,323 of 3,324 shows 99.9%, not 100.0%.
    """
    if share is None:
        return "—"
    percent = share * 100
    if round_down:
        percent = math.floor(percent * 10**digits) / 10**digits
    return f"{percent:.{digits}f}%"

# Alert severities: the Chinese four-colour warning scale (issue 5).
SEVERITY_COLOURS = {"blue": "#1565c0", "yellow": "#f9a825", "orange": "#ef6c00", "red": "#c62828"}
# An indicator's status on the analysts' map: no data, normal, then the four severities.
STATUS_COLOURS = {"no_data": "#dfe3e8", "normal": "#cfe8d0", **SEVERITY_COLOURS}
DARK_TEXT, LIGHT_TEXT = "#212529", "#fff"      # text on a light or a dark status colour
# A score against its target: (at or above this share of the target, colour), best first.
SCORE_COLOURS = ((1.0, GOOD), (0.9, SEVERITY_COLOURS["yellow"]), (0.0, BAD))

# The wall screen's palette: dark navy ground, glowing accents.
WALL_BACKGROUND = "#050d1f"
WALL_GRID_LINE = "rgba(64, 156, 255, 0.35)"
WALL_ACCENT = "#35d0ff"
WALL_GOOD, WALL_BAD, WALL_NEUTRAL = "#32e27d", "#ff4d5e", "#8fb3d9"
WALL_EVENT_DOT = "#ffd24d"
WALL_NEWEST_DOT = "#ff6b3d"
WALL_ALERT_SCALE = [[0.0, "#0c1f45"], [0.125, "#0c1f45"], [0.125, SEVERITY_COLOURS["blue"]],
                    [0.375, SEVERITY_COLOURS["blue"]], [0.375, SEVERITY_COLOURS["yellow"]],
                    [0.625, SEVERITY_COLOURS["yellow"]], [0.625, SEVERITY_COLOURS["orange"]],
                    [0.875, SEVERITY_COLOURS["orange"]], [0.875, SEVERITY_COLOURS["red"]],
                    [1.0, SEVERITY_COLOURS["red"]]]
WALL_DENSITY_SCALE = [[0.0, "#0c1f45"], [0.3, "#0f5b9c"], [0.6, "#1fb6d9"], [0.85, "#ffd24d"], [1.0, "#ff6b3d"]]
WALL_LEGEND_GROUND = "rgba(5,13,31,0.6)"
# Road speed bands on the wall's traffic panel: (below km/h, colour), slowest first.
WALL_ROAD_COLOURS = ((20.0, "#ff4d5e"), (35.0, "#ff9f1c"), (45.0, "#ffd24d"), (float("inf"), "#32e27d"))

# The basemap's paint per theme (layouts/basemap_style.py): background, water, green, industrial land,
# roads, boundaries, labels; light for the pages, dark for the wall.
BASEMAP_PALETTE = {
    "light": {"background": "#f4f3ef", "water": "#a9cbe8", "park": "#cfe6c4", "landuse": "#ebe4dc", "road": "#ffffff",
              "road_casing": "#d9d3c9", "boundary": "#7a6f86", "label": "#3a3a44", "halo": "#ffffff"},
    "dark": {"background": "#061430", "water": "#123e6b", "park": "#0f3526", "landuse": "#14213d", "road": "#2a3f66",
             "road_casing": "#0b1a36", "boundary": "#7c93c4", "label": "#d7e3ff", "halo": "#061430"},
}
# On every map: the level above's boundaries, the selected unit's outline and the names, per theme.
MAP_PARENT_LINE = {"light": "#3d3a4b", "dark": "#9fc2ff"}
MAP_SELECTED_LINE = {"light": "#0b3d91", "dark": "#ffffff"}
MAP_LABEL = {"light": "#1d1d28", "dark": "#e8f0ff"}
TRANSPARENT = "rgba(0,0,0,0)"
# The disc colour of each place icon (scripts/make_place_icons.py draws them), and of a kind's dot
# under a style without the app's sprite; cameras are dots by online status.
PLACE_ICON_COLOURS = {"school": "#2563eb", "hospital": "#dc2626", "station": "#0891b2", "venue": "#9333ea",
                      "mine": "#78350f", "chemical_plant": "#ea580c", "construction_site": "#ca8a04",
                      "key_building": "#1e40af", "pin": "#475569"}
CAMERA_COLOURS = {True: GOOD, False: BAD}
