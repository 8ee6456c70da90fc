"""Colours and formats used across pages (no inline colours elsewhere)."""

import math

PRIMARY = "#0b3d91"
TODAY = "#1f77b4"
YESTERDAY = "#b0bec5"
GOOD = "#2e7d32"
WARN = "#ef6c00"
BAD = "#c62828"
MUTED = "#6c757d"
WATER = "#4a9fd8"
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
