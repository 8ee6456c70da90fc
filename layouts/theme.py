"""Colours and formats used across pages (no inline colours elsewhere)."""

PRIMARY = "#0b3d91"
TODAY = "#1f77b4"
YESTERDAY = "#b0bec5"
GOOD = "#2e7d32"
WARN = "#ef6c00"
BAD = "#c62828"
MUTED = "#6c757d"
FONT_FAMILY = "'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"


def fmt_int(value: int | None) -> str:
    """Return an integer with thousands separators, or an em dash for None."""
    return "—" if value is None else f"{value:,}"


def fmt_pct(share: float | None, digits: int = 1) -> str:
    """Return a share (0..1) as a percentage, or an em dash for None."""
    return "—" if share is None else f"{share * 100:.{digits}f}%"
