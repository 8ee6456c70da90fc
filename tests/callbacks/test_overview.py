"""The overview callbacks called directly, as plain functions, on the tiny city."""

from __future__ import annotations

import pytest

from callbacks import context
from layouts import theme
from queries.overview import city_today
from tests.callbacks.installed import TZ, frozen_context



@pytest.fixture
def installed(tiny_con):
    with frozen_context(tiny_con) as app_context:
        yield app_context


def by_testid(component, found=None) -> dict:
    """Return {data-testid: children} over a Dash component tree."""
    found = {} if found is None else found
    if isinstance(component, (list, tuple)):
        for child in component:
            by_testid(child, found)
        return found
    props = getattr(component, "__dict__", {})
    if "data-testid" in props:
        found[props["data-testid"]] = props.get("children")
    if hasattr(component, "children"):
        by_testid(component.children, found)
    return found


def test_refresh_overview_shows_the_stores_figures(installed):
    from callbacks.overview import refresh_overview

    body = refresh_overview(None, "en")
    expected = city_today(installed.cursor(), installed.now_s(), TZ)
    values = by_testid(body)
    assert values["kpi-received"] == theme.fmt_int(expected.received)
    assert values["kpi-closure-rate"] == theme.fmt_pct(expected.closure_rate)
    assert values["kpi-aqi"] == str(expected.air.result.aqi)
    assert values["as-of"].endswith("2026-11-20 15:30")


def test_unknown_language_falls_back_to_chinese(installed):
    from callbacks.overview import refresh_overview
    from callbacks.shell import draw_navbar

    assert "今日城市运行概况" in str(refresh_overview(None, "xx"))
    assert "云江市" in str(draw_navbar("xx"))
    assert "Yunjiang City" in str(draw_navbar("en"))


def test_context_must_be_installed():
    context.install(None)
    with pytest.raises(RuntimeError, match="AppContext"):
        context.current()
