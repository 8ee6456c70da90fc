"""Fixtures of the daily brief's tests: one demo date of the tiny city, its brief rendered once."""

from __future__ import annotations

from datetime import date

import pytest

from data.clock import DEFAULT_TZ
from indicators.periods import Period
from reporting.archive import load_engine
from reporting.area import resolve_area
from reporting.document import build_document
from reporting.span import ended_span
from reporting.render import render_html

DEMO_DAY = date(2026, 11, 19)       # the day before the tiny city's "now" (tests/conftest.TINY_NOW)


def day_brief(con, day: date, engine, tz: str = DEFAULT_TZ, area: str | None = None):
    """Return the document of an ended day's brief (the city, or ``area``)."""
    return build_document(con, ended_span(Period.containing("day", day), tz), resolve_area(con, area), engine)


def day_span(day: date, tz: str = DEFAULT_TZ):
    """Return the BriefSpan of an ended day."""
    return ended_span(Period.containing("day", day), tz)


@pytest.fixture(scope="module")
def engine(tiny_con):
    return load_engine(tiny_con, DEFAULT_TZ)


@pytest.fixture(scope="module")
def demo_doc(tiny_con, engine):
    return day_brief(tiny_con, DEMO_DAY, engine)


@pytest.fixture(scope="module")
def demo_html(demo_doc):
    return render_html(demo_doc)
