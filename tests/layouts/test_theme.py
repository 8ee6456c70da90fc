"""Number formats shown on screens."""

from layouts import theme


def test_percentages():
    assert theme.fmt_pct(None) == "—"
    assert theme.fmt_pct(0.9166) == "91.7%"
    assert theme.fmt_pct(3323 / 3324) == "100.0%"
    assert theme.fmt_pct(3323 / 3324, round_down=True) == "99.9%"
    assert theme.fmt_pct(1.0, round_down=True) == "100.0%"


def test_integers():
    assert theme.fmt_int(None) == "—"
    assert theme.fmt_int(1234567) == "1,234,567"
